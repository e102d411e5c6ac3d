"""What generated derivative code calls, besides NumPy and math.

Adjoints start as the Python float ``0.0`` and take the shape of what flows into them, so
helpers accept ``0.0`` wherever an adjoint is expected.  Tuple and list adjoints are tuples.
"""
import numpy as np


def unbroadcast(g, x):
    """Sum adjoint `g` over the axes NumPy broadcasting added or stretched to match `x`."""
    try:
        if g.shape == x.shape:
            return g
    except AttributeError:
        pass
    shape = np.shape(x)
    gshape = np.shape(g)
    if gshape == shape:
        return g
    if not shape:
        return np.sum(g)
    extra = len(gshape) - len(shape)
    if extra > 0:
        g = np.sum(g, axis=tuple(range(extra)))
    axes = tuple(i for i, (n, m) in enumerate(zip(shape, np.shape(g))) if n == 1 and m != 1)
    if axes:
        g = np.sum(g, axis=axes, keepdims=True)
    if np.shape(g) != shape:
        g = np.broadcast_to(g, shape)
    return g


def cj(x):
    """The complex conjugate of complex values; real values unchanged (no copy)."""
    if getattr(x, "dtype", None) is not None:
        return np.conj(x) if x.dtype.kind == "c" else x
    return x.conjugate() if isinstance(x, complex) else x


def abs_tangent(dx, x):
    """Tangent of ``abs(x)``: ``sign(x) dx`` for reals, ``Re(conj(x) dx) / |x|`` for complex."""
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        return np.real(np.conj(x) * dx) / np.abs(x)
    if isinstance(x, complex):
        return (x.conjugate() * dx).real / abs(x)
    return dx * np.sign(x)


def log_of(a):
    """log(a) for the derivative of a ** b with respect to b (0 where a == 0)."""
    if isinstance(a, (int, float)):
        import math
        return math.log(a) if a > 0 else (0.0 if a == 0 else float("nan"))
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, np.log(np.where(a == 0, 1.0, a)))


def add_at(bx, x, index, g):
    """Adjoint of ``y = x[index]``: add `g` into the `index` part of `bx` (0.0 means zeros)."""
    if isinstance(x, dict):
        parts = dict(bx) if isinstance(bx, dict) else {}
        parts[index] = cot_add(parts.get(index, 0.0), g)
        return parts
    if isinstance(x, (tuple, list)):
        parts = list(bx) if isinstance(bx, (tuple, list)) else [0.0] * len(x)
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(x))), g):
                parts[i] = cot_add(parts[i], gi)
        else:
            parts[index] = cot_add(parts[index], g)
        return tuple(parts)
    if isinstance(bx, float) and bx == 0.0 or bx is None:
        bx = np.zeros_like(x, dtype=np.result_type(x, 1.0))
    elif not isinstance(bx, np.ndarray) or not bx.flags.writeable:
        bx = np.array(bx, dtype=np.result_type(bx, 1.0))
    if isinstance(index, np.ndarray) and index.dtype != bool:
        np.add.at(bx, index, g)
    else:
        bx[index] += g
    return bx


def field_adjoint(obj, name, g):
    """Adjoint of ``y = obj.name``: a tuple for a NamedTuple, else a dict of fields."""
    fields = getattr(obj, "_fields", None)
    if fields is not None:
        parts = [0.0] * len(fields)
        parts[fields.index(name)] = g
        return tuple(parts)
    return {name: g}


def tangent_field(t, name):
    """Tangent of ``obj.name`` from the tangent of ``obj`` (same type, a dict, or zero)."""
    if _is_zero(t):
        return 0.0
    if isinstance(t, dict):
        return t.get(name, 0.0)
    return getattr(t, name)


def cot_getitem(g, i):
    """Part `i` of a tuple adjoint that may still be the zero ``0.0``."""
    if isinstance(g, (tuple, list)):
        return g[i]
    if isinstance(g, np.ndarray):
        return g[i]
    return 0.0


def cot_add(a, b):
    """Sum of two adjoints, tuples elementwise, dicts by key; 0.0 is zero."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not isinstance(a, dict):
            return dict(b)
        if not isinstance(b, dict):
            return dict(a)
        out = dict(a)
        for k, v in b.items():
            out[k] = cot_add(out[k], v) if k in out else v
        return out
    if isinstance(a, (tuple, list)):
        if isinstance(b, (tuple, list)):
            return tuple(cot_add(x, y) for x, y in zip(a, b))
        return a
    if isinstance(b, (tuple, list)):
        return b if (isinstance(a, float) and a == 0.0) else b
    return a + b


def unpack_adjoint(x, parts):
    """Adjoint of ``a, b, ... = x`` from the adjoints of the parts."""
    if isinstance(x, (tuple, list)):
        return tuple(parts)
    x = np.asarray(x)
    out = np.zeros(x.shape, dtype=np.result_type(x, 1.0))
    for i, p in enumerate(parts):
        out[i] = out[i] + p
    return out


def fill_like(seq, g):
    """Adjoint of ``sum(seq)`` with respect to `seq`: `g` in every position."""
    if isinstance(seq, (tuple, list)):
        return tuple(g for _ in seq)
    return np.broadcast_to(g, np.shape(seq)) + np.zeros(np.shape(seq))


def select_adjoint(g, y, a, b, c, which):
    """min/max of several scalars: the first argument equal to the result gets `g`."""
    args = [v for v in (a, b, c) if v is not None]
    if b is None and isinstance(a, (tuple, list)):
        parts = [0.0] * len(a)
        parts[list(a).index(y)] = g
        return tuple(parts) if which == 0 else 0.0
    for i, v in enumerate(args):
        if v == y:
            return g if i == which else 0.0
    return 0.0


def select_tangent(d, y, a, b, c, which):
    if b is None and isinstance(a, (tuple, list)):
        return d[list(a).index(y)]
    return select_adjoint(d, y, a, b, c, which)


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``."""
    shape = np.shape(x)
    if axis is None and np.ndim(g) == 0:
        dtype = getattr(x, "dtype", None)
        if dtype is None or dtype.kind != "f":
            dtype = np.float64
        return np.full(shape, g, dtype=dtype)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape).astype(np.result_type(g, x, 1.0), copy=True) \
        if shape else g


def mean_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)``."""
    shape = np.shape(x)
    if axis is None:
        n = int(np.prod(shape)) if shape else 1
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        n = int(np.prod([shape[a] for a in axes]))
    return sum_adjoint(g / n, x, axis, keepdims)


def dot_adjoint_a(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `a` (any ranks)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if b_nd == 1:
        return np.multiply.outer(g, b) if a_nd > 1 else g * b
    # g has axes A + B + (p,), b has axes B + (n, p): contract B and p
    na = a_nd - 1
    nb = b_nd - 2
    g_axes = list(range(na, na + nb)) + [na + nb]
    b_axes = list(range(nb)) + [nb + 1]
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_adjoint_b(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `b` (any ranks)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    na = a_nd - 1
    if b_nd == 1:
        if a_nd == 1:
            return g * a
        return np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na))))
    # a has axes A + (n,), g has A + B + (p,): contract A, giving (n,) + B + (p,)
    out = np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na))))
    return np.moveaxis(out, 0, -2)


def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to `a` (1-D operands included)."""
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return g * b
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to `b` (1-D operands included)."""
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * a
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0],
                           b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def transpose_adjoint(g, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes))


def seed_for(value):
    """The seed 1.0 of a gradient; refuses outputs that are not scalars."""
    if np.ndim(value) != 0 or isinstance(value, (tuple, list)):
        from .errors import DerivativeUsageError
        raise DerivativeUsageError(
            f"grad needs a function with a scalar output; this one returned a value of "
            f"shape {np.shape(value)} -- use tangent_like.vjp(f, *args) for non-scalar "
            "outputs, or reduce the output to a scalar")
    return 1.0


# ---------------------------------------------------------------- forward mode helpers
def zero_tangent(value):
    """The zero tangent of `value`: 0.0 for scalars, zeros for arrays, a tuple for tuples."""
    if isinstance(value, (tuple, list)):
        return tuple(zero_tangent(v) for v in value)
    if isinstance(value, np.ndarray) and value.ndim:
        return np.zeros(value.shape, dtype=np.result_type(value, 1.0))
    return 0.0


def tangent_parts(t, n):
    """The tangents of ``a, b, ... = value`` from the tangent `t` of the value."""
    if isinstance(t, (tuple, list)):
        return tuple(t)
    if isinstance(t, float) and t == 0.0:
        return (0.0,) * n
    return tuple(t[i] for i in range(n))


def tangent_item(t, index, batch=False):
    """Tangent of ``x[index]`` from the tangent of ``x`` (a leading batch axis is kept)."""
    if isinstance(t, float) and t == 0.0:
        return 0.0
    if isinstance(t, dict):
        return t.get(index, 0.0)
    if batch and not isinstance(t, (tuple, list)):
        if isinstance(index, tuple):
            return t[(slice(None),) + index]
        return t[:, index]
    return t[index]


def batch_align(dx, x, y):
    """Give a batched tangent of `x` (leading batch axis) the rank of `y` plus one."""
    missing = np.ndim(y) - np.ndim(x)
    if missing <= 0 or np.ndim(dx) == 0:
        return dx
    dx = np.asarray(dx)
    return dx.reshape(dx.shape[:1] + (1,) * missing + dx.shape[1:])


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


def batch_left(op, da, a, b):
    """Tangent ``op(da, b)`` for a batched `da`: the batch axis leads."""
    if _is_zero(da):
        return 0.0
    da = np.asarray(da)
    if np.ndim(a) == 0:
        return op(da.reshape(da.shape + (1,) * np.ndim(b)), b)
    return np.stack([op(d, b) for d in da]) if np.ndim(a) == 1 and op is np.dot \
        else op(da, b)


def batch_right(op, a, db):
    """Tangent ``op(a, db)`` for a batched `db`, one batch element at a time."""
    if _is_zero(db):
        return 0.0
    return np.stack([op(a, d) for d in np.asarray(db)])


def batch_transpose(dx, axes=None):
    if _is_zero(dx):
        return 0.0
    dx = np.asarray(dx)
    if axes is None:
        axes = tuple(range(dx.ndim - 1))[::-1]
    return np.transpose(dx, (0,) + tuple(a + 1 for a in axes))


def _is_zero(t):
    return isinstance(t, float) and t == 0.0


def is_zero(t):
    """Is `t` the zero tangent (the float 0.0)?"""
    return type(t) is float and t == 0.0


def _stack_results(results):
    """Stack per-direction results; tuples (tuple adjoints) are stacked element by element."""
    if all(_is_zero(r) for r in results):
        return 0.0
    first = next(r for r in results if not _is_zero(r))
    if isinstance(first, (tuple, list)):
        n = len(first)
        results = [(0.0,) * n if _is_zero(r) else r for r in results]
        return tuple(_stack_results(list(parts)) for parts in zip(*results))
    shape = np.shape(first)
    return np.stack([np.broadcast_to(np.asarray(r), shape) for r in results])


def batch_map(fn, dv, *args):
    """``fn(d, *args)`` for each direction ``d`` of a batched tangent, stacked."""
    if _is_zero(dv):
        return 0.0
    if not isinstance(dv, (tuple, list)) and np.ndim(dv) == 0:
        # the same (scalar) tangent in every direction: it broadcasts against the batch
        return 0.0 if dv == 0 else fn(dv, *args)
    if isinstance(dv, (tuple, list)):       # a tuple of batched parts: directions inside
        k = next((np.shape(p)[0] for p in dv if not _is_zero(p)), 0)
        return _stack_results([fn(tuple(p if _is_zero(p) else p[i] for p in dv), *args)
                               for i in range(k)])
    return _stack_results([fn(d, *args) for d in dv])


def batch_map2(fn, v, a, b, which):
    """A bilinear helper with its `which`-th operand (1: a, 2: b) batched."""
    batched = a if which == 1 else b
    if _is_zero(batched):
        return 0.0
    if which == 1:
        return _stack_results([fn(v, d, b) for d in batched])
    return _stack_results([fn(v, a, d) for d in batched])


def batch_unbroadcast(dv, x):
    """`unbroadcast` of a batched adjoint tangent: sums to ``(k,) + x.shape``, batch kept."""
    if _is_zero(dv) or np.ndim(dv) == 0:
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
    return dv


def batch_add_at_zero(dv, x, index):
    """Batched tangent of ``add_at(0.0, x, index, v)``: zeros ``(k,) + x.shape`` with the
    directions of `dv` added at `index` (tuples and lists go one direction at a time)."""
    if _is_zero(dv):
        return 0.0
    if isinstance(x, (tuple, list, dict)) or np.ndim(dv) == 0:
        return batch_map(add_at_zero, dv, x, index)
    k = np.shape(dv)[0]
    out = np.zeros((k,) + np.shape(x), dtype=np.result_type(x, dv, 1.0))
    full = (slice(None),) + (index if isinstance(index, tuple) else (index,))
    if any(isinstance(i, np.ndarray) and i.dtype != bool for i in full[1:]):
        np.add.at(out, full, dv)
    else:
        out[full] += dv
    return out


def add_at_zero(v, x, index):
    """Adjoint of ``y = x[index]`` started from zero: `v` placed at `index`."""
    return add_at(0.0, x, index, v)


def fill_like_v(v, seq):
    return fill_like(seq, v)


def batch_unpack(x, parts):
    """unpack_adjoint for batched part tangents."""
    if isinstance(x, (tuple, list)):
        return tuple(parts)
    k = next((np.shape(p)[0] for p in parts if np.ndim(p)), 1)
    return np.stack([unpack_adjoint(x, [p[i] if np.ndim(p) else p for p in parts])
                     for i in range(k)])


def tie(a, b, c=None):
    """True when two of the arguments of min/max are equal (a tie)."""
    if isinstance(a, (tuple, list)) and b is None:
        return len(set(a)) < len(a)
    values = [v for v in (a, b, c) if v is not None]
    return any(values[i] == values[j] for i in range(len(values))
               for j in range(i + 1, len(values)))


def kink(condition, where, primitive, convention, mode):
    """Report a non-differentiable point reached by the evaluation (kinks="warn"/"raise")."""
    if not np.any(condition):
        return
    from .errors import KinkError, KinkWarning
    message = (f"{where}: {primitive} evaluated at a non-differentiable point; "
               f"convention: {convention or 'one-sided derivative'}")
    if mode == "raise":
        raise KinkError(message)
    import warnings
    warnings.warn(message, KinkWarning, stacklevel=3)


# ---------------------------------------------------------------- writes into values
def with_item(a, index, v):
    """``a[index] = v`` as a new value (an array copy or a new list); `a` is unchanged."""
    if isinstance(a, list):
        b = list(a)
    elif isinstance(a, tuple):
        raise TypeError("'tuple' object does not support item assignment")
    else:
        b = np.array(a, copy=True)
    b[index] = v
    return b


def appended(xs, v):
    """``xs.append(v)`` as a new list."""
    out = list(xs)
    out.append(v)
    return out


def zero_at(g, index):
    """Adjoint `g` with the part at `index` set to zero (that part was overwritten)."""
    if _is_zero(g):
        return 0.0
    if isinstance(g, (tuple, list)):
        parts = list(g)
        if isinstance(index, slice):
            for i in range(*index.indices(len(parts))):
                parts[i] = 0.0
        else:
            parts[index] = 0.0
        return tuple(parts)
    g = np.array(g, dtype=np.result_type(g, 1.0), copy=True)
    g[index] = 0
    return g


def item_adjoint(g, index, v):
    """Adjoint of the value written by ``a[index] = v``: the part of `g` at `index`."""
    if _is_zero(g):
        return 0.0
    part = g[index]
    if isinstance(g, (tuple, list)):
        return tuple(part) if isinstance(index, slice) else part
    return unbroadcast(part, v)


def placed(dv, index, a):
    """Zeros shaped like `a` with `dv` at `index` (the tangent of a written part)."""
    if _is_zero(dv):
        return 0.0
    if isinstance(a, list):
        parts = [0.0] * len(a)
        parts[index] = dv
        return tuple(parts)
    out = np.zeros(np.shape(a), dtype=np.result_type(a, dv, 1.0))
    out[index] = dv
    return out


def cot_last(g, xs):
    """Adjoint of the element appended by ``appended(xs, v)``."""
    if _is_zero(g):
        return 0.0
    return g[len(xs)] if len(g) > len(xs) else 0.0


def cot_drop_last(g, xs):
    """Adjoint of the list before ``appended(xs, v)``."""
    if _is_zero(g):
        return 0.0
    return tuple(g[:len(xs)])


def tangent_list(t, xs):
    """The tangent of list `xs` as a list (a zero tangent becomes zeros)."""
    if _is_zero(t):
        return [0.0] * len(xs)
    return list(t)


def array_adjoint(g, x):
    """Adjoint of ``np.array(x)`` for a list or tuple `x`: one part per element."""
    if _is_zero(g):
        return 0.0
    return tuple(g[i] for i in range(len(x)))


def stack_tangents(t, x):
    """Tangent of ``np.array(x)``: the element tangents stacked like the elements."""
    if _is_zero(t):
        return 0.0
    return np.array([np.broadcast_to(ti, np.shape(xi)) for ti, xi in zip(t, x)], dtype=float)


def batch_stack_tangents(t, x):
    """Batched tangent of ``np.array(x)``: element tangents (batch axis first) stacked."""
    if _is_zero(t):
        return 0.0
    k = next((np.shape(ti)[0] for ti in t if np.ndim(ti)), 1)
    return np.stack([np.broadcast_to(ti, (k,) + np.shape(xi)) for ti, xi in zip(t, x)],
                    axis=1)


HELPERS = {name: obj for name, obj in globals().items()
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
