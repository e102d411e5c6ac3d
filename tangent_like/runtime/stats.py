"""Kernels of order statistics and NaN-ignoring reductions: ``np.median``,
``np.percentile``, ``np.quantile`` (and their nan- twins), ``np.nansum``, ``np.nanmean``,
``np.nanprod``, ``np.nanvar``/``np.nanstd``, ``np.nan_to_num``.

An order statistic with linear interpolation is a weighted sum of the sorted elements:
``y = (1 - t) x_(lo) + t x_(hi)`` with ``lo = floor(q (n - 1))`` and ``t`` the fraction
left.  `quantile_weights` gives those weights laid back onto x's elements (one set per
quantile: shape ``q.shape + x.shape``), and their derivative with respect to q; both are
piecewise constant in x (the sort order), so every derivative is a contraction with them
(`weighted_sum` and its adjoints), and second derivatives follow from their forward rules.
Ties take the stable sort order; NaNs sort last and, for the nan- functions, are left out
(their weight and derivative are 0).
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import cj, float_dtype, is_zero, re_like
from .kernels import kernel
from .reduce import expand_reduced, group_last, reduced_axes


def check_quantile_method(method, overwrite_input=False):
    """The derivative rules support the default method, linear interpolation, without
    overwriting the input."""
    if method not in ("linear", None):
        raise NoDerivativeError(f"quantiles with method={method!r} have no derivative rule "
                                "(only the default 'linear' interpolation)",
                                hint="call it without method=")
    if overwrite_input:
        raise NoDerivativeError("quantiles with overwrite_input=True have no derivative rule "
                                "(the input is reordered in place)",
                                hint="call it without overwrite_input=")


@kernel
def quantile_weights(x, q, axis=None, scale=1.0, which=0, nan=False, method="linear"):
    """For ``np.quantile(x, q * scale, axis)`` with linear interpolation: the weight of each
    element of x in each quantile (``which=0``), or the derivative of that weight with
    respect to q (``which=1``); shape ``q.shape + x.shape``.  With `nan`, NaNs are left out
    (np.nanquantile)."""
    check_quantile_method(method)
    x = np.asarray(x)
    q = np.asarray(q, dtype=float_dtype(q)) * scale
    dtype = np.result_type(float_dtype(x), q.dtype)
    if np.iscomplexobj(x) or np.iscomplexobj(q):
        raise NoDerivativeError("quantiles of complex values (or at complex q) are not "
                                "defined")
    axes = reduced_axes(axis, x.ndim)
    xm, undo = group_last(x, axes)
    n = xm.shape[-1]
    if n == 0:
        return np.zeros(q.shape + x.shape, dtype=dtype)
    order = np.argsort(xm, axis=-1, kind="stable")           # NaNs last
    count = np.sum(~np.isnan(xm), axis=-1) if nan else np.full(xm.shape[:-1], n)
    last = np.maximum(count - 1, 0)                            # (groups)
    qq = q.reshape(q.shape + (1,) * (xm.ndim - 1))
    virtual = qq * last
    lo = np.clip(np.floor(virtual), 0, last).astype(np.intp)
    hi = np.minimum(lo + 1, last)
    t = virtual - lo
    positions = np.arange(n)
    lo_hot = positions == lo[..., None]
    hi_hot = positions == hi[..., None]
    if which == 0:
        w = (1 - t)[..., None] * lo_hot + t[..., None] * hi_hot
    else:
        w = (scale * last * (hi > lo))[..., None] * (hi_hot.astype(dtype) - lo_hot)
    w = np.broadcast_to(w, q.shape + xm.shape).astype(dtype)
    out = np.empty_like(w)
    np.put_along_axis(out, np.broadcast_to(order, w.shape), w, axis=-1)
    if nan:       # an all-NaN group has no quantile (NaN): no weights
        out = np.where(count[..., None] > 0, out, 0.0)
    return undo(out, q.ndim)


def _expand(g, x, axis, keepdims, lead):
    """Cotangent `g` of a reduction of x (with `lead` leading quantile axes) given size-1
    reduced axes, to broadcast against ``q.shape + x.shape``."""
    g = np.asarray(g)
    if keepdims or np.ndim(x) == 0:
        return g
    axes = reduced_axes(axis, np.ndim(x))
    return np.expand_dims(g, tuple(a + lead for a in axes)) if axes else g


def _sum_reduced(v, x, axis, keepdims, lead):
    axes = tuple(a + lead for a in reduced_axes(axis, np.ndim(x)))
    return np.sum(v, axis=axes, keepdims=keepdims) if axes else v


@kernel
def weighted_sum(w, x, axis=None, keepdims=False, batch=False):
    """``sum(w * x)`` over the reduced axes, for weights `w` shaped ``lead + x.shape`` (lead:
    the quantile axes): the quantiles as a contraction.  With ``batch``, `x` is a batched
    tangent (batch axis first) and the result has the batch axis first."""
    if is_zero(x):
        return 0.0
    w = np.asarray(w)
    x = np.asarray(x)
    if batch:
        lead = w.ndim - (x.ndim - 1)
        xb = x.reshape(x.shape[:1] + (1,) * lead + x.shape[1:])
        return _sum_reduced(w[None] * xb, x[0], axis, keepdims, lead + 1)
    lead = w.ndim - x.ndim
    return _sum_reduced(w * x, x, axis, keepdims, lead)


@kernel
def weighted_sum_adjoint(v, w, x, axis=None, keepdims=False):
    """Adjoint of `weighted_sum` with respect to x: ``sum over the quantile axes of
    w * v`` (v spread over the reduced axes), shaped like x."""
    if is_zero(v):
        return 0.0
    w = np.asarray(w)
    lead = w.ndim - np.ndim(x)
    full = w * _expand(v, x, axis, keepdims, lead)
    return re_like(np.sum(full, axis=tuple(range(lead))) if lead else full, x)


@kernel
def weighted_sum_adjoint_q(v, w, x, q, axis=None, keepdims=False):
    """Adjoint of ``weighted_sum(w(q), x)`` with respect to q, for ``w = dW/dq`` (which=1 of
    `quantile_weights`): ``sum over x's axes of w * x * v``, shaped like q."""
    if is_zero(v):
        return 0.0
    w = np.asarray(w)
    lead = w.ndim - np.ndim(x)
    full = w * np.asarray(x) * _expand(cj(v), x, axis, keepdims, lead)
    out = np.sum(full, axis=tuple(range(lead, full.ndim)))
    return re_like(np.reshape(out, np.shape(q)), q)


@kernel
def weighted_sum_q(dq, w, x, axis=None, keepdims=False, batch=False):
    """Tangent of ``weighted_sum(w(q), x)`` along the tangent `dq` of q, for ``w = dW/dq``:
    ``dq * sum(w * x)`` with dq spread over the result's axes (batched: batch axis first)."""
    if is_zero(dq):
        return 0.0
    slope = weighted_sum(w, x, axis, keepdims)
    dq = np.asarray(dq)
    lead = np.ndim(w) - np.ndim(x)
    rest = np.ndim(slope) - lead
    if batch:
        return dq.reshape(dq.shape + (1,) * rest) * slope[None]
    return dq.reshape(dq.shape + (1,) * rest) * slope


# ------------------------------------------------------------------ NaN-ignoring reductions
@kernel
def nan_mask(x):
    """1.0 where x is a number, 0.0 where it is NaN (a real part or imaginary part NaN)."""
    return (~np.isnan(np.asarray(x))).astype(float_dtype(x))


@kernel
def nan_zeroed(v, x):
    """Tangent `v` of x with 0 at the NaNs of x (whose own tangents may be NaN: the tangent
    of ``m * m`` at a NaN m is NaN), which the nan- functions leave out."""
    if is_zero(v):
        return v
    return np.where(np.isnan(np.asarray(x)), 0.0, v)


@kernel
def nan_mean_weights(x, axis=None):
    """For ``np.nanmean(x, axis)``: ``1 / count`` at the numbers of each group, 0 at NaNs."""
    mask = nan_mask(x)
    count = np.sum(mask, axis=reduced_axes(axis, np.ndim(x)), keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mask > 0, mask / count, 0.0)


@kernel
def masked_var_weights(v, x, axis=None, ddof=0, batch=False):
    """For ``np.nanvar(x, axis, ddof)`` with ``v = x``: ``2 (x - nanmean) / (count - ddof)``
    at the numbers, 0 at the NaNs of x (linear in `v`, which may be a tangent of x: batched
    with ``batch``)."""
    x = np.asarray(x)
    mask = nan_mask(x)
    v = np.asarray(v)
    axes = reduced_axes(axis, x.ndim)
    baxes = tuple(a + 1 for a in axes) if batch else axes
    vm = np.where(mask > 0, v, 0.0)
    count = np.sum(mask, axis=axes, keepdims=True)
    if batch:
        count = count[None]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.sum(vm, axis=baxes, keepdims=True) / count if baxes else vm
        return np.where(mask > 0, 2.0 * (vm - mean) / (count - ddof), 0.0)


@kernel
def finite_part(v, x):
    """`v` where x is finite, 0 where np.nan_to_num replaces x (NaN, inf): real and imaginary
    parts apart for a complex x."""
    if is_zero(v):
        return 0.0
    x = np.asarray(x)
    if np.iscomplexobj(x):
        v = np.asarray(v, dtype=complex)
        return (np.where(np.isfinite(x.real), v.real, 0.0)
                + 1j * np.where(np.isfinite(x.imag), v.imag, 0.0))
    return re_like(np.where(np.isfinite(x), v, 0.0), x)


@kernel
def replaced_where(x, which):
    """Where np.nan_to_num puts its `which` value ("nan", "posinf", "neginf") into x."""
    x = np.asarray(x)
    if np.iscomplexobj(x):
        raise NoDerivativeError("np.nan_to_num: derivatives with respect to the replacement "
                                "values support real x only, not complex x")
    return {"nan": np.isnan, "posinf": np.isposinf, "neginf": np.isneginf}[which](x)


@kernel
def fill_adjoint(v, x, which):
    """Adjoint of np.nan_to_num with respect to its `which` replacement value (a scalar):
    the cotangents summed over the elements it replaced."""
    if is_zero(v):
        return 0.0
    return np.sum(np.where(replaced_where(x, which), np.real(v), 0.0))


@kernel
def fill_tangent(d, x, which, batch=False):
    """Tangent of np.nan_to_num along the tangent `d` of its `which` replacement value
    (batched: one value per direction)."""
    if is_zero(d):
        return 0.0
    mask = replaced_where(x, which)
    d = np.asarray(d)
    if batch:
        return np.where(mask[None], d.reshape(d.shape[:1] + (1,) * mask.ndim), 0.0)
    return np.where(mask, d, 0.0)
