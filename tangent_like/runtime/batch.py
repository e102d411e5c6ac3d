"""Vector forward mode: tangents with a leading batch axis, one direction per row.

A batched tangent of ``x`` is shaped ``(k,) + x.shape``; the zero sentinel ``0.0`` stands
for zeros in every direction, and a tangent without the batch axis (the unbatched zero of a
value the reverse sweep recorded) is the same in every direction.  These kernels align,
reduce, broadcast and map batched tangents for the templates of ``jvp_batch``.
"""
import numpy as np

from .core import dense_cotangent, is_zero, re_like
from .kernels import kernel


@kernel
def batch_align(dx, x, y):
    """Give a batched tangent of `x` (leading batch axis) the rank of `y` plus one.

    `x` may be the zero placeholder ``0.0`` of an adjoint that stands for zeros of any
    shape while its tangent is not zero (the derivative of a value that is zero here, not
    everywhere): the tangent's own rank, less the batch axis, is then the value's."""
    rank = max(np.ndim(x), np.ndim(dx) - 1)
    missing = np.ndim(y) - rank
    if missing <= 0 or np.ndim(dx) == 0:
        return dx
    dx = np.asarray(dx)
    return dx.reshape(dx.shape[:1] + (1,) * missing + dx.shape[1:])


@kernel
def as_batched(t, x):
    """A tangent of `x` for vector forward mode, with its leading batch axis.  A tangent
    without one -- the zero placeholder 0.0 or the unbatched ``zero_tangent`` of a value the
    reverse sweep recorded, the same in every direction -- gets a batch axis of size 1,
    which broadcasts."""
    t = np.asarray(t)
    if t.ndim <= np.ndim(x):
        return np.broadcast_to(t, np.shape(x))[None]
    return t


@kernel
def batch_reduce(reduce, dx, axis=None, keepdims=False):
    """``reduce(dx, axis)`` over the value axes of a batched tangent (batch axis first)."""
    dx = np.asarray(dx)
    if dx.ndim <= 1:
        return dx
    if axis is None:
        axis = tuple(range(1, dx.ndim))
    elif isinstance(axis, tuple):
        axis = tuple(a + 1 if a >= 0 else a for a in axis)
    else:
        axis = axis + 1 if axis >= 0 else axis
    return reduce(dx, axis=axis, keepdims=keepdims)


@kernel
def batch_shift_axis(axis):
    """An axis argument for a tangent with a leading batch axis: nonnegative axes move one
    to the right, negative ones (counted from the end) stay; tuples elementwise."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return type(axis)(batch_shift_axis(a) for a in axis)
    return axis + 1 if axis >= 0 else axis


@kernel
def broadcast_tangent(t, like):
    """Tangent `t` given the shape of the value `like` it is the tangent of.

    A tangent is shaped like its primal: the tangent of ``a + b`` for a scalar `a` (the only
    active operand) and an array `b` is ``da`` broadcast to the shape of the sum."""
    shape = np.shape(like)
    if np.shape(t) == shape or np.ndim(t) > len(shape) and _placeholder(like):
        return t
    out = np.empty(shape, dtype=np.result_type(t, like, 1.0))
    out[...] = t
    return out


@kernel
def batch_broadcast(t, like):
    """`broadcast_tangent` for a batched tangent: ``(k,) + like.shape``, batch axis first.

    The zero tangent 0.0 stays 0.0 (it broadcasts against any batch); a tangent without a
    batch axis (the same in every direction) gets a batch axis of length 1."""
    if is_zero(t):
        return t
    shape = np.shape(like)
    t = np.asarray(t)
    if t.ndim == 0:
        return np.broadcast_to(t, (1,) + shape).copy()
    if t.shape[1:] == shape or t.ndim - 1 > len(shape) and _placeholder(like):
        return t
    missing = len(shape) - (t.ndim - 1)
    if missing > 0:     # the tangent of a lower-rank operand, not yet aligned
        t = t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:])
    out = np.empty((t.shape[0],) + shape, dtype=np.result_type(t, like, 1.0))
    out[...] = t
    return out


def _placeholder(like):
    """Is `like` (a value whose tangent has a higher rank than it) the zero placeholder of
    an adjoint, standing for zeros of any shape?  A tangent is never larger than its value
    otherwise: the tangent's own shape is then the value's."""
    return np.ndim(like) == 0 and not np.any(like)


@kernel
def batch_unbroadcast(dv, x):
    """`unbroadcast` of a batched adjoint tangent: sums to ``(k,) + x.shape``, batch kept
    (and real for a real `x`, as `unbroadcast`)."""
    if is_zero(dv):
        return dv
    dv = re_like(dv, x)
    if np.ndim(dv) == 0:
        return dv
    shape = np.shape(x)
    if np.shape(dv)[1:] == shape:
        return dv
    extra = np.ndim(dv) - 1 - len(shape)
    if extra > 0:
        dv = np.sum(dv, axis=tuple(range(1, 1 + extra)))
    axes = tuple(i + 1 for i, (n, m) in enumerate(zip(shape, np.shape(dv)[1:]))
                 if n == 1 and m != 1)
    if axes:
        dv = np.sum(dv, axis=axes, keepdims=True)
    if np.shape(dv)[1:] != shape:       # as unbroadcast: stretched back to x's shape
        dv = np.broadcast_to(dv, np.shape(dv)[:1] + shape)
    return dv


@kernel
def batch_dense_cotangent(dv, v, like):
    """`dense_cotangent` of a batched tangent `dv` of `v` (batched when it has one more
    axis than `v`): shaped ``(k,) + like.shape``; tuples pass through."""
    if isinstance(dv, (tuple, list, dict)) or isinstance(like, (tuple, list, dict)):
        return dv
    if is_zero(dv):
        return 0.0
    dv = np.asarray(dv)
    if dv.ndim <= np.ndim(v):          # the same tangent in every direction
        return dense_cotangent(dv, like)
    shape = np.shape(like)
    dv = dv.reshape(dv.shape[:1] + (1,) * (len(shape) - np.ndim(v)) + dv.shape[1:])
    return np.broadcast_to(dv, dv.shape[:1] + shape) + np.zeros((), dtype=dv.dtype)


def _stack_results(results):
    """Stack per-direction results; tuples (tuple adjoints) are stacked element by element,
    dicts key by key."""
    if all(is_zero(r) for r in results):
        return 0.0
    first = next(r for r in results if not is_zero(r))
    if isinstance(first, dict):     # dict adjoints or tangents: stacked key by key
        keys = list(dict.fromkeys(k for r in results if not is_zero(r) for k in r))
        return {k: _stack_results([0.0 if is_zero(r) else r.get(k, 0.0) for r in results])
                for k in keys}
    if isinstance(first, (tuple, list)):
        n = len(first)
        results = [(0.0,) * n if is_zero(r) else r for r in results]
        return tuple(_stack_results(list(parts)) for parts in zip(*results))
    shape = np.shape(first)
    return np.stack([np.broadcast_to(np.asarray(r), shape) for r in results])


@kernel
def batch_map(fn, dv, *args):
    """``fn(d, *args)`` for each direction ``d`` of a batched tangent, stacked."""
    if is_zero(dv):
        return 0.0
    if not isinstance(dv, (tuple, list)) and np.ndim(dv) == 0:
        # the same (scalar) tangent in every direction: it broadcasts against the batch
        return 0.0 if dv == 0 else fn(dv, *args)
    if isinstance(dv, (tuple, list)):       # a tuple of batched parts: directions inside
        k = next((np.shape(p)[0] for p in dv if not is_zero(p)), 0)
        return _stack_results([fn(tuple(p if is_zero(p) else p[i] for p in dv), *args)
                               for i in range(k)])
    return _stack_results([fn(d, *args) for d in dv])


@kernel
def batch_map2(fn, v, a, b, which):
    """A bilinear helper with its `which`-th operand (1: a, 2: b) batched."""
    batched = a if which == 1 else b
    if is_zero(batched):
        return 0.0
    if which == 1:
        return _stack_results([fn(v, d, b) for d in batched])
    return _stack_results([fn(v, a, d) for d in batched])


@kernel
def batch_map_parts(fn, dv, *args):
    """``fn(d, *args)`` for each direction ``d`` of a batched tangent, where `fn` returns a
    tuple: a tuple of stacked parts."""
    if is_zero(dv):
        return 0.0
    results = [fn(d, *args) for d in dv]
    return tuple(np.stack([np.asarray(p) for p in parts]) for parts in zip(*results))


@kernel
def batch_at(fn, pos, *args):
    """``fn(*args)`` with ``args[pos]`` a batched tangent: mapped over its leading axis."""
    d = args[pos]
    if is_zero(d):
        return 0.0
    if np.ndim(d) == 0:         # the same scalar tangent in every direction: it broadcasts
        return fn(*args)
    out = []
    for t in d:
        a = list(args)
        a[pos] = t
        out.append(np.asarray(fn(*a)))
    return np.stack(out)


@kernel
def batch_cot_term(d, v, y):
    """Batched tangent `d` of one operand `v` of ``y = cot_add(a, b)``, made like `y`'s: a
    scalar adjoint (a zero written ``0.0 / x``) added to an array one is stretched to it, so
    its tangent must be too (a tangent of shape (n,) would read as unbatched next to an
    array).  Tuples and dicts are added part by part: returned as they are."""
    if is_zero(d) or any(isinstance(t, (tuple, list, dict)) for t in (d, v, y)) or \
            np.ndim(v) > 0 or np.ndim(d) != 1 or np.ndim(y) == 0:
        return d        # only a scalar's batched tangent, (n,), is stretched
    return batch_broadcast(batch_align(d, v, y), y)
