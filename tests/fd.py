"""Central finite differences: the reference the generated gradients are checked against.

`numerical_grad` mirrors the calling convention of ``tangent_like.grad``: the same ``args``,
``kwargs`` and ``wrt`` (an int index, a parameter name, or a tuple of those) and the same
result structure (one gradient, or a tuple of them when ``wrt`` is a tuple).  Each gradient
is a float64 array shaped like its argument (a float for a scalar argument).

`assert_grad_close` compares a gradient with that reference using tolerances suited to the
argument's dtype.
"""
import inspect

import numpy as np

#: Relative step for the central difference, by dtype.  float64: ~1e-6 balances the O(h^2)
#: truncation error against rounding (eps / h ~ 2e-10); float32 needs a far larger step.
REL_STEP = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 5e-3}

#: Default comparison tolerances (rtol, atol), by dtype.
TOLERANCE = {np.dtype(np.float64): (1e-5, 1e-6), np.dtype(np.float32): (2e-2, 2e-3)}


def wrt_names(f, wrt):
    """The parameter names ``wrt`` designates in ``f``'s signature, as a tuple.

    ``wrt`` is an int (a position in the parameter list), a parameter name, or a tuple of
    those.
    """
    params = list(inspect.signature(f).parameters)
    items = wrt if isinstance(wrt, tuple) else (wrt,)
    names = []
    for item in items:
        if isinstance(item, str):
            if item not in params:
                raise ValueError(f"{f.__name__} has no parameter {item!r}")
            names.append(item)
        else:
            names.append(params[item])
    return tuple(names)


def bind_arguments(f, args, kwargs=None):
    """Bind ``args``/``kwargs`` to ``f``'s signature, defaults included."""
    bound = inspect.signature(f).bind(*args, **(kwargs or {}))
    bound.apply_defaults()
    return bound


def wrt_values(f, args, kwargs, wrt):
    """The argument values that ``wrt`` designates, as a tuple (one per wrt entry)."""
    bound = bind_arguments(f, args, kwargs)
    return tuple(bound.arguments[name] for name in wrt_names(f, wrt))


def _dtype_of(value):
    """The floating dtype finite differences should use for an argument."""
    dtype = np.asarray(value).dtype
    if dtype not in REL_STEP:
        raise TypeError(f"cannot take finite differences w.r.t. a {dtype} value: {value!r}")
    return dtype


def _call_with(f, bound, name, value):
    """Call ``f`` with the bound arguments, argument ``name`` replaced by ``value``."""
    arguments = dict(bound.arguments)
    arguments[name] = value
    call = inspect.BoundArguments(bound.signature, arguments)
    return float(np.asarray(f(*call.args, **call.kwargs), dtype=np.float64))


def _partial_derivatives(f, bound, name):
    """Central differences of ``f`` w.r.t. every element of argument ``name``."""
    x = bound.arguments[name]
    dtype = _dtype_of(x)
    rel = REL_STEP[dtype]

    if np.ndim(x) == 0 and not isinstance(x, np.ndarray):
        # Python float or NumPy scalar: keep its type when perturbing.
        kind = type(x)
        h = rel * max(1.0, abs(float(x)))
        plus, minus = kind(x + h), kind(x - h)
        step = float(plus) - float(minus)   # the step actually taken, after rounding
        return (_call_with(f, bound, name, plus) - _call_with(f, bound, name, minus)) / step

    x = np.asarray(x)
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        h = rel * max(1.0, abs(float(x[index])))
        plus, minus = x.copy(), x.copy()
        plus[index] += h
        minus[index] -= h
        step = float(plus[index]) - float(minus[index])
        grad[index] = (_call_with(f, bound, name, plus)
                       - _call_with(f, bound, name, minus)) / step
    return grad


def numerical_grad(f, args, kwargs=None, wrt=0):
    """The central-difference gradient of scalar-valued ``f`` at ``args``/``kwargs``.

    Returns one gradient (a float, or a float64 array shaped like the argument) or, when
    ``wrt`` is a tuple, a tuple of them -- the structure ``tangent_like.grad`` returns.
    """
    bound = bind_arguments(f, args, kwargs)
    grads = tuple(_partial_derivatives(f, bound, name) for name in wrt_names(f, wrt))
    return grads if isinstance(wrt, tuple) else grads[0]


def default_tolerance(value):
    """(rtol, atol) for comparing gradients w.r.t. an argument like ``value``."""
    return TOLERANCE[_dtype_of(value)]


def assert_grad_close(f, args, kwargs, wrt, grad, reference=None, rtol=None, atol=None):
    """Assert that ``grad`` (as returned by ``tangent_like.grad``) matches finite differences.

    ``reference`` is a precomputed `numerical_grad` result (computed here when omitted).
    ``rtol``/``atol`` default to `TOLERANCE` for each argument's dtype.  The structure is
    checked too: a tuple with one entry per wrt argument when ``wrt`` is a tuple.
    """
    if reference is None:
        reference = numerical_grad(f, args, kwargs, wrt)
    names = wrt_names(f, wrt)
    values = wrt_values(f, args, kwargs, wrt)
    if isinstance(wrt, tuple):
        assert isinstance(grad, tuple), f"wrt={wrt!r}: expected a tuple, got {type(grad)}"
        assert len(grad) == len(names), f"wrt={wrt!r}: expected {len(names)} gradients"
        grads, references = grad, reference
    else:
        grads, references = (grad,), (reference,)

    for name, value, g, ref in zip(names, values, grads, references):
        default_rtol, default_atol = default_tolerance(value)
        np.testing.assert_allclose(
            np.asarray(g, dtype=np.float64), ref,
            rtol=default_rtol if rtol is None else rtol,
            atol=default_atol if atol is None else atol,
            err_msg=f"gradient of {f.__name__} w.r.t. {name!r}")
