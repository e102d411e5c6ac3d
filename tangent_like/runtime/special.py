"""Kernels of the SciPy rules (rules/scipy_special.py, rules/scipy_stats.py): sums of
polygamma functions (``multigammaln``), the cotangent of ``logsumexp`` spread over the
reduced axes, densities' derivatives outside their support, and the layouts of
``multivariate_normal`` and ``dirichlet`` arguments.

This module, and the rules that use it, are loaded only when SciPy can be imported.  Rule
templates call SciPy's own functions by their full names (``scipy.special.digamma(x)``,
``scipy.stats.norm.pdf(x, loc, scale)``): generated code sees the package ``scipy`` under
its own name, like ``np``.
"""
import numpy as np
import scipy.special
import scipy.stats  # noqa: F401  (templates call the distributions' methods)

from ..errors import NoDerivativeError
from .core import is_zero
from .kernels import HELPERS, kernel
from .reduce import reduced_axes

HELPERS["scipy"] = scipy


# ------------------------------------------------------------------------- scipy.special
@kernel
def multi_polygamma(n, a, d):
    """``sum(polygamma(n, a - j / 2) for j < d)``: with n = 0 the derivative of
    ``multigammaln(a, d)``, with n + 1 the derivative of this one."""
    return sum(scipy.special.polygamma(n, np.subtract(a, 0.5 * j)) for j in range(int(d)))


@kernel
def spread_reduced(v, a, b=None, axis=None, keepdims=False):
    """`v`, shaped like the result of a reduction of ``a`` (weighted by ``b``, as
    ``logsumexp(a, axis, b, keepdims)`` reduces), with its reduced axes put back and
    broadcast to the shape of ``a`` and ``b`` together (at least 1-D, as logsumexp takes
    them: a 0-d ``a`` is one element)."""
    if is_zero(v):
        return 0.0
    shape = np.shape(a) if b is None else np.broadcast_shapes(np.shape(a), np.shape(b))
    shape = shape or (1,)
    v = np.asarray(v)
    if not keepdims and axis is not None:
        v = np.expand_dims(v, reduced_axes(axis, len(shape)))
    return np.broadcast_to(v, shape).astype(np.result_type(v, 1.0), copy=True)


@kernel
def on_support(v, density):
    """`v` where `density` is not 0, and 0 where it is (outside the support of a
    distribution the density is the constant 0, and so are its derivatives)."""
    if np.ndim(v) == 0 and np.ndim(density) == 0 and not isinstance(v, np.ndarray):
        return v if density != 0 else 0.0
    out = np.where(np.not_equal(density, 0), v, 0.0)
    return out[()] if out.ndim == 0 else out
