"""Kernels of the SciPy rules (rules/scipy_special.py, rules/scipy_stats.py): sums of
polygamma functions (``multigammaln``), the cotangent of ``logsumexp`` spread over the
reduced axes, densities' derivatives outside their support, and the layouts of
``multivariate_normal`` and ``dirichlet`` arguments.

This module is loaded when SciPy is installed (its kernels' names are reserved from the
start), without importing SciPy: the rules that use it are registered, and give it the
package (`provide_scipy`), when a program first calls one of SciPy's functions.  Rule templates call SciPy's own functions by their full names
(``scipy.special.digamma(x)``, ``scipy.stats.norm.pdf(x, loc, scale)``): generated code sees
the package ``scipy`` under its own name, like ``np``.
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import is_zero, unbroadcast
from .kernels import HELPERS, kernel
from .reduce import reduced_axes
from . import scipy_linalg

scipy = None    # the package, once SciPy's rules are registered (only their code calls these)


def provide_scipy(package):
    """Give the kernels of SciPy's rules, and generated code, the package ``scipy``
    (rules/__init__.py calls this when it registers a family of SciPy's rules: importing the
    kernels does not import SciPy)."""
    global scipy
    scipy = scipy_linalg.scipy = HELPERS["scipy"] = package


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


# ------------------------------------------------------------ scipy.stats.multivariate_normal
# SciPy's layout (multivariate_normal_gen._process_parameters_psd, _process_quantiles): the
# dimension comes from mean, else from a 2-D cov, else it is 1; cov may be a scalar (times the
# identity), a vector (the diagonal) or a matrix, of which SciPy reads the lower triangle
# (scipy.linalg.eigh); x has the components along its last axis (a vector is one point, or
# with dim == 1 that many points) and broadcast against the mean; the result is squeezed:
# one value per point.
_MVN = "scipy.stats.multivariate_normal"


@kernel
def mvn_dim(mean, cov):
    """The dimension of a multivariate normal distribution, as SciPy infers it."""
    if mean is not None:
        return int(np.size(mean))
    return int(np.shape(cov)[0]) if np.ndim(cov) >= 2 else 1


def _mvn_mean(mean, dim):
    """The mean as a vector of `dim` components (zeros for None)."""
    return np.zeros(dim) if mean is None else np.reshape(mean, (dim,))


def _mvn_points(x, dim):
    """`x` with the components along its last axis, as SciPy lays it out."""
    x = np.asarray(x)
    if x.ndim == 0:
        return x[np.newaxis]
    if x.ndim == 1:
        return x[:, np.newaxis] if dim == 1 else x[np.newaxis, :]
    return x


@kernel
def mvn_residuals(x, mean, dim, points=True):
    """``x - mean`` as SciPy computes it, one point a row: x laid out with the components
    along its last axis (a vector is one point, or with dim == 1 that many points),
    broadcast against the mean.  With ``points=False`` x only gives the layout: ``-mean``
    spread over it (the tangent of the residuals along a tangent of the mean)."""
    if is_zero(x if points else mean):
        return 0.0
    laid = _mvn_points(x, dim)
    shift = _mvn_mean(mean, dim)
    out = laid - shift if points else np.broadcast_to(-shift, np.broadcast_shapes(
        laid.shape, shift.shape))
    return np.reshape(out, (-1, dim))


@kernel
def mvn_residuals_adjoint(v, x, mean, dim, which):
    """Adjoint of `mvn_residuals` for x (`which` 0, shaped like x) or the mean (1, shaped
    like the mean)."""
    if is_zero(v):
        return 0.0
    laid = _mvn_points(x, dim)
    shift = _mvn_mean(mean, dim)
    v = np.reshape(v, np.broadcast_shapes(laid.shape, shift.shape))
    if which == 0:
        return np.reshape(unbroadcast(v, laid), np.shape(x))
    return np.reshape(-unbroadcast(v, shift), np.shape(mean))


@kernel
def mvn_covariance(cov, dim):
    """The covariance matrix SciPy uses: a scalar times the identity, a diagonal, or the
    symmetric matrix of a matrix's lower triangle."""
    if is_zero(cov):
        return 0.0
    cov = np.asarray(cov)
    if dim == 1:
        cov = cov.reshape(1, 1)
    if cov.ndim == 0:
        return cov * np.eye(dim)
    if cov.ndim == 1:
        return np.diag(cov)
    return np.tril(cov) + np.tril(cov, -1).T


@kernel
def mvn_covariance_adjoint(v, cov):
    """Adjoint of `mvn_covariance`: shaped like `cov` (its trace, its diagonal, or the lower
    triangle with each off-diagonal pair summed)."""
    if is_zero(v):
        return 0.0
    v = np.asarray(v)
    shape = np.shape(cov)
    if len(shape) == 0:
        return np.trace(v)
    if len(shape) == 1:
        return np.reshape(np.diagonal(v), shape)
    if v.shape != shape:        # dim == 1: a (1, 1) matrix for a (1, 1) cov
        return np.reshape(v, shape)
    return np.tril(v) + np.tril(v.T, -1)


@kernel
def mvn_precision(s):
    """The inverse of the covariance matrix `s`; refuses a singular one (SciPy uses a
    pseudo-inverse there, with ``allow_singular=True``)."""
    w = np.linalg.eigvalsh(s)
    eps = 1e6 * np.finfo(np.float64).eps * np.max(np.abs(w))
    if np.min(w) <= eps:
        raise NoDerivativeError(f"{_MVN}: the derivative needs a positive definite "
                                "covariance matrix, and this one is singular",
                                hint="regularize it (add a small multiple of the identity)")
    return np.linalg.inv(s)


@kernel
def mvn_tangent(dx, dmean, dcov, x, mean, cov, like):
    """Tangent of ``multivariate_normal.logpdf(x, mean, cov)`` along (dx, dmean, dcov),
    each possibly the zero 0.0, shaped like `like` (the result)."""
    dim = mvn_dim(mean, cov)
    precision = mvn_precision(mvn_covariance(cov, dim))
    scaled = mvn_residuals(x, mean, dim) @ precision
    out = 0.0
    if not is_zero(dx):
        out = -np.einsum("ik,ik->i", scaled, mvn_residuals(dx, None, dim))
    if not is_zero(dmean):
        out = out - np.einsum("ik,ik->i", scaled, mvn_residuals(x, dmean, dim, False))
    if not is_zero(dcov):
        ds = mvn_covariance(dcov, dim)
        out = out + 0.5 * (np.einsum("ij,jk,ik->i", scaled, ds, scaled)
                           - np.einsum("ij,ji->", precision, ds))
    return np.reshape(out, np.shape(like)) if np.ndim(out) else out


# ------------------------------------------------------------------ scipy.stats.dirichlet
# SciPy's layout (_dirichlet_check_input): the components along the first axis of x (one
# point, or a column per point), all k of them or k - 1, the last being 1 minus their sum;
# ``np.reshape(dirichlet_complete(x, alpha), (k, -1))`` is the matrix of points, one a column.

@kernel
def dirichlet_complete(x, alpha, total=1.0):
    """`x` with all components: the last appended as ``total - sum(x, 0)`` where x has one
    fewer than alpha (`total` 0 gives the tangent of the completion)."""
    if is_zero(x):
        return 0.0
    x = np.asarray(x)
    if x.shape[0] == np.shape(alpha)[0]:
        return x
    return np.concatenate([x, (total - np.sum(x, 0))[np.newaxis]], 0)


@kernel
def dirichlet_complete_adjoint(v, x, alpha):
    """Adjoint of `dirichlet_complete`, from `v` shaped like the completed points or like
    their matrix (components, points); shaped like x."""
    if is_zero(v):
        return 0.0
    v = np.reshape(v, (np.shape(alpha)[0], -1))
    if np.shape(x)[0] != np.shape(alpha)[0]:
        v = v[:-1] - v[-1:]
    return np.reshape(v, np.shape(x))


@kernel
def dirichlet_tangent(dx, dalpha, x, alpha, like):
    """Tangent of ``dirichlet.logpdf(x, alpha)`` along (dx, dalpha), each possibly the zero
    0.0, shaped like `like` (the result)."""
    k = np.shape(alpha)[0]
    points = np.reshape(dirichlet_complete(x, alpha), (k, -1))
    column = np.reshape(alpha, (k, 1))
    out = 0.0
    if not is_zero(dx):
        moved = np.reshape(dirichlet_complete(dx, alpha, 0.0), (k, -1))
        out = np.sum((column - 1.0) / points * moved, 0)
    if not is_zero(dalpha):
        slope = np.log(points) + np.reshape(
            scipy.special.digamma(np.sum(alpha)) - scipy.special.digamma(alpha), (k, 1))
        out = out + np.sum(np.reshape(dalpha, (k, 1)) * slope, 0)
    return np.reshape(out, np.shape(like)) if np.ndim(out) else out
