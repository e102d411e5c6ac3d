"""Rules for NumPy reductions and scans.

``np.prod``, ``np.max``/``np.amax``, ``np.min``/``np.amin``, ``np.var``, ``np.std``,
``np.cumsum``, ``np.cumprod``, ``np.linalg.norm`` and ``np.average``, and the ndarray methods
``.prod .max .min .std .var .cumsum .cumprod``.

Every rule gives its reverse (``vjp``), forward (``jvp``) and vector-forward (``jvp_batch``)
templates side by side.  Most reductions share one shape: the adjoint is
``sum_adjoint(g, x, axis, keepdims) * W`` -- the output cotangent spread back over the
reduced axes, times a weight array ``W`` shaped like ``x`` (the partial derivative of each
output element with respect to each element it reduces) -- and the tangent is
``np.sum(dx * W, axis=axis, keepdims=keepdims)`` (``batch_reduce`` for a batched tangent,
whose leading batch axis the reduction must skip).  The weight helpers (`prod_others`,
`tie_weights`, `var_weights`, `std_scale`, `norm_weights`, `average_weights`) and the
adjoint helpers (`cumsum_adjoint`, `cumprod_adjoint`, `average_adjoint_w`) get forward rules
of their own, so that Hessians (forward mode over the generated gradient code) differentiate
through them (cumprod's second derivatives only where x has no zero; the SVD-based matrix
norms have none).  Batched templates wrap a tangent in `as_batched`, since in vector forward
mode a value recorded by the reverse sweep may carry an unbatched zero tangent.

Conventions at non-differentiable points:

* ``max``/``min``/``amax``/``amin`` (and the max/min inside the inf-norms and the matrix
  1-norms): at a tie the adjoint is split EQUALLY among the tied elements (each gets
  ``g / number_tied``) and the tangent is the mean of the tied elements' tangents.  It is a
  valid subgradient (the one of least norm) and does not depend on the order of the elements.
  A NaN in a reduced group propagates to the result (as in NumPy); the NaN elements then
  count as the tied maxima.
* ``prod`` is smooth; zeros are handled exactly: the derivative with respect to ``x_i`` is the
  product of the other elements, computed from prefix and suffix products, never by dividing
  by ``x``.
* ``cumprod`` is smooth too and also exact with zeros: it divides only by the elements before
  the first zero along the axis (nonzero by construction); the element at the first zero gets
  the products with that zero left out, and elements after it get 0.
* ``std`` at zero spread (all reduced elements equal: the derivative is infinite): 0.
* ``norm``: the 2-norm and the Frobenius norm at 0 have derivative 0; the 1-norm uses
  ``sign(0) = 0``; general p-norms use 0 where ``x_i == 0``; spectral (``ord=2``/``-2``) and
  nuclear (``"nuc"``) matrix norms use the singular vectors ``np.linalg.svd`` returns (not
  unique when singular values repeat).
* ``average`` divides by the sum of the weights (like NumPy, which refuses a zero sum).

Complex values (see `tangent_like.runtime`): ``prod``, ``cumsum``, ``cumprod``, ``average``
are holomorphic (the adjoint conjugates the weights); ``var``, ``std`` and ``norm`` are real
functions of complex values, whose weights already are the adjoint convention's derivative
(the tangent is ``Re(conj(W) dx)``); ``max``/``min`` select elements (NumPy's lexicographic
order of complex values).  Results that may be complex have kind ANY.
"""
import gast
import numpy as np

from ..analysis import lattice
from ..runtime import cj, re_like
from .registry import defrule, helper, inactive, lookup, method

A = lattice.ANY
_UNKNOWN = object()


# ------------------------------------------------------------------------- kinds
def _literal(bound, param, default):
    """The value of a constant argument, `default` when it is not given, else _UNKNOWN."""
    node = bound.get(param)
    if node is None:
        return default
    if isinstance(node, gast.Constant):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub) \
            and isinstance(node.operand, gast.Constant):
        return -node.operand.value
    return _UNKNOWN


def reduce_kind(arg_kinds, bound):
    """Result kind of a reduction over ``axis`` of ``x`` (``keepdims`` honoured)."""
    axis = _literal(bound, "axis", None)
    keep = _literal(bound, "keepdims", False)
    xk = arg_kinds.get("x")
    if keep is True:
        return xk if lattice.is_array(xk) else A
    if keep is not False and keep is not None:
        return A
    if axis is None:
        return lattice.SCALAR
    if type(axis) is int and lattice.is_array(xk):
        return lattice.SCALAR if xk[1] == 1 else ("array", xk[1] - 1)
    return A


def _maybe_complex_x(arg_kinds):
    from .numpy_rules import maybe_complex
    return maybe_complex(arg_kinds.get("x", lattice.INT))


def complex_reduce_kind(arg_kinds, bound):
    """`reduce_kind` for reductions whose result is complex for complex x (prod, max...)."""
    return A if _maybe_complex_x(arg_kinds) else reduce_kind(arg_kinds, bound)


def scan_kind(arg_kinds, bound):
    """Result kind of cumsum/cumprod: 1-D without axis, else x's own kind."""
    axis = _literal(bound, "axis", None)
    if axis is None:
        return A if _maybe_complex_x(arg_kinds) else ("array", 1)
    xk = arg_kinds.get("x")
    return xk if lattice.is_array(xk) else A


# ------------------------------------------------------------------------- shared helpers
def _fdtype(x):
    """The floating dtype derivatives of `x` have (float32 stays float32)."""
    return np.result_type(np.asarray(x).dtype, 1.0)


def _axes(axis, ndim):
    """The reduced axes as a sorted tuple of nonnegative ints (every axis for None)."""
    if ndim == 0:
        return ()
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(int(a) % ndim for a in axis))
    return (int(axis) % ndim,)


def _expand(v, ndim, axis, keepdims, batch=False):
    """Reduced value `v` with its reduced axes put back (size 1) to broadcast against x.

    With ``batch``, `v` has a leading batch axis that x has not."""
    v = np.asarray(v)
    if keepdims:
        return v
    axes = _axes(axis, ndim)
    if not axes:
        return v
    if batch:
        axes = tuple(a + 1 for a in axes)
    return np.expand_dims(v, axes)


@helper
def as_batched(t, x):
    """A tangent of `x` for vector forward mode, with its leading batch axis.  A tangent
    without one -- the zero placeholder 0.0 or the unbatched ``zero_tangent`` of a value the
    reverse sweep recorded, the same in every direction -- gets a batch axis of size 1,
    which broadcasts."""
    t = np.asarray(t)
    if t.ndim <= np.ndim(x):
        return np.broadcast_to(t, np.shape(x))[None]
    return t


def _is_zero(v):
    """The zero placeholder 0.0 (a tangent or cotangent nothing flowed into), or a 0 scalar."""
    return np.ndim(v) == 0 and v == 0


def _batch_axes(axes):
    return tuple(a + 1 for a in axes)


def _group_last(x, axes, batch=False):
    """`x` with the `axes` moved last and merged into one: ``(xm, undo)``.

    ``undo(r)`` maps an array shaped like ``xm`` back to x's layout.  With ``batch`` the
    leading batch axis stays first (and `axes` refer to the axes after it)."""
    x = np.asarray(x)
    lead = 1 if batch else 0
    axes = [a + lead for a in axes]
    other = [a for a in range(x.ndim) if a not in axes]
    perm = other + axes
    xt = np.transpose(x, perm)
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    xm = xt.reshape(xt.shape[:len(other)] + (n,))
    inverse = np.argsort(perm)

    def undo(r):
        return np.transpose(np.reshape(r, xt.shape), inverse)
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


# ------------------------------------------------------------------------- prod
@helper
def prod_others(x, axis=None):
    """For ``np.prod(x, axis)``: an array shaped like `x` holding, at each element, the
    product of the OTHER elements of its reduction group (= d prod / d x_i).

    Exact with zeros: prefix products times suffix products, no division."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    if x.ndim == 0:
        return np.ones((), dtype=dtype)
    xm, undo = _group_last(x.astype(dtype, copy=False), _axes(axis, x.ndim))
    if xm.shape[-1] == 0:
        return np.ones(x.shape, dtype=dtype)
    left = _exclusive_cumprod(xm)
    right = np.flip(_exclusive_cumprod(np.flip(xm, -1)), -1)
    return undo(left * right)


@helper
def prod_others_tangent(dx, x, axis=None, batch=False):
    """Tangent of `prod_others` (x, axis) along `dx` (batched: leading batch axis), exact
    with zeros: the product rule on the prefix and suffix products."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    if x.ndim == 0:
        return np.zeros(np.shape(dx), dtype=dtype)
    axes = _axes(axis, x.ndim)
    xm, _ = _group_last(x.astype(dtype, copy=False), axes)
    dxm, undo = _group_last(np.asarray(dx), axes, batch)
    if xm.shape[-1] == 0:
        return np.zeros(np.shape(dx), dtype=dtype)
    left = _exclusive_cumprod(xm)
    right = np.flip(_exclusive_cumprod(np.flip(xm, -1)), -1)
    dleft = _exclusive_cumprod_tangent(dxm, xm)
    dright = np.flip(_exclusive_cumprod_tangent(np.flip(dxm, -1), np.flip(xm, -1)), -1)
    return undo(dleft * right + left * dright)


# ------------------------------------------------------------------------- max / min
@helper
def tie_weights(x, result, axis=None, keepdims=False):
    """For ``result = np.max(x, axis)`` (or min): 1/(number of ties) where x equals the
    result of its group, 0 elsewhere -- the tie-splitting derivative of max/min."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    re = _expand(result, x.ndim, axis, keepdims)
    mask = x == re
    if np.any(np.isnan(re)):
        mask = mask | (np.isnan(x) & np.isnan(re))
    count = np.sum(mask, axis=_axes(axis, x.ndim), keepdims=True)
    return mask.astype(dtype) / np.maximum(count, 1).astype(dtype)


@helper
def reduce_tie(x, axis=None, which="max"):
    """True when some reduction group of np.max/np.min (`which`) has a tie at its extreme."""
    x = np.asarray(x)
    ext = (np.max if which == "max" else np.min)(x, axis=axis, keepdims=True)
    return bool(np.any(np.sum(x == ext, axis=_axes(axis, x.ndim)) > 1))


# ------------------------------------------------------------------------- var / std
@helper
def var_weights(x, axis=None, ddof=0, batch=False):
    """For ``np.var(x, axis, ddof)``: ``2 (x - mean) / (n - ddof)``, the derivative of the
    variance with respect to each element (linear in x).  With ``batch``, x has a leading
    batch axis the mean skips."""
    x = np.asarray(x)
    nd = x.ndim - (1 if batch else 0)
    axes = _axes(axis, nd)
    baxes = _batch_axes(axes) if batch else axes
    n = int(np.prod([x.shape[a] for a in baxes], dtype=np.int64))
    dtype = _fdtype(x)
    centred = x - np.mean(x, axis=baxes, keepdims=True, dtype=dtype) if baxes else x * 0
    with np.errstate(divide="ignore", invalid="ignore"):   # n <= ddof: nan, as np.var
        return (np.divide(2.0, n - ddof) * centred).astype(dtype, copy=False)


@helper
def std_scale(v, s):
    """``v / (2 s)`` with 0 where ``s == 0``: turns the cotangent (tangent) of a standard
    deviation `s` into the one of the variance (0 at zero spread, see the module)."""
    s2 = 2.0 * np.asarray(s)
    zero = s2 == 0
    return np.where(zero, 0.0, v / np.where(zero, 1.0, s2))


@helper
def zero_spread(x, axis=None):
    """True when some reduction group has all its elements equal (np.std is 0 there)."""
    x = np.asarray(x)
    return bool(np.any(np.max(x, axis=axis) == np.min(x, axis=axis)))


# ------------------------------------------------------------------------- cumsum / cumprod
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


@helper
def cumsum_adjoint(v, x, axis=None):
    """Adjoint of ``np.cumsum(x, axis)``: the reverse cumulative sum of the cotangent `v`
    (reshaped to x when the scan flattened it).  `v` may be the zero placeholder 0.0."""
    dtype = np.result_type(_fdtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    if np.ndim(x) == 0:
        return v.reshape(())
    if axis is None:
        return _revcumsum(v).reshape(np.shape(x))
    return np.flip(np.cumsum(np.flip(v, axis), axis=axis), axis)


@helper
def batch_cumulative(op, dx, axis=None):
    """``op(dx, axis)`` (np.cumsum) for a batched tangent: the batch axis is skipped, and
    ``axis=None`` flattens each direction on its own."""
    dx = np.asarray(dx)
    if axis is None or dx.ndim == 1:       # flat (a 0-d x scans to one element too)
        return op(dx.reshape(dx.shape[:1] + (-1,)), axis=1)
    return op(dx, axis=axis + 1 if axis >= 0 else axis)


@helper
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
    dtype = np.result_type(_fdtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    if x.ndim == 0:
        return v.reshape(())
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    yl = _scan_move(result, x, axis)
    return _scan_back(_cumprod_adjoint_last(_scan_move(v, x, axis), xl, yl), x, axis)


@helper
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
        raise NotImplementedError("second derivatives of np.cumprod where x has zeros are "
                                  "not supported")
    dtype = np.result_type(_fdtype(x), v)
    v = np.broadcast_to(np.asarray(v, dtype=dtype), _scan_out_shape(x, axis))
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    vl = _scan_move(v, x, axis)
    t = 0.0
    if not _is_zero(dx):
        t = t - _revcumsum(vl * _scan_move(result, x, axis)) * _scan_move(dx, x, axis, batch) \
            / (xl * xl)
    if not _is_zero(dresult):
        t = t + _revcumsum(vl * _scan_move(dresult, x, axis, batch)) / xl
    if np.ndim(t) == 0:
        return np.zeros(x.shape, dtype=dtype)
    return _scan_back(t, x, axis, batch)


@helper
def cumprod_tangent(dx, x, result, axis=None, batch=False):
    """Tangent of ``result = np.cumprod(x, axis)`` along `dx` (batched with ``batch``),
    exact with zeros (see `cumprod_adjoint`)."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    if x.ndim == 0:         # the scan of a 0-d x has one element
        dx = np.asarray(dx, dtype=np.result_type(dtype, dx))
        return dx.reshape(dx.shape[:1] + (1,) if batch and dx.ndim else (1,))
    xl = _scan_move(x.astype(dtype, copy=False), x, axis)
    yl = _scan_move(result, x, axis)
    t = _cumprod_tangent_last(_scan_move(dx, x, axis, batch), xl, yl)
    if axis is None:
        return t                 # the scan's output is flat, as its tangent is
    return _scan_back(t, x, axis, batch)


# ------------------------------------------------------------------------- norm
def _norm_layout(x, ord, axis):
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


@helper
def norm_weights(x, result, ord=None, axis=None, keepdims=False):
    """For ``result = np.linalg.norm(x, ord, axis, keepdims)``: d result / d x, shaped like
    x (vector norms of any ord along an axis, matrix norms None/'fro'/'nuc'/±1/±2/±inf)."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    x = x.astype(dtype, copy=False)
    layout, axes = _norm_layout(x, ord, axis)
    sorted_axes = tuple(sorted(axes))
    re = _expand(result, x.ndim, sorted_axes if axis is not None else None, keepdims)
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


def _norm_smooth(layout, ord):
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


@helper
def norm_weights_tangent(dx, dresult, x, result, ord=None, axis=None, keepdims=False,
                         batch=False):
    """Tangent of `norm_weights` along `dx` (tangent of x) and `dresult` (tangent of the
    norm), either of which may be 0.0; batched with ``batch``.  Zero for the piecewise
    constant weights (1-, inf-, 0-norms); not available for the SVD-based matrix norms."""
    x = np.asarray(x)
    dtype = _fdtype(x)
    x = x.astype(dtype, copy=False)
    layout, axes = _norm_layout(x, ord, axis)
    how = _norm_smooth(layout, ord)
    exp_axis = tuple(sorted(axes)) if axis is not None else None
    re = _expand(result, x.ndim, exp_axis, keepdims)
    dre = _expand(dresult, x.ndim, exp_axis, keepdims, batch) if np.ndim(dresult) else dresult
    if how == "constant" and not np.iscomplexobj(x):
        return np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(dre), x.shape), dtype)
    if how == "constant":
        from ..errors import NoDerivativeError
        raise NoDerivativeError(f"second derivatives of np.linalg.norm(ord={ord!r}) of "
                                "complex values are not supported")
    if how == "svd":
        raise NotImplementedError(f"second derivatives of np.linalg.norm(ord={ord!r}) of "
                                  "matrices (SVD based) are not supported")
    if how == "two":     # w = x / r
        t = _safe_div(dx, re) - _safe_div(x * dre, re * re)
    else:                # w = sign(x) |x|^(p-1) r^(1-p)
        if np.iscomplexobj(x):
            from ..errors import NoDerivativeError
            raise NoDerivativeError(f"second derivatives of np.linalg.norm(ord={ord!r}) of "
                                    "complex values are not supported")
        p = float(ord)
        ax = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            t = ((p - 1) * ax ** (p - 2) * re ** (1 - p) * dx
                 + (1 - p) * np.sign(x) * ax ** (p - 1) * re ** (-p) * dre)
        t = np.where((x == 0) | (re == 0) | ~np.isfinite(t), 0.0, t)
    return np.asarray(t, dtype=dtype)


@helper
def norm_kink(x, ord=None, axis=None):
    """True at a non-differentiable point of ``np.linalg.norm(x, ord, axis)``."""
    x = np.asarray(x)
    layout, axes = _norm_layout(x, ord, axis)
    how = _norm_smooth(layout, ord)
    n = np.linalg.norm(x, ord=ord, axis=axis, keepdims=True)
    if how == "two":
        return bool(np.any(n == 0))
    if layout == "vector" and ord in (np.inf, -np.inf):
        ax = np.abs(x)
        return bool(np.any(np.sum(ax == n, axis=axes[0]) > 1) or np.any(n == 0))
    if layout == "vector" and ord not in (0,):
        return bool(np.any(x == 0))
    return False


# ------------------------------------------------------------------------- average
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
    axes = _axes(axis, x.ndim)
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
    axes = _axes(axis, x.ndim)
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
    axes = _axes(axis, x.ndim)
    if weights is None:
        return None, int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    w = _w_layout(weights, x, axis)
    return w, np.sum(np.broadcast_to(w, x.shape), axis=axes, keepdims=True)


def _sum_over(v, x, axis, batch):
    """Sums of `v` (laid out like x, batched or not) over the reduced axes, keepdims."""
    axes = _axes(axis, np.ndim(x))
    shape = (np.shape(v)[:1] if batch else ()) + np.shape(x)
    return np.sum(np.broadcast_to(v, shape), axis=_batch_axes(axes) if batch else axes,
                  keepdims=True)


def _check_average(result):
    if isinstance(result, (tuple, list)):
        raise NotImplementedError("np.average(..., returned=True) is not supported by the "
                                  "derivative rule")


def _average_keep(x, result):
    """Whether np.average kept the reduced dims (keepdims is keyword-only: read the rank)."""
    return np.ndim(result) == np.ndim(x)


@helper
def average_weights(x, axis=None, weights=None):
    """For ``np.average(x, axis, weights)``: the weight of each element in its average,
    ``w / sum(w)`` laid out to broadcast against x (``1 / n`` without weights)."""
    dtype = _fdtype(x)
    w, swe = _average_layout(x, axis, weights)
    if w is None:
        with np.errstate(divide="ignore"):      # an empty x: its weights are empty
            return np.asarray(np.divide(1.0, swe), dtype=dtype)
    return np.asarray(w / swe, dtype=np.result_type(dtype, w.dtype))


@helper
def average_weights_tangent(dweights, x, axis=None, weights=None, batch=False):
    """Tangent of `average_weights` along `dweights` (the tangent of the weights):
    ``dw / sum(w) - w sum(dw) / sum(w)**2``."""
    w, swe = _average_layout(x, axis, weights)
    dw = _w_layout(dweights, x, axis, batch)
    return dw / swe - w * _sum_over(dw, x, axis, batch) / (swe * swe)


@helper
def average_adjoint_w(v, x, result, axis=None, weights=None):
    """Adjoint of ``result = np.average(x, axis, weights)`` with respect to the weights:
    ``v (x - result) / sum(w)`` summed back to the weights' shape."""
    if type(v) is float and v == 0.0:
        return 0.0          # the zero cotangent
    _check_average(result)
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    ve = _expand(v, x.ndim, axis, keep)
    re = _expand(result, x.ndim, axis, keep)
    part = ve * np.conj((x - re) / swe) if np.iscomplexobj(x) or np.iscomplexobj(swe) \
        else ve * (x - re) / swe
    return re_like(_w_back(np.broadcast_to(part, x.shape), x, axis, weights), weights)


@helper
def average_adjoint_w_tangent(dx, dresult, dweights, v, x, result, axis=None, weights=None,
                              batch=False):
    """Tangent of `average_adjoint_w` along the tangents of x, of the result and of the
    weights (each may be 0.0), batched with ``batch``."""
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    ve = _expand(v, x.ndim, axis, keep)
    re = _expand(result, x.ndim, axis, keep)
    # the adjoint is v conj(q), q = (x - result) / sum(w): its tangent is v conj(dq)
    dq = 0.0
    if not _is_zero(dx):
        dq = dq + dx / swe
    if not _is_zero(dresult):
        dq = dq - _expand(dresult, x.ndim, axis, keep, batch) / swe
    if not _is_zero(dweights):
        dsw = _sum_over(_w_layout(dweights, x, axis, batch), x, axis, batch)
        dq = dq - (x - re) * dsw / (swe * swe)
    if np.ndim(dq) == 0:
        return np.zeros(np.shape(weights))
    t = ve * cj(dq)
    shape = (np.shape(t)[:1] if batch else ()) + x.shape
    return re_like(_w_back(np.broadcast_to(t, shape), x, axis, weights, batch), weights)


@helper
def average_tangent_w(dweights, x, result, axis=None, weights=None, batch=False):
    """Tangent of ``result = np.average(x, axis, weights)`` along `dweights` (batched with
    ``batch``): ``sum(dw (x - result)) / sum(w)`` over each group."""
    _check_average(result)
    x = np.asarray(x)
    _, swe = _average_layout(x, axis, weights)
    keep = _average_keep(x, result)
    axes = _axes(axis, x.ndim)
    re = _expand(result, x.ndim, axis, keep)
    dw = _w_layout(dweights, x, axis, batch)
    return np.sum(dw * ((x - re) / swe), axis=_batch_axes(axes) if batch else axes,
                  keepdims=keep)


# ------------------------------------------------------------------------- samples
def _rnd(rng, shape, low=-1.5, high=1.5):
    return rng.uniform(low, high, shape)


def _prod_samples(rng):
    x = _rnd(rng, (3, 4))
    z = x.copy()
    z[1, 2] = 0.0                 # one zero in a group
    zz = _rnd(rng, (2, 5))
    zz[0, 1] = zz[0, 3] = 0.0     # two zeros in a group
    return [{"x": _rnd(rng, (5,))},
            {"x": x, "axis": 1}, {"x": x, "axis": 0, "dtype": None, "out": None,
                                  "keepdims": True},
            {"x": z}, {"x": z, "axis": 1}, {"x": zz, "axis": 1}, {"x": zz},
            {"x": _rnd(rng, (2, 3, 4)), "axis": (0, 2)},
            {"x": _rnd(rng, (2, 3)), "axis": -1}]


def _extreme_samples(rng):
    def distinct(shape):
        return rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(
            shape) * 0.37 - 1.0
    x = distinct((3, 4))
    return [{"x": distinct((6,))}, {"x": x, "axis": 1}, {"x": x, "axis": 0},
            {"x": x, "axis": -1, "out": None, "keepdims": True},
            {"x": distinct((2, 3, 4)), "axis": (0, 2)}]


def _var_samples(rng):
    x = _rnd(rng, (3, 4))
    return [{"x": _rnd(rng, (5,))}, {"x": x, "axis": 1},
            {"x": x, "axis": 0, "dtype": None, "out": None, "ddof": 1},
            {"x": x, "axis": -1, "dtype": None, "out": None, "ddof": 1, "keepdims": True},
            {"x": _rnd(rng, (2, 3, 4)), "axis": (0, 2)}]


def _scan_samples(rng, zeros=False):
    x = _rnd(rng, (3, 4))
    out = [{"x": _rnd(rng, (5,))}, {"x": x}, {"x": x, "axis": 1}, {"x": x, "axis": 0},
           {"x": _rnd(rng, (2, 3, 2)), "axis": -2}]
    if zeros:
        z = x.copy()
        z[0, 1] = 0.0
        z[2, 0] = z[2, 2] = 0.0
        out += [{"x": z, "axis": 1}, {"x": z}, {"x": z, "axis": 0}]
    return out


def _norm_samples(rng):
    v = _rnd(rng, (5,))
    m = _rnd(rng, (3, 4))
    t = _rnd(rng, (2, 3, 4))
    out = [{"x": v}, {"x": v, "ord": 2}, {"x": v, "ord": 1}, {"x": v, "ord": np.inf},
           {"x": v, "ord": -np.inf}, {"x": v, "ord": 3}, {"x": v, "ord": 0.5},
           {"x": m}, {"x": m, "ord": "fro"}, {"x": m, "ord": "nuc"}, {"x": m, "ord": 2},
           {"x": m, "ord": -2}, {"x": m, "ord": 1}, {"x": m, "ord": -1},
           {"x": m, "ord": np.inf}, {"x": m, "ord": -np.inf}, {"x": t},
           {"x": m, "ord": None, "axis": 1}, {"x": m, "ord": 1, "axis": 0},
           {"x": m, "ord": 3, "axis": -1, "keepdims": True},
           {"x": t, "ord": "fro", "axis": (2, 0)}, {"x": t, "ord": 1, "axis": (1, 2)},
           {"x": t, "ord": "nuc", "axis": (0, 2), "keepdims": True},
           {"x": m, "ord": None, "axis": None, "keepdims": True}]
    return out


def _average_samples(rng):
    x = _rnd(rng, (3, 4))
    return [{"x": _rnd(rng, (5,))}, {"x": x, "axis": 1},
            {"x": x, "axis": None, "weights": rng.uniform(0.5, 2.0, (3, 4))},
            {"x": x, "axis": 1, "weights": rng.uniform(0.5, 2.0, (4,))},
            {"x": x, "axis": 0, "weights": rng.uniform(0.5, 2.0, (3, 4))},
            {"x": _rnd(rng, (2, 3, 4)), "axis": (2, 0), "weights": rng.uniform(0.5, 2.0,
                                                                                (4, 2))}]


def with_defaults(rule, omit=()):
    """Make `rule`'s samples name every parameter (defaults filled in, the checker passes
    them positionally and templates read them), except those in `omit` (keyword-only in
    the primitive's signature, read by no template)."""
    samples = rule.samples

    def filled(rng):
        out = []
        for args in samples(rng):
            full = {}
            for p in rule.params:
                if p in args:
                    full[p] = args[p]
                elif p in rule.defaults and p not in omit:
                    full[p] = eval(rule.defaults[p], {"np": np})
            out.append(full)
        return out
    rule.samples = filled
    return rule


def _call_positional(func, args, params):
    return func(*[args[p] for p in params if p in args])


def _helper_samples(primal_samples, primal, params, build):
    """Samples of an adjoint helper's rule from the primal rule's samples: `build(args, y,
    v)` gets the primal arguments, its output and a random cotangent of that output."""
    def samples(rng):
        out = []
        for args in primal_samples(rng):
            y = _call_positional(primal, args, params)
            v = rng.standard_normal(np.shape(y))
            out.append(build(args, y, float(v) if np.ndim(y) == 0 else v))
        return out
    return samples


# ------------------------------------------------------------------------- rules
RED = "x, axis=None, dtype=None, out=None, keepdims=False"
EXT = "x, axis=None, out=None, keepdims=False"
VAR = "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
SCAN = "x, axis=None, dtype=None, out=None"
DX = "as_batched(dx, x)"        # a batched tangent of x (see `as_batched`)


def _reduce_templates(weights, wrap="{}", how="holomorphic"):
    """Templates of a reduction whose derivative is the weight array `weights` (an
    expression shaped like x); `wrap` maps the tangent (and, with ``g``, the cotangent).

    For complex x, `how` is "holomorphic" (prod: the adjoint conjugates the weights),
    "real" (a real function of complex values, var/std/norm: the weights are the adjoint
    convention's derivative, the tangent is ``Re(conj(W) dx)``) or "select" (max/min)."""
    plain = f"sum_adjoint({wrap.format('g')}, x, axis, keepdims) * {weights}"
    vjp = plain if how != "holomorphic" else \
        f"sum_adjoint({wrap.format('g')}, x, axis, keepdims) * cj({weights})"
    term = f"inner_mul({weights}, {{}})" if how == "real" else f"{{}} * {weights}"
    return dict(
        vjp={"x": vjp}, real_vjp={"x": plain},
        jvp={"x": wrap.format(f"np.sum({term.format('dx')}, axis=axis, keepdims=keepdims)")},
        jvp_batch={"x": wrap.format(f"batch_reduce(np.sum, {term.format(DX)}, axis, "
                                    "keepdims)")})


_prod = defrule(np.prod, RED, kind=complex_reduce_kind, samples=_prod_samples,
                kink="smooth; zeros handled exactly (products of the other elements, no "
                     "division)",
                **_reduce_templates("prod_others(x, axis)"))

_EXTREME = dict(kind=complex_reduce_kind, samples=_extreme_samples,
                **_reduce_templates("tie_weights(x, y, axis, keepdims)", how="select"))
_max = defrule(np.max, EXT, kink="max at a tie: the tied elements share the derivative "
               "equally", kink_when="reduce_tie(x, axis, 'max')", **_EXTREME)
defrule(np.amax, EXT, kink=_max.kink, kink_when=_max.kink_when, **_EXTREME)
_min = defrule(np.min, EXT, kink="min at a tie: the tied elements share the derivative "
               "equally", kink_when="reduce_tie(x, axis, 'min')", **_EXTREME)
defrule(np.amin, EXT, kink=_min.kink, kink_when=_min.kink_when, **_EXTREME)

_var = defrule(np.var, VAR, kind=reduce_kind, samples=_var_samples,
               **_reduce_templates("var_weights(x, axis, ddof)", how="real"))
# std = sqrt(var): the variance's templates with the (co)tangent scaled by 1 / (2 std)
_std = defrule(np.std, VAR, kind=reduce_kind, samples=_var_samples,
               kink="std at zero spread (all elements equal): derivative 0",
               kink_when="zero_spread(x, axis)",
               **_reduce_templates("var_weights(x, axis, ddof)", wrap="std_scale({}, y)",
                                   how="real"))

_cumsum = defrule(np.cumsum, SCAN, kind=scan_kind, samples=_scan_samples,
                  vjp={"x": "cumsum_adjoint(g, x, axis)"},
                  jvp={"x": "np.cumsum(dx, axis=axis)"},
                  jvp_batch={"x": f"batch_cumulative(np.cumsum, {DX}, axis)"})
_cumprod = defrule(np.cumprod, SCAN, kind=scan_kind,
                   samples=lambda rng: _scan_samples(rng, zeros=True),
                   vjp={"x": "cumprod_adjoint(g, x, y, axis)"},
                   jvp={"x": "cumprod_tangent(dx, x, y, axis)"},
                   jvp_batch={"x": f"cumprod_tangent({DX}, x, y, axis, True)"},
                   kink="smooth; zeros handled exactly (division only by elements before "
                        "the first zero)")

_norm = defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
                name="np.linalg.norm", kind=reduce_kind, samples=_norm_samples,
                kink="2-norm/Frobenius at 0: derivative 0; 1-norm at x_i = 0: sign 0; "
                     "inf-norms at a tie: shared equally; spectral/nuclear: the singular "
                     "vectors svd returns",
                kink_when="norm_kink(x, ord, axis)",
                **_reduce_templates("norm_weights(x, y, ord, axis, keepdims)", how="real"))

# np.average: `keepdims` is keyword-only in NumPy and `returned=True` (a tuple result) is
# not supported, so the templates read whether dims were kept from the result's rank.
_KEEP = "np.ndim(y) == np.ndim(x)"
_AVG_W = "average_weights(x, axis, weights)"
def _average_kind(arg_kinds, bound):
    from .numpy_rules import maybe_complex
    if maybe_complex(arg_kinds.get("weights", lattice.INT)):
        return A
    return complex_reduce_kind(arg_kinds, bound)


_average = defrule(
    np.average, "x, axis=None, weights=None, keepdims=False", kind=_average_kind,
    samples=_average_samples,
    vjp={"x": f"re_like(sum_adjoint(g, x, axis, {_KEEP}) * cj({_AVG_W}), x)",
         "weights": "average_adjoint_w(g, x, y, axis, weights)"},
    real_vjp={"x": f"sum_adjoint(g, x, axis, {_KEEP}) * {_AVG_W}"},
    jvp={"x": f"np.sum(dx * {_AVG_W}, axis=axis, keepdims={_KEEP})",
         "weights": "average_tangent_w(dweights, x, y, axis, weights)"},
    jvp_batch={"x": f"batch_reduce(np.sum, {DX} * {_AVG_W}, axis, {_KEEP})",
               "weights": "average_tangent_w(as_batched(dweights, weights), x, y, axis, "
                          "weights, True)"})

for _rule in (_prod, _var, _std, _cumsum, _cumprod, _norm):
    with_defaults(_rule)
for _f in (np.max, np.amax, np.min, np.amin):
    with_defaults(lookup(_f))
with_defaults(_average, omit=("keepdims",))

method("prod", _prod, "x")
method("max", _max, "x")
method("min", _min, "x")
method("var", _var, "x")
method("std", _std, "x")
method("cumsum", _cumsum, "x")
method("cumprod", _cumprod, "x")


# ------------------------------------------------------------------------- helper rules
# Forward rules of the helpers the adjoint templates call, so forward mode applies to the
# generated gradient code (Hessians).  Parameters named `result` hold a primal output:
# templates reserve `y` for the helper's own output.
def _helper_rule(func, params, **options):
    return with_defaults(defrule(func, params, name=func.__name__, kind=A, **options))


def _pick(samples, *names, where=None):
    """The parameters `names` of the dicts `samples(rng)` gives (optionally filtered)."""
    return lambda rng: [{n: a[n] for n in names if n in a} for a in samples(rng)
                        if where is None or where(a)]


inactive(tie_weights, kind=A, name="tie_weights")
inactive(reduce_tie, kind=lattice.INT, name="reduce_tie")
inactive(zero_spread, kind=lattice.INT, name="zero_spread")
inactive(norm_kink, kind=lattice.INT, name="norm_kink")

_helper_rule(prod_others, "x, axis=None", samples=_pick(_prod_samples, "x", "axis"),
             jvp={"x": "prod_others_tangent(dx, x, axis)"},
             jvp_batch={"x": f"prod_others_tangent({DX}, x, axis, True)"})
_helper_rule(var_weights, "x, axis=None, ddof=0, batch=False",
             samples=_pick(_var_samples, "x", "axis", "ddof"),
             jvp={"x": "var_weights(dx, axis, ddof, batch)"},
             jvp_batch={"x": f"var_weights({DX}, axis, ddof, True)"})
defrule(std_scale, "v, s", name="std_scale", kind="elementwise", broadcast=("v", "s"),
        domain={"v": "any", "s": "positive"},
        jvp={"v": "std_scale(dv, s)", "s": "-2.0 * std_scale(std_scale(v, s), s) * ds"})
_helper_rule(cumsum_adjoint, "v, x, axis=None",
             samples=_helper_samples(_scan_samples, np.cumsum, ["x", "axis"],
                                     lambda a, y, v: dict(v=v, x=a["x"], axis=a.get("axis"))),
             jvp={"v": "cumsum_adjoint(dv, x, axis)", "x": "0.0"},
             jvp_batch={"v": "batch_map(cumsum_adjoint, as_batched(dv, v), x, axis)"})
_CP = "v, x, result, axis"
_helper_rule(cumprod_adjoint, "v, x, result, axis=None",
             # x without zeros: the second derivatives refuse zeros
             samples=_helper_samples(_scan_samples, np.cumprod, ["x", "axis"],
                                     lambda a, y, v: dict(v=v, x=a["x"], result=y,
                                                          axis=a.get("axis"))),
             jvp={"v": "cumprod_adjoint(dv, x, result, axis)",
                  "x": f"cumprod_adjoint_tangent(dx, 0.0, {_CP})",
                  "result": f"cumprod_adjoint_tangent(0.0, dresult, {_CP})"},
             jvp_batch={"v": "batch_map(cumprod_adjoint, as_batched(dv, v), x, result, axis)",
                        "x": f"cumprod_adjoint_tangent({DX}, 0.0, {_CP}, True)",
                        "result": "cumprod_adjoint_tangent(0.0, as_batched(dresult, result), "
                                  f"{_CP}, True)"})


def _norm_helper_samples(rng):
    out = []
    for a in _norm_samples(rng):
        layout, _ = _norm_layout(a["x"], a.get("ord"), a.get("axis"))
        if _norm_smooth(layout, a.get("ord")) not in ("two", "p"):
            continue       # piecewise constant weights: a finite difference crosses the kink
        y = np.linalg.norm(a["x"], a.get("ord"), a.get("axis"), a.get("keepdims", False))
        out.append({"x": a["x"], "result": y, "ord": a.get("ord"), "axis": a.get("axis"),
                    "keepdims": a.get("keepdims", False)})
    return out


_NW = "x, result, ord, axis, keepdims"
_helper_rule(norm_weights, "x, result, ord=None, axis=None, keepdims=False",
             samples=_norm_helper_samples,
             jvp={"x": f"norm_weights_tangent(dx, 0.0, {_NW})",
                  "result": f"norm_weights_tangent(0.0, dresult, {_NW})"},
             jvp_batch={"x": f"norm_weights_tangent({DX}, 0.0, {_NW}, True)",
                        "result": "norm_weights_tangent(0.0, as_batched(dresult, result), "
                                  f"{_NW}, True)"})
_helper_rule(average_weights, "x, axis=None, weights=None",
             samples=_pick(_average_samples, "x", "axis", "weights"),
             jvp={"x": "0.0", "weights": "average_weights_tangent(dweights, x, axis, weights)"},
             jvp_batch={"weights": "average_weights_tangent(as_batched(dweights, weights), x, "
                                   "axis, weights, True)"})
_AW = "v, x, result, axis, weights"
_DW = "as_batched(dweights, weights)"
_helper_rule(
    average_adjoint_w, "v, x, result, axis=None, weights=None",
    samples=_helper_samples(
        lambda rng: [a for a in _average_samples(rng) if a.get("weights") is not None],
        np.average, ["x", "axis", "weights"],
        lambda a, y, v: dict(v=v, x=a["x"], result=y, axis=a.get("axis"),
                             weights=a["weights"])),
    jvp={"v": "average_adjoint_w(dv, x, result, axis, weights)",
         "x": f"average_adjoint_w_tangent(dx, 0.0, 0.0, {_AW})",
         "result": f"average_adjoint_w_tangent(0.0, dresult, 0.0, {_AW})",
         "weights": f"average_adjoint_w_tangent(0.0, 0.0, dweights, {_AW})"},
    jvp_batch={"v": f"batch_map(average_adjoint_w, as_batched(dv, v), {_AW[3:]})",
               "x": f"average_adjoint_w_tangent({DX}, 0.0, 0.0, {_AW}, True)",
               "result": "average_adjoint_w_tangent(0.0, as_batched(dresult, result), 0.0, "
                         f"{_AW}, True)",
               "weights": f"average_adjoint_w_tangent(0.0, 0.0, {_DW}, {_AW}, True)"})
