"""Kernels of the functions that move, copy or regroup elements without arithmetic:
transposes, reshapes, ``swapaxes``/``moveaxis``, joins (``concatenate``, ``stack``,
``hstack``, ``vstack``) and splits, ``tile``, ``repeat``, ``flip``, ``roll``, ``pad``.

All of them are linear: each adjoint is the transposed map applied to the cotangent --
reshapes reshape back, joins split, splits join, copies sum the cotangents of the copies
back onto their source.  dtypes are preserved (a float32 cotangent stays float32).  Every
adjoint kernel accepts the zero sentinel; a scalar cotangent of an array can only be a zero
and gives zeros of the array's shape.  Sequence arguments (the ``arrays`` of a join) have
tuple adjoints, one part per element; their tangents arrive as tuples with the sentinel for
elements that carry no derivative.
"""
import numpy as np

from ..errors import NoDerivativeError
from .batch import batch_shift_axis
from .core import cotangent_dtype, float_dtype, is_zero, re_like, zeros_like_cotangent
from .kernels import kernel


# ------------------------------------------------------------------------------ transposes
@kernel
def transpose_adjoint(g, axes=None):
    if is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes))


@kernel
def batch_transpose(dx, axes=None):
    if is_zero(dx):
        return 0.0
    dx = np.asarray(dx)
    if axes is None:
        axes = tuple(range(dx.ndim - 1))[::-1]
    return np.transpose(dx, (0,) + tuple(a + 1 for a in axes))


# -------------------------------------------------------------------------------- reshapes
def _order(order, x):
    """The memory order ('C' or 'F') a reshape with `order` reads x in."""
    if order in ("C", "F"):
        return order
    if order == "A":
        return "F" if np.isfortran(np.asarray(x)) else "C"
    if order == "K":
        x = np.asarray(x)
        if x.flags.c_contiguous:
            return "C"
        if x.flags.f_contiguous:
            return "F"
    raise NoDerivativeError(f"order={order!r} of a non-contiguous array: not supported by "
                            "the derivative rule")


@kernel
def reshape_adjoint(v, x, order="C"):
    """Adjoint of every reshape of x (reshape, ravel, flatten, squeeze, expand_dims,
    atleast_nd): the cotangent `v` reshaped back to x's shape, in the same order."""
    if np.ndim(v) == 0:
        return np.broadcast_to(np.asarray(v, dtype=cotangent_dtype(v, x)), np.shape(x))
    return np.reshape(v, np.shape(x), order=_order(order, x))


@kernel
def reshape_tangent(dx, x, result, order="C", batch=False):
    """Tangent of a reshape of x to result's shape (batched: batch axis first)."""
    o = _order(order, x)
    shape = np.shape(result)
    dx = np.asarray(dx)
    if not batch:
        return np.reshape(dx, shape, order=o)
    k = dx.shape[0]
    if o == "C":
        return dx.reshape((k,) + shape)
    moved = np.moveaxis(dx, 0, -1)
    return np.moveaxis(np.reshape(moved, shape + (k,), order="F"), -1, 0)


@kernel
def swapaxes_adjoint(v, x, axis1, axis2):
    """Adjoint of ``np.swapaxes(x, axis1, axis2)`` (its own inverse)."""
    if np.ndim(v) == 0 and np.ndim(x):
        return zeros_like_cotangent(v, x)
    return np.swapaxes(v, axis1, axis2)


@kernel
def moveaxis_adjoint(v, x, source, destination):
    """Adjoint of ``np.moveaxis(x, source, destination)``: the axes moved back."""
    if np.ndim(v) == 0 and np.ndim(x):
        return zeros_like_cotangent(v, x)
    return np.moveaxis(v, destination, source)


@kernel
def batch_broadcast_to(dx, x, shape):
    """``np.broadcast_to`` of a batched tangent of x: the batch axis stays first."""
    dx = np.asarray(dx)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    k = dx.shape[0]
    dx = dx.reshape((k,) + (1,) * (len(shape) - np.ndim(x)) + np.shape(x))
    return np.broadcast_to(dx, (k,) + shape)


# ----------------------------------------------------------------------------------- joins
def _join_layout(arrays, how, axis=0):
    """(shapes the elements take in the join, join axis) of concatenate/hstack/vstack."""
    shapes = [np.shape(a) for a in arrays]
    if how == "concatenate":
        if axis is None:
            return [(int(np.prod(s, dtype=np.int64)),) for s in shapes], 0
        return shapes, axis
    if how == "hstack":
        eff = [s if len(s) else (1,) for s in shapes]
        return eff, 0 if len(eff[0]) == 1 else 1
    if how == "vstack":
        eff = [s if len(s) >= 2 else ((1,) + s if len(s) == 1 else (1, 1)) for s in shapes]
        return eff, 0
    if how == "column_stack":       # 1-D arrays (and scalars) become columns
        eff = [s if len(s) >= 2 else (s + (1,) if len(s) == 1 else (1, 1)) for s in shapes]
        return eff, 1
    if how == "dstack":             # np.atleast_3d of each element
        eff = [s if len(s) >= 3 else {0: (1, 1, 1), 1: (1,) + s + (1,), 2: s + (1,)}[len(s)]
               for s in shapes]
        return eff, 2
    raise ValueError(how)


def _split_sizes(v, shapes, axis, batch=False):
    """`v` cut along `axis` into the pieces of the given element `shapes`."""
    ax = axis % len(shapes[0])
    bounds = np.cumsum([s[ax] for s in shapes])[:-1]
    return np.split(v, bounds, axis=ax + (1 if batch else 0))


def _join_adjoint(v, arrays, shapes, axis):
    """Adjoint of a join of `arrays` laid out as `shapes` along `axis`: a tuple of parts."""
    if np.ndim(v) == 0:
        return tuple(zeros_like_cotangent(v, a) for a in arrays)
    parts = _split_sizes(np.asarray(v), shapes, axis)
    # a real element of a complex join gets the real part (runtime.re_like)
    return tuple(re_like(np.reshape(p, np.shape(a)), a) for p, a in zip(parts, arrays))


def _batch_size(tangents, arrays):
    for d, a in zip(tangents, arrays):
        if np.ndim(d) == np.ndim(a) + 1:
            return np.shape(d)[0]
    return None


def _element_tangents(tangents, arrays, shapes, batch):
    """Per-element tangents laid out as `shapes` (batched: with the batch axis first),
    zeros for the elements that carry no derivative (0.0 or, batched, an unbatched zero)."""
    if is_zero(tangents):
        tangents = (0.0,) * len(arrays)
    k = _batch_size(tangents, arrays) if batch else None
    out = []
    for d, a, s in zip(tangents, arrays, shapes):
        dtype = cotangent_dtype(d, a)
        if batch and k is not None:
            if np.ndim(d) == np.ndim(a) + 1:
                out.append(np.reshape(d, (k,) + tuple(s)))
            else:
                out.append(np.broadcast_to(np.reshape(np.asarray(d, dtype=dtype),
                                                      np.shape(d) if np.ndim(d) else ()),
                                           np.shape(a)).reshape((1,) + tuple(s))
                           * np.ones((k,) + (1,) * len(s), dtype=dtype))
        else:
            out.append(np.reshape(np.broadcast_to(np.asarray(d, dtype=dtype), np.shape(a)),
                                  s))
    return out, k


def _join_tangent(tangents, arrays, shapes, axis, batch):
    parts, k = _element_tangents(tangents, arrays, shapes, batch)
    if batch and k is not None:
        return np.concatenate(parts, axis=batch_shift_axis(axis))
    return np.concatenate(parts, axis=axis)


@kernel
def concatenate_adjoint(v, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(arrays, "concatenate", axis)
    return _join_adjoint(v, arrays, shapes, ax)


@kernel
def concatenate_tangent(darrays, arrays, axis=0, batch=False):
    """Tangent of ``np.concatenate(arrays, axis)`` from per-element tangents."""
    shapes, ax = _join_layout(arrays, "concatenate", axis)
    return _join_tangent(darrays, arrays, shapes, ax, batch)


@kernel
def hstack_adjoint(v, tup):
    """Adjoint of ``np.hstack(tup)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(tup, "hstack")
    return _join_adjoint(v, tup, shapes, ax)


@kernel
def hstack_tangent(dtup, tup, batch=False):
    shapes, ax = _join_layout(tup, "hstack")
    return _join_tangent(dtup, tup, shapes, ax, batch)


@kernel
def vstack_adjoint(v, tup):
    """Adjoint of ``np.vstack(tup)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(tup, "vstack")
    return _join_adjoint(v, tup, shapes, ax)


@kernel
def vstack_tangent(dtup, tup, batch=False):
    shapes, ax = _join_layout(tup, "vstack")
    return _join_tangent(dtup, tup, shapes, ax, batch)


@kernel
def join_adjoint(v, tup, how):
    """Adjoint of ``np.column_stack(tup)`` (`how` "column_stack") or ``np.dstack(tup)``
    ("dstack"): a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(tup, how)
    return _join_adjoint(v, tup, shapes, ax)


@kernel
def join_tangent(dtup, tup, how, batch=False):
    """Tangent of ``np.column_stack(tup)`` or ``np.dstack(tup)`` (see `join_adjoint`)."""
    shapes, ax = _join_layout(tup, how)
    return _join_tangent(dtup, tup, shapes, ax, batch)


@kernel
def stack_adjoint(v, arrays, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``: the slices of `v` along the new axis."""
    if np.ndim(v) == 0:
        return tuple(zeros_like_cotangent(v, a) for a in arrays)
    v = np.moveaxis(np.asarray(v), axis, 0)
    return tuple(re_like(v[i], a) for i, a in enumerate(arrays))


@kernel
def stack_tangent(darrays, arrays, axis=0, batch=False):
    """Tangent of ``np.stack(arrays, axis)`` from per-element tangents."""
    shapes = [np.shape(a) for a in arrays]
    parts, k = _element_tangents(darrays, arrays, shapes, batch)
    if batch and k is not None:
        return np.stack(parts, axis=batch_shift_axis(axis))
    return np.stack(parts, axis=axis)


# ----------------------------------------------------------------------------------- split
def _part_shapes(x, indices_or_sections, axis):
    return [p.shape for p in np.array_split(np.asarray(x), indices_or_sections, axis=axis)]


@kernel
def split_adjoint(v, x, indices_or_sections, axis=0, batch=False):
    """Adjoint of ``np.split(x, indices_or_sections, axis)`` (and array_split): the parts'
    cotangents `v` (a tuple, list or stacked array; 0.0 for unused parts) concatenated.
    With ``batch`` the parts carry a leading batch axis (the tangent of this helper)."""
    shapes = _part_shapes(x, indices_or_sections, axis)
    if is_zero(v):
        if batch:
            return 0.0
        return zeros_like_cotangent(v, x)
    parts = [np.empty(s) for s in shapes]
    return _join_tangent(tuple(v), parts, shapes, axis, batch)


@kernel
def split_axis(x, how):
    """The axis ``np.hsplit`` ("h": 1, or 0 for 1-D x), ``np.vsplit`` ("v": 0) or
    ``np.dsplit`` ("d": 2) splits `x` along."""
    if how == "h":
        return 0 if np.ndim(x) == 1 else 1
    return {"v": 0, "d": 2}[how]


@kernel
def batch_split(split, dx, indices_or_sections, axis=0):
    """``split(dx, ...)`` of a batched tangent: the batch axis is not split."""
    return split(dx, indices_or_sections, axis=batch_shift_axis(axis))


# ---------------------------------------------------------------------------------- copies
def _tile_layout(x, reps):
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    d = max(np.ndim(x), len(reps))
    xs = (1,) * (d - np.ndim(x)) + np.shape(x)
    rs = (1,) * (d - len(reps)) + reps
    return xs, rs


@kernel
def tile_adjoint(v, x, reps):
    """Adjoint of ``np.tile(x, reps)``: the cotangents of all the copies summed."""
    if np.ndim(v) == 0 and np.ndim(x):
        return zeros_like_cotangent(v, x)
    xs, rs = _tile_layout(x, reps)
    inter = tuple(n for pair in zip(rs, xs) for n in pair)
    summed = np.sum(np.reshape(v, inter), axis=tuple(range(0, 2 * len(xs), 2)))
    return np.reshape(summed, np.shape(x))


@kernel
def batch_tile(dx, x, reps):
    """``np.tile`` of a batched tangent of x: the batch axis is not tiled."""
    dx = np.asarray(dx)
    xs, rs = _tile_layout(x, reps)
    return np.tile(dx.reshape(dx.shape[:1] + xs), (1,) + rs)


@kernel
def repeat_adjoint(v, x, repeats, axis=None):
    """Adjoint of ``np.repeat(x, repeats, axis)``: each element gets the summed cotangents
    of its repetitions (repeats may be an int or one count per element, zeros included)."""
    x = np.asarray(x)
    if np.ndim(v) == 0 and (x.ndim or axis is None):
        return zeros_like_cotangent(v, x)
    v = np.asarray(v)
    if axis is None:
        ax, n = 0, x.size
    else:
        ax = int(axis) % x.ndim
        n = x.shape[ax]
    vm = np.moveaxis(v, ax, 0)
    r = np.asarray(repeats)
    if r.size == 1:
        out = np.sum(vm.reshape((n, int(r.reshape(-1)[0])) + vm.shape[1:]), axis=1)
    else:
        r = np.broadcast_to(r, (n,))
        out = np.zeros((n,) + vm.shape[1:], dtype=vm.dtype)
        nonzero = r > 0
        if np.any(nonzero):
            starts = np.concatenate([[0], np.cumsum(r)[:-1]])[nonzero]
            out[nonzero] = np.add.reduceat(vm, starts, axis=0)
    out = np.moveaxis(out, 0, ax)
    return out.reshape(x.shape) if axis is None else out


@kernel
def batch_repeat(dx, repeats, axis=None):
    """``np.repeat`` of a batched tangent: ``axis=None`` flattens each direction alone."""
    dx = np.asarray(dx)
    if axis is None:
        return np.repeat(dx.reshape(dx.shape[:1] + (-1,)), repeats, axis=1)
    return np.repeat(dx, repeats, axis=batch_shift_axis(axis))


@kernel
def flip_adjoint(v, x, axis=None):
    """Adjoint of ``np.flip(x, axis)`` (its own inverse)."""
    if np.ndim(v) == 0 and np.ndim(x):
        return zeros_like_cotangent(v, x)
    return np.flip(v, axis)


@kernel
def batch_flip(dx, axis=None):
    """``np.flip`` of a batched tangent: the batch axis is not flipped."""
    dx = np.asarray(dx)
    if axis is None:
        return np.flip(dx, tuple(range(1, dx.ndim)))
    return np.flip(dx, batch_shift_axis(axis))


@kernel
def roll_adjoint(v, x, shift, axis=None):
    """Adjoint of ``np.roll(x, shift, axis)``: rolled back by ``-shift``."""
    if np.ndim(v) == 0 and np.ndim(x):
        return zeros_like_cotangent(v, x)
    return np.roll(v, np.negative(shift), axis)


@kernel
def batch_roll(dx, shift, axis=None):
    """``np.roll`` of a batched tangent: ``axis=None`` rolls each flattened direction."""
    dx = np.asarray(dx)
    if axis is None:
        return np.roll(dx.reshape(dx.shape[:1] + (-1,)), shift, axis=1).reshape(dx.shape)
    return np.roll(dx, shift, batch_shift_axis(axis))


_PAD_COPY_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_pairs(x, pad_width):
    return np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (np.ndim(x), 2))


def _check_pad_mode(mode):
    if mode != "constant" and mode not in _PAD_COPY_MODES:
        raise NoDerivativeError(f"np.pad(mode={mode!r}): the derivative rule supports the "
                                  f"modes 'constant', {', '.join(map(repr, _PAD_COPY_MODES))}")


@kernel
def pad_adjoint(v, x, pad_width, mode="constant"):
    """Adjoint of ``np.pad(x, pad_width, mode)``: for "constant", the cotangent of the
    interior (the padding is constant); for the copying modes, each element gets the summed
    cotangents of every position that copies it (found by padding an array of indices)."""
    _check_pad_mode(mode)
    x = np.asarray(x)
    if np.ndim(v) == 0 and x.ndim:
        return zeros_like_cotangent(v, x)
    v = np.asarray(v)
    if x.ndim == 0:         # np.pad leaves a 0-d array as it is
        return v.astype(cotangent_dtype(v, x), copy=True)
    pairs = _pad_pairs(x, pad_width)
    if mode == "constant":
        return v[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(pairs, x.shape))]
    index = np.arange(x.size).reshape(x.shape)
    source = np.pad(index, pairs, mode=mode)
    def total(w):
        return np.bincount(source.reshape(-1), weights=w.reshape(-1), minlength=x.size)
    summed = total(v.real) + 1j * total(v.imag) if np.iscomplexobj(v) else total(v)
    return summed.reshape(x.shape).astype(cotangent_dtype(v, x), copy=False)


@kernel
def pad_tangent(dx, x, pad_width, mode="constant", batch=False):
    """Tangent of ``np.pad(x, pad_width, mode)``: the tangent padded the same way (with 0:
    the padding constant carries no derivative); batched: the batch axis is not padded."""
    _check_pad_mode(mode)
    if np.ndim(x) == 0:     # np.pad leaves a 0-d array as it is
        return np.array(dx, dtype=np.result_type(dx, 1.0))
    pairs = _pad_pairs(x, pad_width)
    if batch:
        pairs = np.concatenate([np.zeros((1, 2), dtype=np.int64), pairs])
    return np.pad(dx, pairs, mode=mode)


# -------------------------------------------------------------------------- rearrangements
@kernel
def batch_all_axes(axes, t):
    """An ``axes`` argument for a batched tangent `t`: None (every axis) becomes every axis
    but the batch axis; given axes move past it (`batch_shift_axis`)."""
    if axes is None:
        return tuple(range(1, np.ndim(t)))
    return batch_shift_axis(axes)


@kernel
def rollaxis_axes(a, axis, start=0):
    """``np.rollaxis(a, axis, start)`` as ``np.moveaxis(a, source, destination)``: the pair
    (source, destination), both nonnegative."""
    n = np.ndim(a)
    axis = int(axis) % n
    start = int(start) + n if start < 0 else int(start)
    if axis < start:
        start -= 1
    return axis, start


@kernel
def shaped_like(v, like, batch=False):
    """`v` reshaped to the shape of `like` (batched: after its leading batch axis); the zero
    sentinel stays.  ``np.ascontiguousarray`` of a scalar has one element, shape (1,)."""
    if is_zero(v):
        return v
    v = np.asarray(v)
    return v.reshape((v.shape[:1] if batch else ()) + np.shape(like))


# ---------------------------------------------------------------------------------- append
def _append_parts(arr, values, axis):
    """The shapes arr and values take in ``np.append(arr, values, axis)`` (flattened without
    axis) and the join axis."""
    if axis is None:
        return (np.size(arr),), (np.size(values),), 0
    return np.shape(arr), np.shape(values), axis


@kernel
def append_adjoint(v, which, arr, values, axis=None):
    """Adjoint of ``np.append(arr, values, axis)`` with respect to arr (``which`` 0) or
    values (1): its piece of the cotangent, in that argument's shape."""
    target = arr if which == 0 else values
    if np.ndim(v) == 0:
        return zeros_like_cotangent(v, target)
    sa, sv, ax = _append_parts(arr, values, axis)
    v = np.asarray(v)
    n = sa[ax % len(sa)] if sa else 1
    first, second = np.split(v, [n], axis=ax)
    part = first if which == 0 else second
    return re_like(np.reshape(part, np.shape(target)), target)


@kernel
def append_tangent(d, which, arr, values, axis=None, batch=False):
    """Tangent of ``np.append`` along the tangent `d` of arr (``which`` 0) or of values (1)
    (batched: a leading batch axis)."""
    if is_zero(d):
        return 0.0
    d = np.asarray(d)
    lead = d.shape[:1] if batch and d.ndim > np.ndim(arr if which == 0 else values) else ()
    zero_a = np.zeros(lead + np.shape(arr), dtype=d.dtype)
    zero_v = np.zeros(lead + np.shape(values), dtype=d.dtype)
    a, b = (d, zero_v) if which == 0 else (zero_a, d)
    if lead:
        if axis is None:
            return np.concatenate([a.reshape(lead + (-1,)), b.reshape(lead + (-1,))], axis=1)
        return np.concatenate([a, b], axis=batch_shift_axis(axis))
    return np.append(a, b, axis)
