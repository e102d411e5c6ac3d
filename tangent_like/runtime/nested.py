"""Calls of derivatives inside differentiated code: ``dg(x)`` where ``dg = tl.grad(g)``.

A gradient ``y = grad_k g(a_1, ..., a_n)`` (with respect to argument ``a_k``) has
derivatives that are second derivatives of the scalar ``g``, computed by forward mode over
its generated gradient code (as ``tl.jvp(tl.grad(g))`` is):

* the tangent of ``y`` along a tangent ``da_p`` of argument ``a_p`` is the derivative of
  ``grad_k g`` along ``da_p``;
* the adjoint of argument ``a_p`` given the adjoint ``ybar`` of ``y`` is
  ``(d grad_k g / d a_p)^T ybar``, which by the symmetry of second derivatives is the
  derivative of ``grad_p g`` along ``ybar`` in argument ``a_k``: a Hessian-vector product,
  without forming the Hessian.
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import cot_add, is_zero
from .kernels import kernel

_SECOND = {}    # what tangent_like.nesting installs: the runtime does not import the pipeline


def install(vjp, jvp):
    """Give the kernels their second derivatives: ``vjp(d, g, wrt, p, arguments, along)``
    and ``jvp(d, p, dp, arguments)``, forward mode over generated gradient code
    (`tangent_like.nesting` installs them)."""
    _SECOND.update(vjp=vjp, jvp=jvp)


def as_derivative(d):
    """The tangent_like gradient object `d` is, or stands for (an object of a library
    wrapping tangent_like gives it by ``__tangent_like_derivative__()``)."""
    hook = getattr(d, "__tangent_like_derivative__", None)
    return hook() if hook is not None else d


def _real(arguments):
    """`arguments`, refused when one is complex: the adjoint of a call is a derivative of
    another gradient by the symmetry of second derivatives, which holds for real values."""
    for name, value in arguments.items():
        leaves = _leaves(value) if isinstance(value, (tuple, list, dict)) else (value,)
        if any(np.iscomplexobj(v) for v in leaves):
            raise NoDerivativeError(
                f"a call of a gradient with a complex argument ({name!r}) is differentiated "
                "for real values only", hint="differentiate with respect to the real and "
                "imaginary parts as separate real arguments")
    return arguments


def _leaves(value):
    parts = value.values() if isinstance(value, dict) else value
    for v in parts:
        if isinstance(v, (tuple, list, dict)):
            yield from _leaves(v)
        else:
            yield v


def _rows(batch, t, x):
    """The directions of a tangent `t` of `x`: its rows when it has a batch axis, else
    None (one tangent, the same in every direction, or not batched)."""
    return list(t) if batch and np.ndim(t) > np.ndim(x) else None


def _stack(parts):
    if isinstance(parts[0], (tuple, list, dict)):
        raise NoDerivativeError(
            "vector forward mode over a call of a derivative with respect to a tuple, list "
            "or dict: its tangents are taken one direction at a time (tl.jvp, tl.hvp)")
    return np.stack([np.asarray(p) for p in parts])


@kernel
def derivative_vjp(d, g, wrt, p, arguments, batch=False):
    """Adjoint of argument `p` of ``d(**arguments)``, for the gradient ``d = tl.grad(f,
    wrt)`` and the adjoint `g` of its value: the derivative of ``tl.grad(f, p)`` along `g`
    in argument `wrt`.  Linear in `g`: with `batch`, `g` may have a leading batch axis."""
    if is_zero(g):
        return 0.0
    d = as_derivative(d)
    rows = _rows(batch, g, _real(arguments)[wrt])
    if rows is not None:
        return _stack([derivative_vjp(d, row, wrt, p, arguments) for row in rows])
    return _SECOND["vjp"](d, g, wrt, p, arguments)


@kernel
def derivative_vjp_tangent(d, g, wrt, p, arguments, darguments, batch=False):
    """The tangent of ``derivative_vjp(d, g, wrt, p, arguments)`` along the tangents
    `darguments` of the arguments (a third derivative of ``f``): forward mode once more."""
    if is_zero(g) or is_zero(darguments):
        return 0.0
    d = as_derivative(d)
    _real(arguments)
    total = 0.0
    for q, dq in darguments.items():
        if is_zero(dq):
            continue
        rows = _rows(batch, dq, arguments[q])
        if rows is None:
            term = _SECOND["vjp"](d, g, wrt, p, arguments, (q, dq))
        else:
            term = _stack([_SECOND["vjp"](d, g, wrt, p, arguments, (q, r)) for r in rows])
        total = cot_add(total, term)     # (tuples and dicts part by part)
    return total


@kernel
def derivative_jvp(d, p, dp, arguments, batch=False):
    """Tangent of ``d(**arguments)`` along the tangent `dp` of argument `p`; with `batch`,
    of a tangent with a leading batch axis (one direction per row)."""
    if is_zero(dp):
        return 0.0
    d = as_derivative(d)
    rows = _rows(batch, dp, _real(arguments)[p])
    if rows is None:
        return _SECOND["jvp"](d, p, dp, arguments)
    return _stack([_SECOND["jvp"](d, p, row, arguments) for row in rows])


for _kernel in (derivative_vjp, derivative_vjp_tangent, derivative_jvp):
    _kernel.needs_tangent_like = True   # (a standalone module cannot copy them)
