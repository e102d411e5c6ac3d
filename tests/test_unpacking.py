"""Calls that unpack tuples, lists and dicts of known length into named parameters
(``f(*args, **kwargs)`` in a wrapper, ``g(a, *args[1:])``), in every mode, against finite
differences; and the refusal when the length is not known."""
import functools

import numpy as np
import pytest

import tangent_like as tl
from finite_differences import partial_gradient


def energy(a, b, scale=1.0):
    return scale * np.sum(np.sin(a) * b ** 2)


def passes_on(*args, **kwargs):
    return energy(*args, **kwargs)


def traced(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)
    return wrapper


@traced
def decorated(a, b):
    return np.sum(np.cos(a * b))


def symmetrized(*args):
    return chol_sum(0.5 * (args[0] + args[0].T), *args[1:])


def chol_sum(m):
    return np.sum(np.linalg.cholesky(m))


def replaced(*args, **kwargs):
    args = list(args)
    args[1] = args[1] * 2.0
    return energy(*args, **kwargs)


def from_display(x):
    parts = (x, x * x)
    options = {"scale": 3.0}
    return energy(*parts, **options)


A = np.array([0.3, -0.7])
B = np.array([1.5, 0.4])
M = np.array([[2.0, 0.3], [0.3, 1.0]])


@pytest.mark.parametrize("f, args, kwargs", [
    (passes_on, (A, B), {}),
    (passes_on, (A, B), {"scale": 0.5}),
    (decorated, (A, B), {}),
    (replaced, (A, B), {"scale": 2.0}),
])
def test_passed_on_in_every_mode(f, args, kwargs):
    for k in range(len(args)):
        expected = partial_gradient(f, args, k, **kwargs)
        np.testing.assert_allclose(tl.grad(f, wrt=k)(*args, **kwargs), expected,
                                   rtol=1e-6, atol=1e-8)
        v = np.linspace(0.5, -1.0, args[k].size).reshape(args[k].shape)
        _, t = tl.jvp(f, args, v, wrt=k, **kwargs)
        assert t == pytest.approx(np.sum(expected * v), rel=1e-6)
    gradient = tl.grad(f)
    hessian = np.stack([partial_gradient(lambda *a, **kw: gradient(*a, **kw)[i], args, 0, eps=1e-5,
                                **kwargs) for i in range(args[0].size)])
    np.testing.assert_allclose(tl.hessian(f)(*args, **kwargs), hessian, rtol=1e-5,
                               atol=1e-7)


def test_a_slice_of_args_and_an_empty_tail():
    expected = partial_gradient(symmetrized, (M,), 0)
    np.testing.assert_allclose(tl.grad(symmetrized)(M), expected, rtol=1e-6, atol=1e-8)


def test_displays_of_known_length():
    x = np.array([0.2, 0.9])
    np.testing.assert_allclose(tl.grad(from_display)(x), partial_gradient(from_display, (x,), 0),
                               rtol=1e-6)


def grows(x):
    parts = (x,)
    total = 0.0
    for i in range(2):
        total = total + np.sum(np.hypot(1.0, *parts) if i == 0 else 0.0)
        parts = (x, x)
    return total


def test_a_sequence_whose_length_changes_is_refused():
    with pytest.raises(tl.UnsupportedSyntaxError, match="unpacks") as info:
        tl.grad(grows)(np.array([0.3, 0.4]))
    assert "test_unpacking.py" in str(info.value)
