"""Constructs tangent_like must refuse, each with an error that points at the offending line.

Every refused function below marks the line the error must point at with the comment
``# <- refused``.  The expected line number is computed from the function's source
(``inspect.getsourcelines(func)[1]`` plus the marker's offset), so editing this file does not
break the tests.  An error must:

* be an instance of the documented class (`tl.UnsupportedSyntaxError` for syntax,
  `tl.NoDerivativeError` for a call without derivative), both `tl.TransformError`;
* carry ``.filename`` (this file), ``.lineno`` (the marked line) and ``.col_offset``;
* say ``test_refused.py:LINE`` in its message.

Whether the error comes from ``tl.grad(f)`` or from the first call of the gradient is left
to the implementation: both happen inside ``pytest.raises``.
"""
import asyncio
import inspect
import math
import os
import re
import types

import numpy as np
import pytest
import scipy.special

import tangent_like as tl

THIS_FILE = os.path.basename(__file__)
MARKER = "# <- refused"


def marked_line(func):
    """The line number of the single line of ``func`` that carries the MARKER comment."""
    lines, start = inspect.getsourcelines(func)
    offsets = [i for i, line in enumerate(lines) if MARKER in line]
    assert len(offsets) == 1, f"{func.__name__} must mark exactly one line"
    return start + offsets[0]


def assert_refused(func, *args, error=None, wrt=0):
    """Differentiating ``func`` raises ``error`` located at its marked line; return the error.

    ``error`` defaults to `tl.UnsupportedSyntaxError`.
    """
    with pytest.raises(error or tl.UnsupportedSyntaxError) as info:
        tl.grad(func, wrt=wrt)(*args)
    err = info.value
    line = marked_line(func)
    message = str(err)

    assert isinstance(err, tl.TransformError)
    assert err.filename is not None and os.path.basename(err.filename) == THIS_FILE, (
        f"error filename {err.filename!r}")
    assert err.lineno == line, f"error at line {err.lineno}, expected {line}:\n{message}"
    assert isinstance(err.col_offset, int), f"col_offset {err.col_offset!r}"
    assert re.search(rf"{re.escape(THIS_FILE)}:{line}(?!\d)", message), (
        f"message does not say {THIS_FILE}:{line}:\n{message}")
    return err


# --------------------------------------------------------------------------------------------
# Statements
# --------------------------------------------------------------------------------------------


def uses_try(x):
    try:  # <- refused
        y = 1.0 / x
    except ZeroDivisionError:
        y = 0.0
    return y * x


def test_try_except_is_refused():
    assert_refused(uses_try, 2.0)


def uses_with(x):
    with np.errstate(over="ignore"):  # <- refused
        y = np.exp(x)
    return np.sum(y)


def test_with_is_refused():
    assert_refused(uses_with, np.array([0.5, 1.5]))


def uses_yield(x):
    for k in range(3):
        yield x * k  # <- refused


def test_yield_is_refused():
    assert_refused(uses_yield, 2.0)


_CALLS = 0


def uses_global(x):
    global _CALLS  # <- refused
    _CALLS += 1
    return x * 2.0


def test_global_is_refused():
    assert_refused(uses_global, 2.0)


def uses_nonlocal(x):
    total = 0.0

    def add(v):
        nonlocal total  # <- refused
        total = total + v

    add(x * x)
    return total


def test_nonlocal_is_refused():
    assert_refused(uses_nonlocal, 2.0)


def defines_class(x):
    class Scale:  # <- refused
        factor = 2.0

    return x * Scale.factor


def test_class_definition_is_refused():
    assert_refused(defines_class, 2.0)


def uses_del(x):
    tmp = x * x
    y = tmp + 1.0
    del tmp  # <- refused
    return y


def test_del_is_refused():
    assert_refused(uses_del, 2.0)


def uses_match(x, mode):
    match mode:  # <- refused
        case "square":
            return x * x
        case _:
            return x


def test_match_is_refused():
    assert_refused(uses_match, 2.0, "square")


def uses_import(x):
    import math as m  # <- refused
    return m.sin(x)


def uses_import_from(x):
    from math import sin  # <- refused
    return sin(x)


@pytest.mark.parametrize("func", [uses_import, uses_import_from], ids=["import", "from_import"])
def test_import_inside_function_is_refused(func):
    assert_refused(func, 0.5)


def uses_subscript_assignment(x):
    y = x                # y is the caller's array
    y[0] = x[1] * 2.0  # <- refused
    return np.sum(y * y)


def test_subscript_assignment_into_a_shared_array_is_refused():
    assert_refused(uses_subscript_assignment, np.array([0.5, 1.5, 2.5]))


def uses_chained_subscript_assignment(x):
    y = np.zeros((2, 2))
    y[0][1] = x  # <- refused
    return np.sum(y)


def test_chained_subscript_assignment_is_refused():
    assert_refused(uses_chained_subscript_assignment, 0.5)


def uses_attribute_assignment(x, state):
    state.w = x * 2.0  # <- refused
    return state.w * x


def test_attribute_assignment_is_refused():
    assert_refused(uses_attribute_assignment, 1.5, types.SimpleNamespace(w=0.0))


def defines_nested_function_twice(x, a):
    if a > 0:
        def h(t):
            return t * a
    else:
        def h(t):  # <- refused
            return t + a
    return h(x)


def test_nested_function_defined_twice_is_refused():
    assert_refused(defines_nested_function_twice, 1.0, 0.5)


# --------------------------------------------------------------------------------------------
# Expressions
# --------------------------------------------------------------------------------------------


def uses_list_comprehension(x):
    if sum([v * v for v in x]) > 0.0:  # <- refused: in a branch condition
        return x[0]
    return x[1]


def uses_dict_comprehension(x):
    if {k: x * k for k in range(3)}[2] > 1.0:  # <- refused: in a branch condition
        return x
    return 2.0 * x


def uses_set_comprehension(x):
    values = {x * k for k in range(3)}  # <- refused: the order of a set is not defined
    return max(values)


def uses_generator_expression(x):
    while sum(v * v for v in x) > 100.0:  # <- refused: in a loop condition
        x = x * 0.5
    return x[0]


@pytest.mark.parametrize("func, arg", [
    (uses_list_comprehension, np.array([0.5, 1.5])),
    (uses_dict_comprehension, 1.5),
    (uses_generator_expression, np.array([0.5, 1.5])),
], ids=["list", "dict", "generator"])
def test_comprehensions_are_refused(func, arg):
    """List and dict comprehensions and generator expressions in branch and loop conditions
    (elsewhere they become loops)."""
    assert_refused(func, arg)


def test_sets_of_differentiated_values_are_refused():
    assert_refused(uses_set_comprehension, 1.5, error=tl.NoDerivativeError)


def uses_walrus(x):
    if (y := x * 2.0) > 1.0:  # <- refused
        return y
    return x


def test_walrus_is_refused():
    assert_refused(uses_walrus, 2.0)


def _hypot3(a, b, c):
    return math.sqrt(a * a + b * b + c * c)


def uses_star_args(x):
    parts = [x]
    for _ in range(2):
        parts.append(2.0 * x)
    return _hypot3(*parts)  # <- refused: a length known only when the loop has run


def test_star_args_call_of_unknown_length_is_refused():
    assert_refused(uses_star_args, 2.0)


def uses_known_star_args(x):
    parts = (x, 2.0 * x, 1.0)
    return _hypot3(*parts)


def test_star_args_call_of_known_length_is_differentiated():
    assert tl.grad(uses_known_star_args)(2.0) == pytest.approx(10.0 / math.sqrt(21.0))


async def _double(v):
    return 2.0 * v


async def uses_async(x):  # <- refused
    y = await _double(x)
    return y


def test_async_def_is_refused():
    assert_refused(uses_async, 2.0)
    # the function itself is a perfectly good coroutine function
    assert asyncio.run(uses_async(2.0)) == 4.0


# --------------------------------------------------------------------------------------------
# Calls without a derivative
# --------------------------------------------------------------------------------------------


def uses_zeta(x):
    y = x * 0.5
    return scipy.special.zeta(y) * x  # <- refused


def test_call_without_derivative_rule_is_refused():
    assert_refused(uses_zeta, 2.5, error=tl.NoDerivativeError)


def zeta_of_a_constant(x, n):
    return x * scipy.special.zeta(n)


def test_call_without_derivative_rule_is_fine_on_constants():
    """The same call is no problem when no differentiated value flows into it."""
    grad = tl.grad(zeta_of_a_constant, wrt=0)(1.5, 4)
    assert grad == pytest.approx(np.pi ** 4 / 90)


# --------------------------------------------------------------------------------------------
# Derivatives that were asked for wrongly
# --------------------------------------------------------------------------------------------


def test_error_classes():
    assert issubclass(tl.UnsupportedSyntaxError, tl.TransformError)
    assert issubclass(tl.NoDerivativeError, tl.TransformError)


def scaled_vector(x):
    return 2.0 * x + np.sin(x)


def test_grad_of_array_output_points_to_vjp():
    """grad needs a scalar output; for an array output the message suggests vjp."""
    with pytest.raises((tl.TransformError, ValueError)) as info:
        tl.grad(scaled_vector)(np.array([0.5, 1.0, 1.5]))
    assert "vjp" in str(info.value)


def repeat_scale(x, count):
    total = 0.0
    for _ in range(count):
        total = total + x * count
    return total


@pytest.mark.parametrize("wrt", [1, "count"], ids=["index", "name"])
def test_grad_wrt_integer_argument_is_an_error(wrt):
    """An int argument has no gradient; the error names the argument or says it is an int."""
    with pytest.raises((tl.TransformError, ValueError)) as info:
        tl.grad(repeat_scale, wrt=wrt)(1.5, 3)
    message = str(info.value)
    assert "count" in message or "int" in message, message


def test_an_output_of_one_element_counts_as_a_scalar():
    x = np.array([[0.1, 0.2], [0.3, 0.4]])
    g = tl.grad(lambda x: np.sum(np.sin(x), keepdims=True))(x)
    np.testing.assert_allclose(g, np.cos(x))
    h = tl.hessian(lambda x: np.sum(np.sin(x), axis=0))(np.array([0.3]))
    np.testing.assert_allclose(h, [[-np.sin(0.3)]])
