"""Kernels of selections: ``min``/``max`` of Python values, ``np.clip``, ``np.sort``,
``np.take``/``np.take_along_axis``, diagonals, traces and triangles.

Selections are linear in their data: the adjoint scatters the cotangent back where each
element came from (adding where an element was selected several times).  ``min``/``max``
give the derivative to the first argument (or item) attaining the result; ``sort`` breaks
ties in stable order.
"""
import numpy as np

from .core import dense, float_zeros, is_zero
from .kernels import kernel


# -------------------------------------------------------------- min / max of Python values
@kernel
def extreme_position(seq, y):
    """The position of the item ``max(seq)``/``min(seq)`` returned: the first equal to the
    result `y` (Python keeps the first extreme item; a NaN result is the first item)."""
    if isinstance(seq, np.ndarray):
        hits = np.flatnonzero(seq == y)
        return int(hits[0]) if hits.size else 0
    for i, v in enumerate(seq):
        if v is y or v == y:
            return i
    return 0


@kernel
def select_adjoint(g, y, a, b, c, which):
    """min/max of several scalars: the first argument equal to the result gets `g`; of one
    iterable (a tuple, list or 1-D array): the first item equal to it."""
    args = [v for v in (a, b, c) if v is not None]
    if b is None and c is None and (isinstance(a, (tuple, list)) or np.ndim(a) > 0):
        if which != 0:
            return 0.0
        i = extreme_position(a, y)
        if isinstance(a, np.ndarray):
            out = np.zeros(a.shape, dtype=np.result_type(a, g, 1.0))
            out[i] = g
            return out
        parts = [0.0] * len(a)
        parts[i] = g
        return tuple(parts)
    for i, v in enumerate(args):
        if v is y or v == y:
            return g if i == which else 0.0
    return 0.0


@kernel
def select_tangent(d, y, a, b, c, which, batch=False):
    """Tangent of min/max (see `select_adjoint`); a batched tangent keeps its batch axis."""
    if b is None and c is None and (isinstance(a, (tuple, list)) or np.ndim(a) > 0):
        if is_zero(d):
            return 0.0
        i = extreme_position(a, y)
        if isinstance(d, (tuple, list)):
            return d[i]
        d = np.asarray(d)
        if batch and d.ndim > np.ndim(a):
            return d[:, i]
        return d[i]
    return select_adjoint(d, y, a, b, c, which)


@kernel
def tie(a, b, c=None):
    """True when two of the arguments of min/max are equal (a tie)."""
    if isinstance(a, (tuple, list)) and b is None:
        return len(set(a)) < len(a)
    if b is None and c is None and np.ndim(a) > 0:
        return np.unique(np.asarray(a)).size < np.size(a)
    values = [v for v in (a, b, c) if v is not None]
    return any(values[i] == values[j] for i in range(len(values))
               for j in range(i + 1, len(values)))


# ------------------------------------------------------------------------------------ clip
@kernel
def clip_mask(a, lo, hi, which):
    """Where the derivative of ``clip(a, lo, hi)`` goes to `a` (0), `lo` (1) or `hi` (2).

    ``clip`` is ``minimum(maximum(a, lo), hi)``; at a bound the inside piece (`a`) gets it."""
    a = np.asarray(a)
    m = a if lo is None else np.maximum(a, lo)
    below_hi = True if hi is None else (m <= hi)
    if which == 0:
        mask = np.logical_and(below_hi, True if lo is None else a >= lo)
    elif which == 1:
        mask = np.logical_and(below_hi, a < lo)
    else:
        mask = m > hi
    shape = np.broadcast_shapes(np.shape(a), np.shape(lo), np.shape(hi))
    return np.broadcast_to(np.asarray(mask, dtype=np.float64), shape)


@kernel
def clip_at_bound(a, lo, hi):
    """True where ``clip(a, lo, hi)`` sits on a bound exactly (a kink)."""
    out = False
    if lo is not None:
        out = np.logical_or(out, np.asarray(a) == lo)
    if hi is not None:
        out = np.logical_or(out, np.asarray(a) == hi)
    return np.any(out)


# ------------------------------------------------------------------------------------ sort
def _sort_index(a, axis):
    a = np.asarray(a)
    if axis is None:
        return np.argsort(a.reshape(-1), kind="stable")
    return np.argsort(a, axis=axis, kind="stable")


@kernel
def sort_adjoint(v, a, axis=-1):
    """Adjoint of ``np.sort(a, axis)``: the cotangent put back where each value came from
    (ties in stable order)."""
    a = np.asarray(a)
    idx = _sort_index(a, axis)
    if axis is None:
        out = float_zeros(a.size, a, v)
        out[idx] = dense(v, (a.size,))
        return out.reshape(a.shape)
    out = float_zeros(a.shape, a, v)
    np.put_along_axis(out, idx, dense(v, a.shape), axis)
    return out


@kernel
def sort_tangent(d, a, axis=-1):
    """Tangent of ``np.sort(a, axis)``: the tangent permuted like the values."""
    if is_zero(d):
        return 0.0
    a = np.asarray(a)
    idx = _sort_index(a, axis)
    if axis is None:
        return dense(d, a.shape).reshape(-1)[idx]
    return np.take_along_axis(dense(d, a.shape), idx, axis)


@kernel
def sort_has_ties(a, axis=-1):
    s = np.sort(np.asarray(a), axis=axis)
    return s.size > 0 and bool(np.any(np.diff(s, axis=-1 if axis is None else axis) == 0))


# ------------------------------------------------------------------------------------ take
def _normalize_indices(indices, n, mode):
    idx = np.asarray(indices)
    if mode == "wrap":
        return idx % n
    if mode == "clip":
        return np.clip(idx, 0, n - 1)
    return idx


@kernel
def take_adjoint(v, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis)``: repeated indices accumulate."""
    shape = np.shape(a)
    if axis is None or not shape:       # (a 0-d `a` takes from its one element)
        size = int(np.prod(shape)) if shape else 1
        idx = _normalize_indices(indices, size, mode)
        out = float_zeros(size, a, v)
        np.add.at(out, idx, dense(v, idx.shape))
        return out.reshape(shape)
    ax = axis % len(shape)
    idx = _normalize_indices(indices, shape[ax], mode)
    k = idx.ndim
    y_shape = shape[:ax] + idx.shape + shape[ax + 1:]
    v = dense(v, y_shape)
    out = float_zeros(shape, a, v)
    moved = np.moveaxis(out, ax, 0)
    np.add.at(moved, idx, np.moveaxis(v, list(range(ax, ax + k)), list(range(k))))
    return out


@kernel
def take_along_axis_adjoint(v, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``: repeated indices accumulate."""
    shape = np.shape(arr)
    idx = np.asarray(indices)
    if axis is None:
        size = int(np.prod(shape))
        out = float_zeros(size, arr, v)
        np.add.at(out, idx, dense(v, idx.shape))
        return out.reshape(shape)
    nd = len(shape)
    ax = axis % nd
    index = []
    for d in range(nd):
        if d == ax:
            index.append(idx)
        else:
            index.append(np.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(nd)]))
    y_shape = np.broadcast_shapes(*[np.shape(i) for i in index])
    out = float_zeros(shape, arr, v)
    np.add.at(out, tuple(index), dense(v, y_shape))
    return out


# -------------------------------------------------------------------- diagonals, triangles
def _diag_positions(rows, cols, offset):
    """Row and column indices of diagonal `offset` of a rows x cols matrix."""
    if offset >= 0:
        n = max(0, min(rows, cols - offset))
        i = np.arange(n)
        return i, i + offset
    n = max(0, min(rows + offset, cols))
    i = np.arange(n)
    return i - offset, i


@kernel
def diagonal_adjoint(v, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: `v` written on that diagonal."""
    shape = np.shape(a)
    out = float_zeros(shape, a, v)
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    r, c = _diag_positions(moved.shape[-2], moved.shape[-1], offset)
    moved[..., r, c] = dense(v, moved.shape[:-2] + (len(r),))
    return out


@kernel
def trace_adjoint(v, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace(a, offset, axis1, axis2)``."""
    shape = np.shape(a)
    nd = len(shape)
    ax1, ax2 = axis1 % nd, axis2 % nd
    rest = tuple(n for i, n in enumerate(shape) if i not in (ax1, ax2))
    r, _ = _diag_positions(shape[ax1], shape[ax2], offset)
    v = np.expand_dims(dense(v, rest), -1)
    return diagonal_adjoint(np.broadcast_to(v, rest + (len(r),)), a, offset, axis1, axis2)


@kernel
def diag_adjoint(v, x, k=0):
    """Adjoint of ``np.diag(x, k)``: a diagonal of `v` (vector x) or `v` on a diagonal."""
    if np.ndim(x) == 1:
        n = np.shape(x)[0] + abs(k)
        return np.array(np.diagonal(dense(v, (n, n)), k))
    return diagonal_adjoint(v, x, k, 0, 1)


@kernel
def tri_adjoint(v, m, k=0, upper=True):
    """Adjoint of ``np.triu(m, k)`` (`upper`) or ``np.tril(m, k)``."""
    tri = np.triu if upper else np.tril
    if np.ndim(m) == 1:
        n = np.shape(m)[0]
        return np.sum(tri(dense(v, (n, n)), k), axis=0)
    return tri(dense(v, np.shape(m)), k)
