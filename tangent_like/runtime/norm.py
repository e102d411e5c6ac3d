"""Kernels of ``np.linalg.norm``: its derivative with respect to x, the tangent of that
derivative (second derivatives), and where it is not differentiable.

Conventions: the 2-norm and the Frobenius norm at 0 have derivative 0; the 1-norm uses
``sign(0) = 0``; general p-norms use 0 where ``x_i == 0``; inf-norms (and the matrix
1-norms) split the derivative equally among tied maxima; spectral (``ord=2``/``-2``) and
nuclear (``"nuc"``) matrix norms use the singular vectors ``np.linalg.svd`` returns.
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import float_dtype
from .kernels import kernel
from .linalg import svd_tangent
from .reduce import expand_reduced


def norm_layout(x, ord, axis):
    """("vector", axes) or ("matrix", (row, col)) for ``np.linalg.norm(x, ord, axis)``,
    or ("flat", axes) for the 2-norm of everything."""
    nd = np.ndim(x)
    if axis is None:
        if ord is None or nd == 0:
            return "flat", tuple(range(nd))
        if nd == 1:
            return "vector", (0,)
        if nd == 2:
            return "matrix", (0, 1)
        raise ValueError("np.linalg.norm: improper number of dimensions to norm")
    if isinstance(axis, (tuple, list)):
        if len(axis) == 1:
            return "vector", (int(axis[0]) % nd,)
        return "matrix", (int(axis[0]) % nd, int(axis[1]) % nd)
    return "vector", (int(axis) % nd,)


def _safe_div(a, b):
    zero = b == 0
    return np.where(zero, 0.0, a / np.where(zero, 1.0, b))


def _tie_split(values, target, axis):
    """1/(number tied) where `values` equals `target` along `axis` (keepdims), else 0."""
    mask = values == target
    count = np.sum(mask, axis=axis, keepdims=True)
    return mask / np.maximum(count, 1)


def _svd_weights(x, rc, ord):
    """d ||x||_ord / dx for the nuclear and spectral norms over the axes `rc`."""
    xm = np.moveaxis(x, rc, (-2, -1))
    u, _, vh = np.linalg.svd(xm, full_matrices=False)
    if ord == "nuc":
        w = u @ vh
    else:
        part = slice(0, 1) if ord == 2 else slice(-1, None)   # largest / smallest
        w = u[..., :, part] @ vh[..., part, :]
    return np.moveaxis(w, (-2, -1), rc)


def _svd_weights_tangent(dx, x, rc, ord, batch):
    """Tangent of `_svd_weights` along `dx` (batched: a leading batch axis): from the
    tangents of the singular vectors (distinct nonzero singular values needed)."""
    lead = 1 if batch and np.ndim(dx) > x.ndim else 0
    rcb = tuple(a + lead for a in rc)
    xm = np.moveaxis(x, rc, (-2, -1))
    dxm = np.moveaxis(np.asarray(dx), rcb, (-2, -1))
    u, s, vh = np.linalg.svd(xm, full_matrices=False)
    du, _, dvh = svd_tangent(dxm, u, s, vh)
    if ord != "nuc":
        part = slice(0, 1) if ord == 2 else slice(-1, None)
        u, du, vh, dvh = u[..., :, part], du[..., :, part], vh[..., part, :], dvh[..., part, :]
    t = du @ vh + u @ dvh
    return np.moveaxis(t, (-2, -1), rcb)


@kernel
def norm_weights(x, result, ord=None, axis=None, keepdims=False):
    """For ``result = np.linalg.norm(x, ord, axis, keepdims)``: d result / d x, shaped like
    x (vector norms of any ord along an axis, matrix norms None/'fro'/'nuc'/±1/±2/±inf)."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    x = x.astype(dtype, copy=False)
    layout, axes = norm_layout(x, ord, axis)
    sorted_axes = tuple(sorted(axes))
    re = expand_reduced(result, x.ndim, sorted_axes if axis is not None else None, keepdims)
    ax = np.abs(x)
    if layout == "flat" or (layout == "vector" and ord in (None, 2)) or (
            layout == "matrix" and ord in (None, "fro")):
        w = _safe_div(x, re)
    elif layout == "vector":
        a = axes[0]
        if ord == 1:
            w = np.sign(x)
        elif ord == 0:
            w = np.zeros_like(x)
        elif ord in (np.inf, -np.inf):
            w = np.sign(x) * _tie_split(ax, re, a)
        else:
            p = float(ord)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                w = np.sign(x) * ax ** (p - 1) * np.asarray(re, dtype) ** (1 - p)
            w = np.where((x == 0) | (re == 0) | ~np.isfinite(w), 0.0, w)
    else:
        r, c = axes
        if ord in ("nuc", 2, -2):
            w = _svd_weights(x, (r, c), ord)
        elif ord in (1, -1):       # max/min over columns of the column sums
            sums = np.sum(ax, axis=r, keepdims=True)
            w = np.sign(x) * _tie_split(sums, re, c)
        elif ord in (np.inf, -np.inf):   # max/min over rows of the row sums
            sums = np.sum(ax, axis=c, keepdims=True)
            w = np.sign(x) * _tie_split(sums, re, r)
        else:
            raise ValueError(f"np.linalg.norm: invalid norm order {ord!r} for matrices")
    return np.asarray(w, dtype=dtype)


def norm_smoothness(layout, ord):
    """True when norm_weights is differentiable (not piecewise constant, not SVD based)."""
    if layout == "flat" or (layout == "matrix" and ord in (None, "fro")):
        return "two"
    if layout == "vector":
        if ord in (None, 2):
            return "two"
        if ord in (0, 1, np.inf, -np.inf):
            return "constant"
        return "p"
    if ord in ("nuc", 2, -2):
        return "svd"
    return "constant"


@kernel
def norm_weights_tangent(dx, dresult, x, result, ord=None, axis=None, keepdims=False,
                         batch=False):
    """Tangent of `norm_weights` along `dx` (tangent of x) and `dresult` (tangent of the
    norm), either of which may be 0.0; batched with ``batch``.  Zero for the piecewise
    constant weights (1-, inf-, 0-norms); for the SVD-based matrix norms of real matrices
    with distinct nonzero singular values, from the singular vectors' tangents."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    x = x.astype(dtype, copy=False)
    layout, axes = norm_layout(x, ord, axis)
    how = norm_smoothness(layout, ord)
    exp_axis = tuple(sorted(axes)) if axis is not None else None
    re = expand_reduced(result, x.ndim, exp_axis, keepdims)
    dre = expand_reduced(dresult, x.ndim, exp_axis, keepdims, batch) if np.ndim(dresult) \
        else dresult
    if how == "constant" and not np.iscomplexobj(x):
        return np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(dre), x.shape), dtype)
    if how == "constant":
        raise NoDerivativeError(f"second derivatives of np.linalg.norm(ord={ord!r}) of "
                                "complex values are not supported")
    if how == "svd":
        if np.iscomplexobj(x) or np.iscomplexobj(dx):
            raise NoDerivativeError(f"second derivatives of np.linalg.norm(ord={ord!r}) of "
                                    "complex matrices are not supported")
        if np.ndim(dx) == 0:     # the weights depend on x alone
            return np.zeros(np.broadcast_shapes(np.shape(dre), x.shape), dtype)
        return _svd_weights_tangent(dx, x, axes, ord, batch).astype(dtype, copy=False)
    if how == "two":     # w = x / r
        t = _safe_div(dx, re) - _safe_div(x * dre, re * re)
    elif np.iscomplexobj(x) or np.iscomplexobj(dx):
        # w = x |x|^(p-2) r^(1-p), with d|x| = Re(conj(x) dx) / |x|
        p = float(ord)
        ax = np.abs(x)
        dabs = np.real(np.conj(x) * dx) / np.where(ax == 0, 1.0, ax) if np.ndim(dx) or \
            dx != 0 else 0.0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = (dx * ax ** (p - 2) * re ** (1 - p)
                 + (p - 2) * x * ax ** (p - 3) * dabs * re ** (1 - p)
                 + (1 - p) * x * ax ** (p - 2) * re ** (-p) * dre)
        t = np.where((x == 0) | (re == 0) | ~np.isfinite(t), 0.0, t)
        return np.asarray(t, dtype=np.result_type(dtype, t))
    else:                # w = sign(x) |x|^(p-1) r^(1-p)
        p = float(ord)
        ax = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = ((p - 1) * ax ** (p - 2) * re ** (1 - p) * dx
                 + (1 - p) * np.sign(x) * ax ** (p - 1) * re ** (-p) * dre)
        t = np.where((x == 0) | (re == 0) | ~np.isfinite(t), 0.0, t)
    return np.asarray(t, dtype=dtype)


@kernel
def norm_kink(x, ord=None, axis=None):
    """True at a non-differentiable point of ``np.linalg.norm(x, ord, axis)``."""
    x = np.asarray(x)
    layout, axes = norm_layout(x, ord, axis)
    how = norm_smoothness(layout, ord)
    n = np.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    if how == "two":
        return bool(np.any(n == 0))
    if layout == "vector" and ord in (np.inf, -np.inf):
        ax = np.abs(x)
        return bool(np.any(np.sum(ax == n, axis=axes[0]) > 1) or np.any(n == 0))
    if layout == "vector" and ord not in (0,):
        return bool(np.any(x == 0))
    return False


def _vector_layout(x, axis):
    """(x with the reduced axes merged last, a function putting a weight array of that
    layout back) for ``np.linalg.vector_norm(x, axis=axis)``."""
    x = np.asarray(x)
    nd = x.ndim
    axes = tuple(range(nd)) if axis is None else tuple(
        int(a) % nd for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    other = [a for a in range(nd) if a not in axes]
    perm = other + list(axes)
    xt = np.transpose(x, perm)
    xm = xt.reshape(xt.shape[:len(other)] + (int(np.prod([x.shape[a] for a in axes])),))
    inverse = np.argsort(perm)

    def undo(w, lead=0):
        w = np.reshape(w, w.shape[:lead] + xt.shape)
        return np.transpose(w, list(range(lead)) + [lead + int(i) for i in inverse])
    return xm, undo


def _merged_result(result, xm):
    return np.reshape(result, xm.shape[:-1])


@kernel
def vector_norm_weights(x, result, ord=2, axis=None, keepdims=False):
    """d np.linalg.vector_norm(x, axis=axis, ord=ord) / dx (any axes: those reduced are
    treated as one vector), shaped like x."""
    xm, undo = _vector_layout(x, axis)
    if xm.ndim == 0:
        xm = xm.reshape(1)
    w = norm_weights(xm, _merged_result(result, xm), None if ord == 2 else ord, -1)
    return undo(w)


@kernel
def vector_norm_weights_tangent(dx, dresult, x, result, ord=2, axis=None, keepdims=False,
                                batch=False):
    """Tangent of `vector_norm_weights` along the tangents of x and of the norm."""
    xm, undo = _vector_layout(x, axis)
    lead = 1 if batch else 0
    if np.ndim(dx):
        dxm = np.asarray(dx)
        dxm = (np.stack([_vector_layout(d, axis)[0] for d in dxm]) if batch
               else _vector_layout(dxm, axis)[0])
    else:
        dxm = dx
    if np.ndim(dresult):
        dr = np.asarray(dresult)
        dre = dr.reshape(dr.shape[:lead] + xm.shape[:-1]) if batch else \
            dr.reshape(xm.shape[:-1])
    else:
        dre = dresult
    t = norm_weights_tangent(dxm, dre, xm, _merged_result(result, xm),
                             None if ord == 2 else ord, -1, False, batch)
    if batch and np.ndim(t) == xm.ndim:
        t = t[None]
    return undo(t, lead if np.ndim(t) > xm.ndim else 0)
