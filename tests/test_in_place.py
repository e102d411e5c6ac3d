"""In-place updates (``a += b``) and mutating calls: exact, or refused with a location."""
import inspect

import numpy as np
import pytest

import tangent_like as tl

from fd import numerical_grad


def fresh_array_updated(x):
    z = x * 2.0
    z += x
    z *= x
    return np.sum(z)


def alias_then_update(x):
    z = x * 2.0
    c = z
    z += x              # <- refused: c sees the update in Python
    return np.sum(c)


def view_then_update(x):
    z = x * 2.0
    v = z[1:]
    z += 1.0            # <- refused: v is a view of z
    return np.sum(v)


def parameter_updated(x):
    x *= 2.0            # <- refused: the caller's array would change
    return np.sum(x)


def scalar_parameter_updated(x):
    x *= 2.0            # a float is rebound, not changed in place: fine
    return x * x


def list_append(x):
    xs = []
    xs.append(x)        # a list built here: appending is fine
    xs.append(x * x)
    return sum(xs)


def argument_append(x, xs):
    xs.append(x)        # <- refused: the caller's list would change
    return x


def _line(func):
    lines, first = inspect.getsourcelines(func)
    return first + next(i for i, l in enumerate(lines) if "<- refused" in l)


def test_fresh_array_update_is_differentiated():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(tl.grad(fresh_array_updated)(x),
                               numerical_grad(fresh_array_updated, (x,), {}, 0), rtol=1e-6)


def test_append_to_a_local_list_is_differentiated():
    assert tl.grad(list_append)(1.5) == pytest.approx(1.0 + 2 * 1.5)


def test_append_to_an_argument_is_refused():
    with pytest.raises(tl.UnsupportedSyntaxError) as info:
        tl.grad(argument_append)(1.0, [])
    assert info.value.lineno == _line(argument_append)


def test_float_parameter_update_is_differentiated():
    assert tl.grad(scalar_parameter_updated)(1.5) == pytest.approx(8 * 1.5)


@pytest.mark.parametrize("func,error", [
    (alias_then_update, tl.UnsupportedSyntaxError),
    (view_then_update, tl.UnsupportedSyntaxError),
    (parameter_updated, tl.UnsupportedSyntaxError),
])
def test_unsafe_updates_are_refused_with_their_line(func, error):
    with pytest.raises(error) as info:
        tl.grad(func)(np.array([1.0, 2.0, 3.0]))
    assert info.value.lineno == _line(func)
    assert f"test_in_place.py:{_line(func)}:" in str(info.value)
