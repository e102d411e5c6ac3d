"""Differentiate every function of the corpus and check the result against finite differences.

For each case of `corpus.CASES`:

* ``tl.grad`` (with ``optimize`` on and off) matches central finite differences, and each
  gradient looks like its argument: an array of the same shape and dtype, or a float for a
  Python float;
* ``tl.value_and_grad`` returns the function's own value next to the same gradient;
* ``tl.vjp`` with a cotangent of 1.0 returns the same gradient (cases without keyword
  arguments, since ``vjp`` takes positional primals only);
* for a subset, the same gradients come out when the float arguments are ``np.float64``
  scalars instead of Python floats.

The finite-difference reference of each case is computed once and shared by the tests.
"""
import copy
import functools

import numpy as np
import pytest

import tangent_like as tl
from corpus import CASES
from fd import assert_grad_close, numerical_grad, wrt_names, wrt_values

CASES_BY_NAME = {c.name: c for c in CASES}

OPTIMIZE = [pytest.param(True, id="optimized"), pytest.param(False, id="unoptimized")]


def _params(cases):
    """pytest parameters for corpus cases, identified by case name."""
    return [pytest.param(c, id=c.name) for c in cases]


@functools.cache
def reference_gradient(name):
    """The finite-difference gradient of corpus case ``name`` (computed once per session)."""
    c = CASES_BY_NAME[name]
    return numerical_grad(c.func, c.args, c.kwargs, c.wrt)


def as_tuple(grad, wrt):
    """The gradient(s) as a tuple, one entry per wrt argument."""
    return grad if isinstance(wrt, tuple) else (grad,)


def fresh_inputs(c):
    """Deep copies of a case's args and kwargs, so no test can affect another."""
    return copy.deepcopy(c.args), copy.deepcopy(c.kwargs)


def assert_inputs_unchanged(c, args, kwargs):
    """The differentiated call must not modify its arguments."""
    for before, after in zip(c.args + tuple(c.kwargs.values()),
                             args + tuple(kwargs[k] for k in c.kwargs)):
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(after, before, err_msg="an input array was modified")


def assert_like_argument(arg, grad, name):
    """A gradient has its argument's kind: same shape and dtype, float for a Python float."""
    if isinstance(arg, np.ndarray):
        assert isinstance(grad, np.ndarray), (
            f"gradient w.r.t. {name!r} should be an ndarray, got {type(grad).__name__}")
        assert grad.shape == arg.shape, f"gradient w.r.t. {name!r}: shape {grad.shape}"
        assert grad.dtype == arg.dtype, f"gradient w.r.t. {name!r}: dtype {grad.dtype}"
    elif isinstance(arg, float):
        assert isinstance(grad, float) and not isinstance(grad, np.ndarray), (
            f"gradient w.r.t. float {name!r} should be a float, got {type(grad).__name__}")
    else:  # pragma: no cover - the corpus only differentiates w.r.t. floats and arrays
        raise AssertionError(f"unexpected argument type {type(arg).__name__}")


def assert_value_equal(value, expected):
    """The value computed alongside the gradient is the function's own value."""
    assert np.ndim(value) == 0, f"value should be a scalar, got shape {np.shape(value)}"
    rtol = 1e-5 if np.asarray(expected).dtype == np.float32 else 1e-10
    np.testing.assert_allclose(float(value), float(expected), rtol=rtol, atol=1e-300)


# --------------------------------------------------------------------------------------------
# The corpus itself
# --------------------------------------------------------------------------------------------


def test_corpus_is_large_and_well_formed():
    """At least 90 distinct functions, unique case names, scalar outputs."""
    assert len({id(c.func) for c in CASES}) >= 90
    assert len(CASES_BY_NAME) == len(CASES)


@pytest.mark.parametrize("c", _params(CASES))
def test_reference_gradient_is_finite(c):
    """Guards the corpus: every function runs on its inputs and has a finite FD gradient."""
    args, kwargs = fresh_inputs(c)
    assert np.ndim(c.func(*args, **kwargs)) == 0
    for g in as_tuple(reference_gradient(c.name), c.wrt):
        assert np.all(np.isfinite(g))


# --------------------------------------------------------------------------------------------
# tl.grad
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("optimize", OPTIMIZE)
@pytest.mark.parametrize("c", _params(CASES))
def test_grad_matches_finite_differences(c, optimize):
    args, kwargs = fresh_inputs(c)
    grad = tl.grad(c.func, wrt=c.wrt, optimize=optimize)(*args, **kwargs)

    assert_inputs_unchanged(c, args, kwargs)
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, grad,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)
    names = wrt_names(c.func, c.wrt)
    values = wrt_values(c.func, c.args, c.kwargs, c.wrt)
    for name, arg, g in zip(names, values, as_tuple(grad, c.wrt)):
        assert_like_argument(arg, g, name)


# --------------------------------------------------------------------------------------------
# tl.value_and_grad
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("c", _params(CASES))
def test_value_and_grad_returns_the_function_value(c):
    args, kwargs = fresh_inputs(c)
    expected = c.func(*copy.deepcopy(args), **copy.deepcopy(kwargs))

    value, grad = tl.value_and_grad(c.func, wrt=c.wrt)(*args, **kwargs)

    assert_value_equal(value, expected)
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, grad,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)


# --------------------------------------------------------------------------------------------
# tl.vjp
# --------------------------------------------------------------------------------------------


def _vjp_cases():
    """Cases callable with positional primals only, whose output is a scalar."""
    return [c for c in CASES
            if not c.kwargs and np.ndim(c.func(*copy.deepcopy(c.args))) == 0]


@pytest.mark.parametrize("c", _params(_vjp_cases()))
def test_vjp_with_unit_cotangent_gives_the_gradient(c):
    args, _ = fresh_inputs(c)
    expected = c.func(*copy.deepcopy(args))

    out, pullback = tl.vjp(c.func, *args, wrt=c.wrt)
    cotangents = pullback(1.0)

    assert_value_equal(out, expected)
    names = wrt_names(c.func, c.wrt)
    assert isinstance(cotangents, tuple), f"pullback returned {type(cotangents).__name__}"
    assert len(cotangents) == len(names), "pullback must return one entry per wrt argument"
    grad = cotangents if isinstance(c.wrt, tuple) else cotangents[0]
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, grad,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)
    for name, arg, g in zip(names, wrt_values(c.func, c.args, c.kwargs, c.wrt), cotangents):
        assert_like_argument(arg, g, name)


# --------------------------------------------------------------------------------------------
# np.float64 scalars instead of Python floats
# --------------------------------------------------------------------------------------------


def _to_numpy_scalars(values):
    """Python floats replaced by np.float64 (everything else unchanged)."""
    return type(values)(np.float64(v) if type(v) is float else v for v in values)


def _numpy_scalar_cases():
    """Every other case with a Python float among the differentiated arguments."""
    eligible = [c for c in CASES
                if any(type(v) is float for v in wrt_values(c.func, c.args, c.kwargs, c.wrt))]
    return eligible[::2]


@pytest.mark.parametrize("optimize", OPTIMIZE)
@pytest.mark.parametrize("c", _params(_numpy_scalar_cases()))
def test_grad_with_numpy_float64_scalars(c, optimize):
    args = _to_numpy_scalars(copy.deepcopy(c.args))
    kwargs = dict(zip(c.kwargs, _to_numpy_scalars(tuple(copy.deepcopy(c.kwargs).values()))))

    grad = tl.grad(c.func, wrt=c.wrt, optimize=optimize)(*args, **kwargs)

    # Same numbers as with Python floats (the reference was computed with Python floats).
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, grad,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)
    for arg, g in zip(wrt_values(c.func, args, kwargs, c.wrt), as_tuple(grad, c.wrt)):
        if isinstance(arg, np.float64):
            assert np.ndim(g) == 0, f"gradient w.r.t. an np.float64 has shape {np.shape(g)}"
