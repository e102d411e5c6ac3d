"""Kernels of NumPy's reductions and scans: ``sum``, ``mean``, ``prod``, ``max``/``min``,
``var``/``std``, ``average``, ``cumsum``, ``cumprod`` (``np.linalg.norm``: `norm`).

Most reductions share one shape: the adjoint is ``sum_adjoint(g, x, axis, keepdims) * W``
-- the output cotangent spread back over the reduced axes, times a weight array ``W``
shaped like ``x`` (the partial derivative of each output element with respect to each
element it reduces) -- and the tangent is ``np.sum(dx * W, axis=axis, keepdims=keepdims)``.
The weight kernels (`prod_others`, `tie_weights`, `var_weights`, `std_scale`,
`average_weights`) and the adjoint kernels (`cumsum_adjoint`, `cumprod_adjoint`,
`average_adjoint_w`) have forward rules of their own (rules/numpy_reduce.py), so that
Hessians differentiate through them.

Zeros are handled exactly: the derivative of ``prod`` with respect to ``x_i`` is the product
of the other elements (prefix times suffix products, never a division by ``x``), and
``cumprod`` divides only by the elements before the first zero along the axis.
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import cj, float_dtype, is_zero, lazy_array, re_like
from .kernels import kernel


# ---------------------------------------------------------------------------------- layout
def reduced_axes(axis, ndim):
    """The reduced axes as a sorted tuple of nonnegative ints (every axis for None)."""
    if ndim == 0:
        return ()
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(a) % ndim for a in axis))
    return (int(axis) % ndim,)


def expand_reduced(v, ndim, axis, keepdims, batch=False):
    """Reduced value `v` with its reduced axes put back (size 1) to broadcast against x.

    With ``batch``, `v` has a leading batch axis that x has not."""
    v = np.asarray(v)
    if keepdims:
        return v
    axes = reduced_axes(axis, ndim)
    if not axes:
        return v
    if batch:
        axes = tuple(a + 1 for a in axes)
    return np.expand_dims(v, axes)


def _batch_axes(axes):
    return tuple(a + 1 for a in axes)


def group_last(x, axes, lead=0):
    """`x` with `axes` (after `lead` leading axes, such as a batch axis) moved last and
    merged into one: ``(xm, undo)``.  ``undo(r)`` maps an array shaped like ``xm`` back to
    x's layout; ``undo(r, extra)`` one with `extra` more leading axes."""
    x = np.asarray(x)
    axes = [a + lead for a in axes]
    other = [a for a in range(x.ndim) if a not in axes]
    perm = other + axes
    xt = np.transpose(x, perm)
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    xm = xt.reshape(xt.shape[:len(other)] + (n,))
    inverse = list(np.argsort(perm))

    def undo(r, extra=0):
        r = np.reshape(r, np.shape(r)[:extra] + xt.shape)
        return np.transpose(r, list(range(extra)) + [extra + int(i) for i in inverse])
    return xm, undo


def _revcumsum(v):
    """Reverse cumulative sum along the last axis: ``out[..., j] = sum(v[..., j:])``."""
    return np.flip(np.cumsum(np.flip(v, -1), axis=-1), -1)


def _zero_masks(x):
    """Along the last axis: (before the first zero, at the first zero, from it on)."""
    iz = x == 0
    nz = np.cumsum(iz, axis=-1)
    return nz == 0, iz & (nz == 1), nz >= 1


def _cumprod_tangent_last(dx, x, y):
    """Tangent of ``y = cumprod(x, axis=-1)`` along `dx` (which may have extra leading batch
    axes), exact where x has zeros: divides only by elements before the first zero."""
    before, first, after = _zero_masks(x)
    safe = np.where(before, x, 1)
    t = y * np.cumsum(np.where(before, dx / safe, 0), axis=-1)
    if np.any(first):
        y1 = np.cumprod(np.where(first, 1, x), axis=-1)   # the first zero left out
        dz = np.sum(np.where(first, dx, 0), axis=-1, keepdims=True)
        t = t + np.where(after, dz * y1, 0)
    return t


def _cumprod_adjoint_last(g, x, y):
    """Adjoint of ``y = cumprod(x, axis=-1)``, exact where x has zeros (see the module)."""
    before, first, _ = _zero_masks(x)
    safe = np.where(before, x, 1)
    a = np.where(before, _revcumsum(g * y) / safe, 0)
    if np.any(first):
        y1 = np.cumprod(np.where(first, 1, x), axis=-1)
        a = a + np.where(first, _revcumsum(g * y1), 0)
    return a


def _exclusive_cumprod(xm):
    """``[1, x0, x0 x1, ..., x0 ... x_{n-2}]`` along the last axis."""
    ones = np.ones(xm.shape[:-1] + (1,), dtype=xm.dtype)
    return np.concatenate([ones, np.cumprod(xm[..., :-1], axis=-1)], axis=-1)


def _exclusive_cumprod_tangent(dxm, xm):
    part = xm[..., :-1]
    t = _cumprod_tangent_last(dxm[..., :-1], part, np.cumprod(part, axis=-1))
    zeros = np.zeros(t.shape[:-1] + (1,), dtype=t.dtype)
    return np.concatenate([zeros, t], axis=-1)


# ------------------------------------------------------------------------------ sum / mean
@kernel
def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``."""
    if type(g) is float and axis is None and type(x) is np.ndarray and x.ndim \
            and x.dtype.kind in "fc" and g != 0.0:
        out = np.empty_like(x)      # (the common case first: a float spread over x, whose
        out.fill(g)                 # dtype it keeps, as a Python float is weak)
        return out
    if is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    shape = np.shape(x)
    if not shape:           # a scalar (np.sum of a 0-d array accepts axis=0)
        return np.reshape(g, ()) if isinstance(g, np.ndarray) else g
    if axis is None and np.ndim(g) == 0:
        dtype = getattr(x, "dtype", None)
        dtype = np.result_type(g, 1.0) if dtype is None or dtype.kind not in "fc" else \
            np.result_type(dtype, g)      # (a complex g spread over a real x stays complex)
        if lazy_array(x):       # (its shape may not be known before it runs)
            return np.ones_like(x, dtype=dtype) * g
        return np.full(shape, g, dtype=dtype)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape).astype(np.result_type(g, x, 1.0), copy=True) \
        if shape else g


@kernel
def mean_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)`` (of an empty x: empty)."""
    if type(g) is float and axis is None and type(x) is np.ndarray and x.size \
            and x.dtype.kind in "fc" and g != 0.0:
        out = np.empty_like(x)      # (the common case first, as in sum_adjoint)
        out.fill(g / x.size)
        return out
    if is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    shape = np.shape(x)
    if axis is None:
        n = int(np.prod(shape)) if shape else 1
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        n = int(np.prod([shape[a] for a in axes]))
    # n == 0: x is empty, so is its adjoint (the mean itself is nan)
    return sum_adjoint(g / n if n else g * 0.0, x, axis, keepdims)


# ------------------------------------------------------------------------------------ prod
@kernel
def prod_others(x, axis=None):
    """For ``np.prod(x, axis)``: an array shaped like `x` holding, at each element, the
    product of the OTHER elements of its reduction group (= d prod / d x_i).

    Exact with zeros: prefix products times suffix products, no division."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    if x.ndim == 0:
        return np.ones((), dtype=dtype)
    xm, undo = group_last(x.astype(dtype, copy=False), reduced_axes(axis, x.ndim))
    if xm.shape[-1] == 0:
        return np.ones(x.shape, dtype=dtype)
    left = _exclusive_cumprod(xm)
    right = np.flip(_exclusive_cumprod(np.flip(xm, -1)), -1)
    return undo(left * right)


@kernel
def prod_others_tangent(dx, x, axis=None, batch=False):
    """Tangent of `prod_others` (x, axis) along `dx` (batched: leading batch axis), exact
    with zeros: the product rule on the prefix and suffix products."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    if x.ndim == 0:
        return np.zeros(np.shape(dx), dtype=dtype)
    axes = reduced_axes(axis, x.ndim)
    xm, _ = group_last(x.astype(dtype, copy=False), axes)
    dxm, undo = group_last(np.asarray(dx), axes, 1 if batch else 0)
    if xm.shape[-1] == 0:
        return np.zeros(np.shape(dx), dtype=dtype)
    left = _exclusive_cumprod(xm)
    right = np.flip(_exclusive_cumprod(np.flip(xm, -1)), -1)
    dleft = _exclusive_cumprod_tangent(dxm, xm)
    dright = np.flip(_exclusive_cumprod_tangent(np.flip(dxm, -1), np.flip(xm, -1)), -1)
    return undo(dleft * right + left * dright)


# ------------------------------------------------------------------------------- max / min
@kernel
def tie_weights(x, result, axis=None, keepdims=False):
    """For ``result = np.max(x, axis)`` (or min): 1/(number of ties) where x equals the
    result of its group, 0 elsewhere -- the tie-splitting derivative of max/min."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    re = expand_reduced(result, x.ndim, axis, keepdims)
    mask = x == re
    if np.any(np.isnan(re)):
        mask = mask | (np.isnan(x) & np.isnan(re))
    count = np.sum(mask, axis=reduced_axes(axis, x.ndim), keepdims=True)
    return mask.astype(dtype) / np.maximum(count, 1).astype(dtype)


@kernel
def reduce_tie(x, axis=None, which="max"):
    """True when some reduction group of np.max/np.min (`which`) has a tie at its extreme."""
    x = np.asarray(x)
    ext = (np.max if which == "max" else np.min)(x, axis=axis, keepdims=True)
    return bool(np.any(np.sum(x == ext, axis=reduced_axes(axis, x.ndim)) > 1))


# ------------------------------------------------------------------------------- var / std
@kernel
def var_weights(x, axis=None, ddof=0, batch=False):
    """For ``np.var(x, axis, ddof)``: ``2 (x - mean) / (n - ddof)``, the derivative of the
    variance with respect to each element (linear in x).  With ``batch``, x has a leading
    batch axis the mean skips."""
    x = np.asarray(x)
    nd = x.ndim - (1 if batch else 0)
    axes = reduced_axes(axis, nd)
    baxes = _batch_axes(axes) if batch else axes
    n = int(np.prod([x.shape[a] for a in baxes], dtype=np.int64))
    dtype = float_dtype(x)
    centred = x - np.mean(x, axis=baxes, keepdims=True, dtype=dtype) if baxes else x * 0
    with np.errstate(divide="ignore", invalid="ignore"):   # n <= ddof: nan, as np.var
        return (np.divide(2.0, n - ddof) * centred).astype(dtype, copy=False)


@kernel
def std_scale(v, s):
    """``v / (2 s)`` with 0 where ``s == 0``: turns the cotangent (tangent) of a standard
    deviation `s` into the one of the variance (0 at zero spread, see the module)."""
    s2 = 2.0 * np.asarray(s)
    zero = s2 == 0
    return np.where(zero, 0.0, v / np.where(zero, 1.0, s2))


@kernel
def zero_spread(x, axis=None):
    """True when some reduction group has all its elements equal (np.std is 0 there)."""
    x = np.asarray(x)
    return bool(np.any(np.max(x, axis=axis) == np.min(x, axis=axis)))


# ------------------------------------------------------------------------ cumsum / cumprod
def _scan_move(v, x, axis, batch=False):
    """`v` (shaped like the scan's output, batched or not) with the scanned axis last."""
    v = np.asarray(v)
    if axis is None:
        return v.reshape(v.shape[:1] + (-1,)) if batch else v.reshape(-1)
    a = int(axis) % np.ndim(x) + (1 if batch else 0)
    return np.moveaxis(v, a, -1)


def _scan_back(r, x, axis, batch=False):
    """`r` (scanned axis last, as from `_scan_move`) back in x's layout."""
    if axis is None:
        return r.reshape((r.shape[:1] if batch else ()) + np.shape(x))
    a = int(axis) % np.ndim(x) + (1 if batch else 0)
    return np.moveaxis(r, -1, a)


def _scan_out_shape(x, axis):
    """The shape of ``np.cumsum(x, axis)`` (flat without axis, and for a 0-d x)."""
    return (int(np.size(x)),) if axis is None or np.ndim(x) == 0 else np.shape(x)


@kernel
def cumsum_adjoint(v, x, axis=None):
    """Adjoint of ``np.cumsum(x, axis)``: the reverse cumulative sum of the cotangent `v`
    (reshaped to x when the scan flattened it).  `v` may be the zero placeholder 0.0."""
    dtype = np.result_type(float_dtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    if np.ndim(x) == 0:
        return v.reshape(())
    if axis is None:
        return _revcumsum(v).reshape(np.shape(x))
    return np.flip(np.cumsum(np.flip(v, axis), axis=axis), axis)


@kernel
def batch_cumulative(op, dx, axis=None):
    """``op(dx, axis)`` (np.cumsum) for a batched tangent: the batch axis is skipped, and
    ``axis=None`` flattens each direction on its own."""
    dx = np.asarray(dx)
    if axis is None or dx.ndim == 1:       # flat (a 0-d x scans to one element too)
        return op(dx.reshape(dx.shape[:1] + (-1,)), axis=1)
    return op(dx, axis=axis + 1 if axis >= 0 else axis)


@kernel
def cumprod_adjoint(v, x, result, axis=None):
    """Adjoint of ``result = np.cumprod(x, axis)`` for the cotangent `v`, exact with zeros:
    ``a_j = sum_{i>=j} v_i prod_{l<=i, l!=j} x_l`` with division only by the elements before
    the first zero along the axis."""
    x = np.asarray(x)
    if np.iscomplexobj(x):     # holomorphic: the conjugate of the transposed map of conj(v)
        return np.conj(_cumprod_transpose(np.conj(v), x, result, axis))
    return _cumprod_transpose(v, x, result, axis)


def _cumprod_transpose(v, x, result, axis):
    """The transposed Jacobian of cumprod at x applied to v (no conjugation)."""
    dtype = np.result_type(float_dtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    if x.ndim == 0:
        return v.reshape(())
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    yl = _scan_move(result, x, axis)
    return _scan_back(_cumprod_adjoint_last(_scan_move(v, x, axis), xl, yl), x, axis)


@kernel
def cumprod_adjoint_tangent(dx, dresult, v, x, result, axis=None, batch=False):
    """Tangent of `cumprod_adjoint` (v, x, result) along the tangents of x and of the result
    (either may be 0.0), batched with ``batch``: second derivatives of np.cumprod.  Only
    for x without zeros (then the adjoint is ``revcumsum(v result) / x``)."""
    x = np.asarray(x)
    if np.iscomplexobj(x):     # the adjoint is conj(T(conj(v))), T holomorphic in x, result
        return np.conj(_cumprod_adjoint_tangent(dx, dresult, np.conj(v), x, result, axis,
                                                batch))
    return _cumprod_adjoint_tangent(dx, dresult, v, x, result, axis, batch)


def _cumprod_adjoint_tangent(dx, dresult, v, x, result, axis, batch):
    if np.any(x == 0):
        raise NoDerivativeError("second derivatives of np.cumprod where x has zeros are "
                                  "not supported")
    dtype = np.result_type(float_dtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    vl = _scan_move(v, x, axis)
    t = 0.0
    if not is_zero(dx):
        t = t - _revcumsum(vl * _scan_move(result, x, axis)) * _scan_move(dx, x, axis, batch) \
            / (xl * xl)
    if not is_zero(dresult):
        t = t + _revcumsum(vl * _scan_move(dresult, x, axis, batch)) / xl
    if np.ndim(t) == 0:
        return np.zeros(x.shape, dtype=dtype)
    return _scan_back(t, x, axis, batch)


@kernel
def cumprod_tangent(dx, x, result, axis=None, batch=False):
    """Tangent of ``result = np.cumprod(x, axis)`` along `dx` (batched with ``batch``),
    exact with zeros (see `cumprod_adjoint`)."""
    x = np.asarray(x)
    dtype = float_dtype(x)
    if x.ndim == 0:         # the scan of a 0-d x has one element
        dx = np.asarray(dx, dtype=np.result_type(dtype, dx))
        return dx.reshape(dx.shape[:1] + (1,) if batch and dx.ndim else (1,))
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    yl = _scan_move(result, x, axis)
    t = _cumprod_tangent_last(_scan_move(dx, x, axis, batch), xl, yl)
    if axis is None:
        return t                 # the scan's output is flat, as its tangent is
    return _scan_back(t, x, axis, batch)


# --------------------------------------------------------------------------------- average
def _given_axes(axis, ndim):
    return tuple(int(a) % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))


def _w_layout(w, x, axis, batch=False):
    """Weights `w` of ``np.average(x, axis, weights=w)`` (with ``batch``: a batch of them,
    batch axis first) laid out to broadcast against x: unchanged when shaped like x, else
    (weights along the reduced axes, in `axis` order) transposed and given size-1 axes."""
    w = np.asarray(w)
    x = np.asarray(x)
    lead = w.shape[:1] if batch else ()
    if w.shape[len(lead):] == x.shape:
        return w
    if axis is None:
        raise TypeError("np.average: axis must be given when the shapes of a and weights "
                        "differ")
    axes = reduced_axes(axis, x.ndim)
    perm = [int(i) for i in np.argsort(_given_axes(axis, x.ndim))]
    if batch:
        perm = [0] + [i + 1 for i in perm]
    w = np.transpose(w, perm)
    return w.reshape(lead + tuple(s if i in axes else 1 for i, s in enumerate(x.shape)))


def _w_back(full, x, axis, weights, batch=False):
    """A derivative laid out like x (batched: batch axis first) summed back to the shape and
    axis order of the weights (the transpose of `_w_layout`)."""
    x = np.asarray(x)
    if np.shape(weights) == x.shape:
        return full
    lead = 1 if batch else 0
    axes = reduced_axes(axis, x.ndim)
    other = tuple(i + lead for i in range(x.ndim) if i not in axes)
    r = np.sum(full, axis=other) if other else full       # dims: (batch,) sorted axes
    inverse = [int(i) for i in np.argsort(np.argsort(_given_axes(axis, x.ndim)))]
    if batch:
        inverse = [0] + [i + 1 for i in inverse]
    return np.transpose(r, inverse)


def _average_layout(x, axis, weights):
    """(W, swe): the weights laid out to broadcast against x and their sums over the reduced
    axes (keepdims); (None, n) for equal weights."""
    x = np.asarray(x)
    axes = reduced_axes(axis, x.ndim)
    if weights is None:
        return None, int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    w = _w_layout(weights, x, axis)
    return w, np.sum(np.broadcast_to(w, x.shape), axis=axes, keepdims=True)


def _sum_over(v, x, axis, batch):
    """Sums of `v` (laid out like x, batched or not) over the reduced axes, keepdims."""
    axes = reduced_axes(axis, np.ndim(x))
    shape = (np.shape(v)[:1] if batch else ()) + np.shape(x)
    return np.sum(np.broadcast_to(v, shape), axis=_batch_axes(axes) if batch else axes,
                  keepdims=True)


def _check_average(result):
    if isinstance(result, (tuple, list)):
        raise NoDerivativeError("np.average(..., returned=True) is not supported by the "
                                "derivative rule")


def _average_keep(x, result):
    """Whether np.average kept the reduced dims (keepdims is keyword-only: read the rank)."""
    return np.ndim(result) == np.ndim(x)


@kernel
def average_weights(x, axis=None, weights=None):
    """For ``np.average(x, axis, weights)``: the weight of each element in its average,
    ``w / sum(w)`` laid out to broadcast against x (``1 / n`` without weights)."""
    dtype = float_dtype(x)
    w, swe = _average_layout(x, axis, weights)
    if w is None:
        with np.errstate(divide="ignore"):      # an empty x: its weights are empty
            return np.asarray(np.divide(1.0, swe), dtype=dtype)
    return np.asarray(w / swe, dtype=np.result_type(dtype, w.dtype))


@kernel
def average_weights_tangent(dweights, x, axis=None, weights=None, batch=False):
    """Tangent of `average_weights` along `dweights` (the tangent of the weights):
    ``dw / sum(w) - w sum(dw) / sum(w)**2``."""
    w, swe = _average_layout(x, axis, weights)
    dw = _w_layout(dweights, x, axis, batch)
    return dw / swe - w * _sum_over(dw, x, axis, batch) / (swe * swe)


@kernel
def average_adjoint_w(v, x, result, axis=None, weights=None):
    """Adjoint of ``result = np.average(x, axis, weights)`` with respect to the weights:
    ``v (x - result) / sum(w)`` summed back to the weights' shape."""
    if type(v) is float and v == 0.0:
        return 0.0          # the zero cotangent
    _check_average(result)
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    ve = expand_reduced(v, x.ndim, axis, keep)
    re = expand_reduced(result, x.ndim, axis, keep)
    part = ve * np.conj((x - re) / swe) if np.iscomplexobj(x) or np.iscomplexobj(swe) \
        else ve * (x - re) / swe
    return re_like(_w_back(np.broadcast_to(part, x.shape), x, axis, weights), weights)


@kernel
def average_adjoint_w_tangent(dx, dresult, dweights, v, x, result, axis=None, weights=None,
                              batch=False):
    """Tangent of `average_adjoint_w` along the tangents of x, of the result and of the
    weights (each may be 0.0), batched with ``batch``."""
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    ve = expand_reduced(v, x.ndim, axis, keep)
    re = expand_reduced(result, x.ndim, axis, keep)
    # the adjoint is v conj(q), q = (x - result) / sum(w): its tangent is v conj(dq)
    dq = 0.0
    if not is_zero(dx):
        dq = dq + dx / swe
    if not is_zero(dresult):
        dq = dq - expand_reduced(dresult, x.ndim, axis, keep, batch) / swe
    if not is_zero(dweights):
        dsw = _sum_over(_w_layout(dweights, x, axis, batch), x, axis, batch)
        dq = dq - (x - re) * dsw / (swe * swe)
    if np.ndim(dq) == 0:
        return np.zeros(np.shape(weights))
    t = ve * cj(dq)
    shape = (np.shape(t)[:1] if batch else ()) + x.shape
    return re_like(_w_back(np.broadcast_to(t, shape), x, axis, weights, batch), weights)


@kernel
def average_tangent_w(dweights, x, result, axis=None, weights=None, batch=False):
    """Tangent of ``result = np.average(x, axis, weights)`` along `dweights` (batched with
    ``batch``): ``sum(dw (x - result)) / sum(w)`` over each group."""
    _check_average(result)
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    axes = reduced_axes(axis, x.ndim)
    re = expand_reduced(result, x.ndim, axis, keep)
    dw = _w_layout(dweights, x, axis, batch)
    return np.sum(dw * ((x - re) / swe), axis=_batch_axes(axes) if batch else axes,
                  keepdims=keep)
