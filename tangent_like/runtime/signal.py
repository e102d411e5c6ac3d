"""Kernels of differences, convolutions, interpolation, polynomials and products of
vectors: ``np.diff``, ``np.gradient``, ``np.convolve``/``np.correlate``, ``np.interp``,
``np.polyval``/``np.polyder``, ``np.kron``, ``np.cross``, ``np.select``, ``np.partition``,
``np.angle``.

All but ``interp`` (piecewise linear in x) and ``angle`` are linear or bilinear: each
adjoint kernel applies the transposed map to the cotangent, conjugating the other operand
for complex values (the real inner product of `tangent_like.runtime.core`).
"""
import numpy as np

from ..errors import NoDerivativeError
from .batch import batch_shift_axis
from .core import cj, float_dtype, is_zero, re_like, unbroadcast, zeros_like_cotangent
from .kernels import kernel


# ------------------------------------------------------------------------- diff, gradient
@kernel
def diff_adjoint(v, a, n=1, axis=-1):
    """Adjoint of ``np.diff(a, n, axis)``: each first difference's transpose,
    ``-diff(v)`` with a zero put before and after, applied n times."""
    if np.ndim(v) == 0 and np.ndim(a):
        return zeros_like_cotangent(v, a)
    if np.shape(a)[axis] <= n:          # an empty result
        return zeros_like_cotangent(0.0, a)
    v = np.asarray(v)
    for _ in range(n):
        pad = [(0, 0)] * v.ndim
        pad[axis % v.ndim] = (1, 1)
        v = -np.diff(np.pad(v, pad), axis=axis)
    return re_like(v, a)


def _gradient_layout(f, spacing, axis):
    """(axes, spacings) of ``np.gradient(f, *spacing, axis=axis)``: uniform spacings only."""
    nd = np.ndim(f)
    if axis is None:
        axes = tuple(range(nd))
    elif isinstance(axis, (tuple, list)):
        axes = tuple(int(a) % nd for a in axis)
    else:
        axes = (int(axis) % nd,)
    if not isinstance(spacing, tuple):
        spacing = (spacing,)
    if len(spacing) == 0:
        spacing = (1.0,) * len(axes)
    elif len(spacing) == 1:
        spacing = spacing * len(axes)
    if len(spacing) != len(axes) or any(np.ndim(h) for h in spacing):
        raise NoDerivativeError("np.gradient's derivative rule supports scalar spacings "
                                "only (one, or one per axis), not coordinate arrays")
    return axes, spacing


def _take(x, axis, index):
    sl = [slice(None)] * x.ndim
    sl[axis] = index
    return tuple(sl)


def _gradient_transpose(g, axis, h, edge_order, n):
    """The transpose of the uniform-spacing gradient along `axis` (length n) applied to g."""
    out = np.zeros(g.shape[:axis] + (n,) + g.shape[axis + 1:], dtype=g.dtype)
    inner = g[_take(g, axis, slice(1, -1))] / (2.0 * h)
    out[_take(out, axis, slice(2, None))] += inner
    out[_take(out, axis, slice(None, -2))] -= inner
    first, last = g[_take(g, axis, 0)], g[_take(g, axis, -1)]
    if edge_order == 1:
        coeffs = ((0, -1.0), (1, 1.0)), ((-1, 1.0), (-2, -1.0))
        scale = h
    else:
        coeffs = ((0, -3.0), (1, 4.0), (2, -1.0)), ((-1, 3.0), (-2, -4.0), (-3, 1.0))
        scale = 2.0 * h
    for k, c in coeffs[0]:
        out[_take(out, axis, k)] += c * first / scale
    for k, c in coeffs[1]:
        out[_take(out, axis, k)] += c * last / scale
    return out


@kernel
def gradient_adjoint(v, f, spacing=(), axis=None, edge_order=1):
    """Adjoint of ``np.gradient(f, *spacing, axis=axis, edge_order=edge_order)`` (uniform
    spacings): the cotangent `v` of its result (a list or tuple of them for several axes,
    0.0 for parts not used) carried back through each difference stencil."""
    f = np.asarray(f)
    axes, spacing = _gradient_layout(f, spacing, axis)
    parts = list(v) if isinstance(v, (tuple, list)) else [v]
    if len(axes) > 1 and not isinstance(v, (tuple, list)) and is_zero(v):
        parts = [0.0] * len(axes)
    dtype = np.result_type(float_dtype(f), *[p for p in parts if not is_zero(p)])
    out = np.zeros(f.shape, dtype=dtype)
    for part, ax, h in zip(parts, axes, spacing):
        if is_zero(part):
            continue
        g = np.broadcast_to(np.asarray(part, dtype=dtype), f.shape)
        out = out + _gradient_transpose(g, ax, h, edge_order, f.shape[ax])
    return re_like(out, f)


@kernel
def gradient_tangent(df, f, spacing=(), axis=None, edge_order=1, batch=False):
    """Tangent of ``np.gradient`` along `df` (with ``batch``: a leading batch axis)."""
    if is_zero(df):
        return 0.0
    axes, spacing = _gradient_layout(f, spacing, axis)
    df = np.asarray(df)
    if batch:
        if df.ndim == np.ndim(f):                   # the same tangent in every direction
            df = df[None]
        axes = batch_shift_axis(axes)
    out = np.gradient(df, *spacing, axis=axes, edge_order=edge_order)
    single = axis is not None and not isinstance(axis, (tuple, list)) or np.ndim(f) == 1
    return out if not single or not isinstance(out, (tuple, list)) else out[0]


# ----------------------------------------------------------------- convolve, correlate
def _full_offset(n, m, mode):
    return {"full": 0, "same": (min(n, m) - 1) // 2, "valid": min(n, m) - 1}[mode]


@kernel
def conv_adjoint(v, which, a, b, mode="full"):
    """Adjoint of ``np.convolve(a, b, mode)`` with respect to a (``which`` 0) or b (1): the
    cotangent `v` put at its place in the full convolution, correlated with the other
    operand (conjugated: ``np.correlate`` conjugates its second argument)."""
    target, other = (a, b) if which == 0 else (b, a)
    if is_zero(v):
        return zeros_like_cotangent(v, target)
    n, m = np.size(a), np.size(b)
    full = np.zeros(n + m - 1, dtype=np.result_type(v, a, b, 1.0))
    off = _full_offset(n, m, mode)
    v = np.asarray(v)
    full[off:off + v.shape[-1]] = v
    out = np.correlate(full, np.ravel(other), "valid")
    return re_like(np.reshape(out, np.shape(target)), target)


# -------------------------------------------------------------------------------- interp
def _interp_layout(x, xp):
    """(j, h, inside, below, above): the piece of each x (xp[j] <= x < xp[j + 1], the last
    knot on the piece to its left), its width and where x is outside the knots."""
    x = np.asarray(x)
    xp = np.asarray(xp)
    if np.iscomplexobj(x) or np.iscomplexobj(xp):
        raise NoDerivativeError("np.interp at complex x or xp has no derivative")
    k = xp.shape[0]
    j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, max(k - 2, 0))
    below, above = x < xp[0], x > xp[-1]
    if k < 2:
        return j, np.ones(np.shape(x)), np.zeros(np.shape(x), bool), below, above
    h = xp[j + 1] - xp[j]
    return j, h, ~(below | above), below, above


def _check_interp(left, right, period):
    if period is not None:
        raise NoDerivativeError("np.interp(..., period=) has no derivative rule",
                                hint="map x into one period first")


@kernel
def interp_slope(x, xp, fp, left=None, right=None, period=None):
    """d np.interp(x, xp, fp) / dx: the slope of the piece of each x, 0 outside the knots
    (at a knot: the piece to its right; at the last knot the piece to its left)."""
    _check_interp(left, right, period)
    j, h, inside, _, _ = _interp_layout(x, xp)
    fp = np.asarray(fp)
    if fp.shape[0] < 2:
        return np.zeros(np.shape(x), dtype=np.result_type(fp, 1.0))
    slope = (fp[j + 1] - fp[j]) / h
    return np.where(inside, slope, 0.0)


@kernel
def interp_weights(x, xp, left=None, right=None, period=None):
    """The weights of the values fp in ``np.interp(x, xp, fp)``: shape ``x.shape + (k,)``,
    ``1 - t`` and ``t`` at the knots around each x, 1 at the end knot outside the range
    (unless left= or right= gives the value there)."""
    _check_interp(left, right, period)
    j, h, inside, below, above = _interp_layout(x, xp)
    x = np.asarray(x, dtype=float)
    xp = np.asarray(xp)
    k = xp.shape[0]
    w = np.zeros(np.shape(x) + (k,))
    pos = np.arange(k)
    if k == 1:
        out = np.ones(np.shape(x))
        if left is not None:
            out = np.where(below, 0.0, out)
        if right is not None:
            out = np.where(above, 0.0, out)
        return out[..., None]
    t = (x - xp[j]) / h
    w += np.where(inside, 1 - t, 0.0)[..., None] * (pos == j[..., None])
    w += np.where(inside, t, 0.0)[..., None] * (pos == (j + 1)[..., None])
    if left is None:
        w += below[..., None] * (pos == 0)
    if right is None:
        w += above[..., None] * (pos == k - 1)
    return w


@kernel
def interp_weights_tangent(dx, x, xp, left=None, right=None, period=None):
    """Tangent of `interp_weights` along `dx` (batched: a leading batch axis)."""
    if is_zero(dx):
        return 0.0
    j, h, inside, _, _ = _interp_layout(x, xp)
    k = np.shape(xp)[0]
    pos = np.arange(k)
    rate = np.where(inside, 1.0 / h, 0.0)
    unit = (pos == (j + 1)[..., None]).astype(float) - (pos == j[..., None])
    return (np.asarray(dx) * rate)[..., None] * unit


@kernel
def interp_fp_adjoint(v, w):
    """Adjoint of ``np.interp`` with respect to fp from the weights `w`."""
    if is_zero(v):
        return 0.0
    w = np.asarray(w)
    return np.reshape(w, (-1, w.shape[-1])).T @ np.reshape(np.broadcast_to(v, w.shape[:-1]),
                                                            -1)


@kernel
def interp_fp_tangent(dfp, w, batch=False):
    """Tangent of ``np.interp`` along the tangent `dfp` of fp (batched: ``(k, n)``)."""
    if is_zero(dfp):
        return 0.0
    if batch:
        return np.einsum("...k,bk->b...", w, np.atleast_2d(dfp))
    return np.einsum("...k,k->...", w, dfp)


# ---------------------------------------------------------------------------- polynomials
def _polyder_once(p):
    n = p.shape[0]
    return p[:-1] * np.arange(n - 1, 0, -1)


@kernel
def polyder_adjoint(v, p, m=1):
    """Adjoint of ``np.polyder(p, m)`` (p 1-D): each derivative's transpose, the cotangent
    of ``p[i] (n - 1 - i)`` back onto p[i]."""
    p = np.asarray(p)
    if p.ndim != 1:
        raise NoDerivativeError("np.polyder's derivative rule takes a 1-D array of "
                                "coefficients")
    if is_zero(v):
        return zeros_like_cotangent(v, p)
    lengths = [p.shape[0]]
    for _ in range(m):
        lengths.append(max(lengths[-1] - 1, 0))
    v = np.asarray(v)
    for n in reversed(lengths[:-1]):
        out = np.zeros(n, dtype=np.result_type(v, 1.0))
        out[:n - 1] = v[:n - 1] * np.arange(n - 1, 0, -1) if n > 1 else out[:0]
        v = out
    return re_like(v, p)


def _powers(x, n):
    """``x[..., None] ** (n - 1 - i)`` for i < n (the columns of a Vandermonde matrix)."""
    x = np.asarray(x)
    return x[..., None] ** np.arange(n - 1, -1, -1)


@kernel
def polyval_adjoint_p(v, p, x):
    """Adjoint of ``np.polyval(p, x)`` with respect to the coefficients p (1-D):
    ``sum(v x ** (n - 1 - i))`` over the elements of x."""
    if is_zero(v):
        return zeros_like_cotangent(v, p)
    n = np.shape(p)[0]
    if n == 0:
        return zeros_like_cotangent(0.0, p)
    powers = cj(_powers(x, n)).reshape(-1, n)
    return re_like(powers.T @ np.broadcast_to(v, np.shape(x)).reshape(-1), p)


@kernel
def polyval_adjoint_p_tangent(v, p, x, dx):
    """Tangent of `polyval_adjoint_p` along the tangent `dx` of x (batched or not)."""
    if is_zero(v) or is_zero(dx):
        return 0.0
    n = np.shape(p)[0]
    x = np.asarray(x)
    k = np.arange(n - 1, -1, -1)
    slope = k * x[..., None] ** np.maximum(k - 1, 0)
    dx = np.asarray(dx)
    v = np.broadcast_to(v, x.shape).reshape(-1)
    if dx.ndim > x.ndim:          # batched: one adjoint per direction
        terms = cj(slope * dx[..., None]).reshape(dx.shape[0], -1, n)
        return re_like(np.einsum("bik,i->bk", terms, v), p)
    return re_like(cj(slope * dx[..., None]).reshape(-1, n).T @ v, p)


# ------------------------------------------------------------------------------ kron, cross
@kernel
def kron_adjoint(v, which, a, b):
    """Adjoint of ``np.kron(a, b)`` with respect to a (``which`` 0) or b (1): the cotangent
    seen as blocks (a's index, b's index interleaved) contracted with the other operand."""
    target = a if which == 0 else b
    if is_zero(v):
        return zeros_like_cotangent(v, target)
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    nd = max(a_arr.ndim, b_arr.ndim)
    sa = (1,) * (nd - a_arr.ndim) + a_arr.shape
    sb = (1,) * (nd - b_arr.ndim) + b_arr.shape
    blocks = np.asarray(v).reshape([n for pair in zip(sa, sb) for n in pair])
    if which == 0:
        out = np.tensordot(blocks, np.conj(b_arr.reshape(sb)),
                           axes=(list(range(1, 2 * nd, 2)), list(range(nd))))
    else:
        out = np.tensordot(blocks, np.conj(a_arr.reshape(sa)),
                           axes=(list(range(0, 2 * nd, 2)), list(range(nd))))
    return re_like(out.reshape(np.shape(target)), target)


def _cross_layout(a, b, axisa, axisb, axisc, axis):
    if axis is not None:
        axisa = axisb = axisc = axis
    a3 = np.moveaxis(np.asarray(a), axisa, -1)
    b3 = np.moveaxis(np.asarray(b), axisb, -1)
    return a3, b3, axisa, axisb, axisc


def _pad3(x):
    if x.shape[-1] == 3:
        return x
    return np.concatenate([x, np.zeros(x.shape[:-1] + (1,), dtype=x.dtype)], axis=-1)


@kernel
def cross_adjoint(v, which, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Adjoint of ``np.cross(a, b, ...)`` with respect to a (``which`` 0) or b (1):
    ``conj(b) x g`` and ``g x conj(a)`` (2-vectors as 3-vectors with a zero third
    component; their cross product is that component)."""
    target = a if which == 0 else b
    if is_zero(v):
        return zeros_like_cotangent(v, target)
    a3, b3, axisa, axisb, axisc = _cross_layout(a, b, axisa, axisb, axisc, axis)
    n = (a3 if which == 0 else b3).shape[-1]
    two = a3.shape[-1] == 2 and b3.shape[-1] == 2
    a3, b3 = _pad3(a3), _pad3(b3)
    v = np.asarray(v)
    if two:
        g3 = np.zeros(v.shape + (3,), dtype=v.dtype)
        g3[..., 2] = v
    else:
        g3 = np.moveaxis(v, axisc, -1)
    out = np.cross(np.conj(b3), g3) if which == 0 else np.cross(g3, np.conj(a3))
    out = out[..., :n]
    shape = np.moveaxis(np.asarray(target), axisa if which == 0 else axisb, -1).shape
    out = unbroadcast(out, np.zeros(shape, dtype=np.asarray(target).dtype))
    return re_like(np.moveaxis(out, -1, axisa if which == 0 else axisb), target)


# ------------------------------------------------------------------------ select, partition
@kernel
def np_select_adjoint(v, condlist, choicelist, default=0):
    """Adjoint of ``np.select(condlist, choicelist, default)`` with respect to the choices:
    a tuple, each choice's cotangent where its condition is the first true one."""
    taken = np.zeros(np.shape(v), dtype=bool) if not is_zero(v) else None
    out = []
    for cond, choice in zip(condlist, choicelist):
        if is_zero(v):
            out.append(zeros_like_cotangent(v, choice))
            continue
        here = np.asarray(cond) & ~taken
        taken = taken | here
        out.append(unbroadcast(np.where(here, v, 0.0), choice))
    return tuple(out)


def _none_true(condlist):
    conds = np.broadcast_arrays(*[np.asarray(c) for c in condlist])
    return ~np.any(np.stack(conds), axis=0)


@kernel
def np_select_default_adjoint(v, condlist, default):
    """Adjoint of ``np.select`` with respect to `default`: where no condition holds."""
    if is_zero(v):
        return 0.0
    return unbroadcast(np.where(_none_true(condlist), v, 0.0), default)


@kernel
def np_select_tangent(dchoices, condlist, choicelist, batch=False):
    """Tangent of ``np.select`` along the tangents of the choices (0.0 for those that carry
    no derivative); with ``batch`` they have a leading batch axis."""
    if is_zero(dchoices):
        return 0.0
    parts = [np.asarray(0.0) if is_zero(d) else np.asarray(d) for d in dchoices]
    if batch:
        conds = [np.asarray(c) for c in condlist]
        return np.select([c[None] if c.ndim else c for c in conds], parts, 0.0)
    return np.select(condlist, parts, 0.0)


@kernel
def np_select_default_tangent(ddefault, condlist, batch=False):
    """Tangent of ``np.select`` along the tangent of `default` (batched: a leading batch
    axis, or a scalar per direction)."""
    if is_zero(ddefault):
        return 0.0
    none = _none_true(condlist)
    d = np.asarray(ddefault)
    if batch and d.ndim:
        d = d.reshape(d.shape[:1] + (1,) * (none.ndim - d.ndim + 1) + d.shape[1:])
        return np.where(none[None], d, 0.0)
    return np.where(none, d, 0.0)


@kernel
def partition_index(a, result, axis=-1):
    """Indices of ``result = np.partition(a, kth, axis)`` in a (``take_along_axis(a, index,
    axis) == result``); equal elements are matched in order."""
    a = np.asarray(a)
    if axis is None:
        a = a.reshape(-1)
        axis = -1
    sa = np.argsort(a, axis=axis, kind="stable")
    sr = np.argsort(np.asarray(result), axis=axis, kind="stable")
    index = np.empty_like(sa)
    np.put_along_axis(index, sr, sa, axis=axis)
    return index


# ----------------------------------------------------------------------------------- angle
@kernel
def angle_weight(z, deg=False):
    """d np.angle(z) in the adjoint convention: ``1j / conj(z)`` (times 180/pi with ``deg``)
    for complex z, 0 at z == 0 and for real z (whose angle is piecewise constant)."""
    z = np.asarray(z)
    scale = 180.0 / np.pi if deg else 1.0
    if not np.iscomplexobj(z):
        return np.zeros(z.shape)
    zero = z == 0
    return np.where(zero, 0.0, scale * 1j / np.conj(np.where(zero, 1.0, z)))


@kernel
def angle_weight_tangent(dz, z, deg=False):
    """Tangent of `angle_weight` along `dz`: ``-w conj(dz) / conj(z)``."""
    if is_zero(dz):
        return 0.0
    z = np.asarray(z)
    if not np.iscomplexobj(z) and not np.iscomplexobj(dz):
        return np.zeros(np.broadcast_shapes(np.shape(dz), z.shape))
    zero = z == 0
    w = angle_weight(z, deg)
    return np.where(zero, 0.0, -w * np.conj(dz) / np.conj(np.where(zero, 1.0, z)))


@kernel
def partition_adjoint(v, a, result, axis=-1):
    """Adjoint of ``result = np.partition(a, kth, axis)``: each element's cotangent back at
    the element of a it is (`partition_index`)."""
    if is_zero(v):
        return zeros_like_cotangent(v, a)
    index = partition_index(a, result, axis)
    flat = np.zeros(index.shape, dtype=np.result_type(v, float_dtype(a)))
    np.put_along_axis(flat, index, np.broadcast_to(v, index.shape), axis=-1 if axis is None
                      else axis)
    return re_like(flat.reshape(np.shape(a)), a)


@kernel
def partition_tangent(da, a, result, axis=-1, batch=False):
    """Tangent of ``result = np.partition(a, kth, axis)`` along `da` (batched: a leading
    batch axis)."""
    if is_zero(da):
        return 0.0
    index = partition_index(a, result, axis)
    da = np.asarray(da)
    if batch:
        if da.ndim == np.ndim(a):
            da = da[None]
        if axis is None:
            return np.take_along_axis(da.reshape(da.shape[:1] + (-1,)), index[None], axis=-1)
        return np.take_along_axis(da, index[None], axis=batch_shift_axis(axis))
    if axis is None:
        return np.take_along_axis(da.reshape(-1), index, axis=-1)
    return np.take_along_axis(da, index, axis=axis)


@kernel
def interp_at_knot(x, xp):
    """True where some x is one of the knots xp (np.interp's slope jumps there)."""
    return bool(np.any(np.isin(np.asarray(x), np.asarray(xp))))


# --------------------------------------------------------------- math of several numbers
def _items(seq):
    return list(seq) if isinstance(seq, (tuple, list)) else list(np.asarray(seq))


def _like_seq(parts, seq):
    """Per-item adjoints as the adjoint of `seq`: a tuple for a tuple or list, an array for
    an array."""
    if isinstance(seq, (tuple, list)):
        return tuple(re_like(p, e) for p, e in zip(parts, seq))
    return re_like(np.array(parts, dtype=np.result_type(float_dtype(seq), *parts)), seq)


@kernel
def dist_adjoint(v, p, q, result, sign=1.0):
    """Adjoint of ``result = math.dist(p, q)`` with respect to p (``sign`` 1) or q (-1):
    ``v (p_i - q_i) / result`` per coordinate (0 when p == q: the convention of hypot)."""
    if is_zero(v):
        return 0.0
    scale = 0.0 if result == 0 else sign * v / result
    parts = [scale * (a - b) for a, b in zip(_items(p), _items(q))]
    return _like_seq(parts, p if sign > 0 else q)


@kernel
def dist_tangent(dp, p, q, result, sign=1.0):
    """Tangent of ``math.dist(p, q)`` along the tangents `dp` of p (``sign`` 1) or of q (-1):
    ``sum((p_i - q_i) dp_i) / result`` (batched tangents stay batched)."""
    if is_zero(dp) or result == 0:
        return 0.0
    seq = p if sign > 0 else q
    tangents = list(dp) if isinstance(dp, (tuple, list)) else None
    if tangents is None:
        dp = np.asarray(dp)
        tangents = [dp[..., i] if dp.ndim > np.ndim(seq) and dp.ndim > 1 else dp[i]
                    for i in range(len(_items(seq)))]
    total = 0.0
    for a, b, d in zip(_items(p), _items(q), tangents):
        if not is_zero(d):
            total = total + (a - b) * d
    return sign * total / result


@kernel
def prod_seq_adjoint(v, seq, start=1):
    """Adjoint of ``math.prod(seq, start=start)`` with respect to seq: each item's cotangent
    is `v` times the product of start and the other items (no division)."""
    if is_zero(v):
        return 0.0
    items = _items(seq)
    parts = []
    for i in range(len(items)):
        others = start
        for j, e in enumerate(items):
            if j != i:
                others = others * e
        parts.append(v * cj(others))
    return _like_seq(parts, seq)


@kernel
def prod_seq_tangent(dseq, seq, start=1):
    """Tangent of ``math.prod(seq, start=start)`` along the items' tangents (batched ones
    broadcast)."""
    if is_zero(dseq):
        return 0.0
    items = _items(seq)
    tangents = list(dseq) if isinstance(dseq, (tuple, list)) else _items(dseq) \
        if np.ndim(dseq) <= np.ndim(seq) else [np.asarray(dseq)[:, i] for i in
                                                 range(len(items))]
    total = 0.0
    for i, d in enumerate(tangents):
        if is_zero(d):
            continue
        others = start
        for j, e in enumerate(items):
            if j != i:
                others = others * e
        total = total + others * d
    return total
