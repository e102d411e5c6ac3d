"""What generated derivative code calls, besides NumPy and math.

Adjoints start as the Python float ``0.0`` and take the shape of what flows into them, so
helpers accept ``0.0`` wherever an adjoint is expected.  Tuple and list adjoints are tuples.

Complex values.  Derivatives follow the real inner product ``Re <g, y> = Re sum(conj(g) y)``:
the adjoint of a complex value ``z`` is ``dL/dRe z + 1j dL/dIm z`` and the adjoint of a real
value is real (`re_like`).  A holomorphic ``y = f(z)`` then has the adjoint
``g * conj(f'(z))`` and the tangent ``f'(z) dz``; a real-valued function of complex values
(``abs``, ``np.var``...) has the adjoint ``g * w`` and the tangent ``Re(conj(w) dz)``
(`inner_mul`), where ``w`` is its derivative in the same convention.  Tangents are complex
exactly where the values are.
"""
import math

import numpy as np


def is_complex(x):
    """Is `x` complex: a Python complex, a complex NumPy scalar or array, or a tuple or list
    holding one?"""
    t = type(x)
    if t is float or t is int:
        return False
    if t is complex:
        return True
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        return dtype.kind == "c"
    if t is tuple or t is list:
        return any(is_complex(e) for e in x)
    return False


def re_like(v, x):
    """Adjoint (or tangent) `v` of the value `x`: its real part when `x` is real.  A real
    value reached by a complex one (``x + 1j``, ``x * z``) only feels the real part."""
    if is_complex(v) and not is_complex(x):
        return np.array(v.real) if isinstance(v, np.ndarray) else v.real
    return v


def inner_mul(w, d):
    """``Re(conj(w) d)``: the tangent of a real-valued function of complex values whose
    derivative, in the adjoint convention, is `w` (``w * d`` for real values)."""
    if is_complex(w) or is_complex(d):
        return np.real(np.conj(w) * d)
    return w * d


def refuse_complex(name, value, result):
    """`result`, unless `value` is complex: the derivative rule of `name` is for real values
    only (a silently wrong derivative is worse than none)."""
    if is_complex(value):
        from .errors import NoDerivativeError
        raise NoDerivativeError(f"{name}: its derivative rule supports real values only, "
                                "and this call has complex ones",
                                hint="keep the argument real, or write the function with "
                                     "primitives that support complex values")
    return result


def unbroadcast(g, x):
    """Sum adjoint `g` over the axes NumPy broadcasting added or stretched to match `x`;
    its real part when `x` is real (`re_like`)."""
    g = re_like(g, x)
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
    full = np.broadcast_shapes(gshape, shape)
    if full != gshape:
        # `g` is smaller than the result it is the adjoint of: a zero adjoint that took an
        # operand's shape (``0.0 * b``); stretch it to the result's shape first
        g = np.broadcast_to(g, full)
        gshape = full
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


def abs_slope(x):
    """d|x|/dx in the adjoint convention: ``sign(x)`` for reals, ``x / |x|`` for complex
    values (0 at 0 for both)."""
    if is_complex(x):
        return ratio_or_zero(x, np.abs(x))
    return np.sign(x)


def abs_slope_tangent(dx, x):
    """Tangent of `abs_slope`: 0 for reals (piecewise constant); for complex values
    ``(dx - u Re(conj(u) dx)) / |x|`` with ``u = x / |x|`` (0 at 0)."""
    if not is_complex(x):
        return np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(x)))
    r = np.abs(x)
    u = ratio_or_zero(x, r)
    return ratio_or_zero(dx - u * np.real(np.conj(u) * dx), r)


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


def pow_slope(a, b, power=np.power):
    """``d(a ** b)/da = b * a ** (b - 1)``, also where the formula breaks down: 0 where
    ``b == 0`` (``a ** 0`` is the constant 1, even at ``a == 0``) and IEEE infinities instead
    of ZeroDivisionError for a Python float ``a == 0`` with ``b < 1``.  `power` computes
    arrays' powers (np.float_power for that function's float64 results)."""
    if np.ndim(a) == 0 and np.ndim(b) == 0 and not isinstance(a, np.ndarray) \
            and not isinstance(b, np.ndarray):
        if b == 0:
            return 0.0
        if a == 0 and not is_complex(b):
            return 1.0 if b == 1 else 0.0 if b > 1 else b * math.inf
        return b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = b * power(a, np.subtract(b, 1))
    return np.where(np.equal(b, 0), 0.0, out)


def pow_curvature(a, b, power=np.power):
    """``d^2(a ** b)/da^2 = b (b - 1) a ** (b - 2)``: 0 where ``b`` is 0 or 1 (``a ** b`` is
    then constant or linear in ``a``, even at ``a == 0``)."""
    scalars = not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray)
    if scalars and b in (0, 1):
        return 0.0
    out = np.multiply(b, pow_slope(a, np.subtract(b, 1), power))
    if scalars:
        return out
    return np.where(np.equal(b, 0) | np.equal(b, 1), 0.0, out)


def pow_slope_in_b(a, b, power=np.power):
    """``d/db (b a ** (b - 1)) = a ** (b - 1) (1 + b log a)``, 0 where ``a == 0`` (the
    convention of `log_of`: derivatives with respect to the exponent vanish there)."""
    if np.ndim(a) == 0 and not isinstance(a, np.ndarray):
        if a == 0:
            return 0.0
        return power(a, b - 1.0) * (1.0 + b * log_of(a))
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = power(a, np.subtract(b, 1.0)) * (1.0 + np.multiply(b, log_of(a)))
    return np.where(a == 0, 0.0, out)


def fdiv(a, b):
    """``a / b`` with IEEE semantics for Python floats: +-inf (or nan for 0 / 0) where ``b``
    is 0, as NumPy gives, instead of ZeroDivisionError (a derivative at a point where it is
    infinite)."""
    if np.ndim(b) == 0 and np.ndim(a) == 0 and b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def ratio_or_zero(a, b):
    """``a / b``, 0 where ``b == 0`` (the derivative of a norm at 0: its least-norm
    subgradient)."""
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return a / b if b != 0 else 0.0
    zero = np.equal(b, 0)
    return np.where(zero, 0.0, a / np.where(zero, 1.0, b))


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
    else:
        # a new array: `bx` may be shared with other adjoints (or be a view of one)
        bx = np.array(bx, dtype=np.result_type(bx, 1.0), copy=True)
    if may_repeat(index):
        np.add.at(bx, index, g)     # a repeated position receives every read's adjoint
    else:
        bx[index] += g
    return bx


def may_repeat(index):
    """Can `index` name one position several times?  Integer arrays and lists can (in any
    part of a tuple index); integers, slices, masks, None and ``...`` cannot."""
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, (list, tuple)):
            return True
        if isinstance(part, np.ndarray) and part.dtype.kind != "b":
            return True
    return False


def last_writes(shape, index):
    """For ``a[index] = v`` with `a` of `shape`: a boolean array shaped like ``a[index]``,
    True where a write lands last on its position.  NumPy keeps the last of repeated writes,
    so only those reach the result; the earlier ones are overwritten."""
    owner = np.full(shape, -1, dtype=np.intp)
    selected = np.shape(owner[index])
    order = np.arange(int(np.prod(selected, dtype=np.int64)), dtype=np.intp).reshape(selected)
    owner[index] = order
    return owner[index] == order


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
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if _is_zero(b):
            return a
        if _is_zero(a):
            return b
        # an array adjoint of a sequence (from np.sum(xs), np.array(xs)): one row each
        a = a if isinstance(a, (tuple, list)) else tuple(np.asarray(a))
        b = b if isinstance(b, (tuple, list)) else tuple(np.asarray(b))
        return tuple(cot_add(x, y) for x, y in zip(a, b))
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
    """Adjoint of ``sum(seq)`` with respect to `seq`: `g` in every position (``sum`` of an
    array adds its items along the first axis)."""
    if isinstance(seq, (tuple, list)):
        return tuple(re_like(g, e) for e in seq)
    shape = np.shape(seq)
    return re_like(np.broadcast_to(g, shape) + np.zeros(shape), seq)


def sum_tangent(dseq, seq, batch=False):
    """Tangent of ``sum(seq)``: the items' tangents added (an array's along its first
    axis, after the batch axis of a batched tangent)."""
    if _is_zero(dseq):
        return 0.0
    if isinstance(dseq, (tuple, list)):
        return sum(dseq)
    dseq = np.asarray(dseq)
    return np.sum(dseq, axis=1 if batch and dseq.ndim > np.ndim(seq) else 0)


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


def select_tangent(d, y, a, b, c, which, batch=False):
    """Tangent of min/max (see `select_adjoint`); a batched tangent keeps its batch axis."""
    if b is None and c is None and (isinstance(a, (tuple, list)) or np.ndim(a) > 0):
        if _is_zero(d):
            return 0.0
        i = extreme_position(a, y)
        if isinstance(d, (tuple, list)):
            return d[i]
        d = np.asarray(d)
        if batch and d.ndim > np.ndim(a):
            return d[:, i]
        return d[i]
    return select_adjoint(d, y, a, b, c, which)


def sum_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.sum(x, axis, keepdims)``."""
    if _is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    shape = np.shape(x)
    if not shape:           # a scalar (np.sum of a 0-d array accepts axis=0)
        return np.reshape(g, ()) if isinstance(g, np.ndarray) else g
    if axis is None and np.ndim(g) == 0:
        dtype = getattr(x, "dtype", None)
        dtype = np.result_type(g, 1.0) if dtype is None or dtype.kind not in "fc" else \
            np.result_type(dtype, g)      # (a complex g spread over a real x stays complex)
        return np.full(shape, g, dtype=dtype)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape).astype(np.result_type(g, x, 1.0), copy=True) \
        if shape else g


def mean_adjoint(g, x, axis=None, keepdims=False):
    """Adjoint of ``np.mean(x, axis, keepdims)`` (of an empty x: empty)."""
    if _is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    shape = np.shape(x)
    if axis is None:
        n = int(np.prod(shape)) if shape else 1
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        n = int(np.prod([shape[a] for a in axes]))
    # n == 0: x is empty, so is its adjoint (the mean itself is nan)
    return sum_adjoint(g / n if n else g * 0.0, x, axis, keepdims)


def dot_adjoint_a(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `a` (any ranks; complex operands under
    the real inner product: the other operand conjugated)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    b = cj(b)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * b, a)
    if b_nd == 1:
        return re_like(np.multiply.outer(g, b) if a_nd > 1 else g * b, a)
    # g has axes A + B + (p,), b has axes B + (n, p): contract B and p
    na = a_nd - 1
    nb = b_nd - 2
    g_axes = list(range(na, na + nb)) + [na + nb]
    b_axes = list(range(nb)) + [nb + 1]
    return re_like(np.tensordot(g, b, axes=(g_axes, b_axes)), a)


def dot_adjoint_b(g, a, b):
    """Adjoint of ``np.dot(a, b)`` with respect to `b` (any ranks, complex as for a)."""
    a_nd, b_nd = np.ndim(a), np.ndim(b)
    a = cj(a)
    if a_nd == 0 or b_nd == 0:
        return unbroadcast(g * a, b)
    na = a_nd - 1
    if b_nd == 1:
        if a_nd == 1:
            return re_like(g * a, b)
        return re_like(np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na)))), b)
    # a has axes A + (n,), g has A + B + (p,): contract A, giving (n,) + B + (p,)
    out = np.tensordot(a, g, axes=(tuple(range(na)), tuple(range(na))))
    return re_like(np.moveaxis(out, 0, -2), b)


def matmul_adjoint_a(g, a, b):
    """Adjoint of ``a @ b`` with respect to `a` (1-D operands included; complex operands
    under the real inner product)."""
    if _is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    b = cj(b)
    if np.ndim(b) == 1:
        if np.ndim(a) == 1:
            return unbroadcast(g * b, a)
        return unbroadcast(np.expand_dims(g, -1) * b, a)
    if np.ndim(a) == 1:
        return unbroadcast(np.matmul(b, np.expand_dims(g, -1))[..., 0], a)
    return unbroadcast(np.matmul(g, np.swapaxes(b, -1, -2)), a)


def matmul_adjoint_b(g, a, b):
    """Adjoint of ``a @ b`` with respect to `b` (1-D operands included, complex as for a)."""
    if _is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    a = cj(a)
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return unbroadcast(g * a, b)
        return unbroadcast(np.expand_dims(a, -1) * np.expand_dims(g, -2), b)
    if np.ndim(b) == 1:
        return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), np.expand_dims(g, -1))[..., 0],
                           b)
    return unbroadcast(np.matmul(np.swapaxes(a, -1, -2), g), b)


def transpose_adjoint(g, axes=None):
    if _is_zero(g):
        return 0.0          # the zero cotangent: nothing reached the result
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(axes))


def constants(values):
    """Values recorded by a sweep that carry no derivative (integers, branch decisions,
    constant arrays), as they went in: marks them constant for the next transformation."""
    return values


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
    """Tangent ``op(da, b)`` (np.dot or np.matmul) for a batched `da`: the batch axis
    leads.  A scalar `a` multiplies; a vector is taken one direction at a time (np.matmul
    would read the batch as a matrix's rows); matmul's stacked operands are aligned first,
    so that the batch axis does not meet a stack axis of `b`."""
    if _is_zero(da):
        return 0.0
    da = np.asarray(da)
    if np.ndim(a) == 0:
        return da.reshape(da.shape + (1,) * np.ndim(b)) * b
    if np.ndim(a) == 1:
        return np.stack([op(d, b) for d in da])
    if op is np.matmul and np.ndim(b) > np.ndim(a):
        da = da.reshape(da.shape[:1] + (1,) * (np.ndim(b) - np.ndim(a)) + da.shape[1:])
    return op(da, b)


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
    """`unbroadcast` of a batched adjoint tangent: sums to ``(k,) + x.shape``, batch kept
    (and real for a real `x`, as `unbroadcast`)."""
    if _is_zero(dv):
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
    if may_repeat(index):
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
    if b is None and c is None and np.ndim(a) > 0:
        return np.unique(np.asarray(a)).size < np.size(a)
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
    """Adjoint of the value written by ``a[index] = v``: the part of `g` at `index`.  With
    repeated positions only the last write of each reaches the result (NumPy's semantics,
    also of ``a[index] += v``, which is ``a[index] = a[index] + v``): the others get 0."""
    if _is_zero(g):
        return 0.0
    part = g[index]
    if isinstance(g, (tuple, list)):
        return tuple(part) if isinstance(index, slice) else part
    if may_repeat(index):
        part = part * last_writes(np.shape(g), index)
    return unbroadcast(re_like(part, v), v)


def placed(dv, index, a):
    """Zeros shaped like `a` with `dv` at `index` (the tangent of a written part)."""
    if _is_zero(dv):
        return 0.0
    if isinstance(a, list):
        parts = [0.0] * len(a)
        parts[index] = dv
        return tuple(parts)
    # the written values take a's dtype: a real `a` keeps the real part of a complex `v`
    out = np.zeros(np.shape(a), dtype=np.result_type(a, dv, 1.0) if is_complex(a)
                   else np.result_type(a, 1.0))
    out[index] = re_like(dv, a)
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


def inexact(dtype):
    """Does a cast to `dtype` keep derivatives (None, a float or complex dtype)?  Casts to
    integers and booleans are piecewise constant: derivative 0."""
    return dtype is None or np.issubdtype(np.dtype(dtype), np.inexact)


def _cast_tangent(t, dtype):
    """A tangent cast like its value to `dtype` (a real dtype keeps the real part)."""
    if dtype is None:
        return t
    dtype = np.dtype(dtype)
    if dtype.kind != "c" and is_complex(t):
        t = np.real(t)
    return np.asarray(t, dtype=dtype)


def array_adjoint(g, x, dtype=None):
    """Adjoint of ``np.array(x, dtype)``: for a list or tuple `x` one part per element, for
    a float or an array (a copy) the cotangent itself; 0 for an integer `dtype`."""
    if _is_zero(g) or not inexact(dtype):
        return 0.0
    if isinstance(x, (tuple, list)):
        return tuple(re_like(g[i], x[i]) for i in range(len(x)))
    g = re_like(g, x)
    if np.ndim(x) == 0 and isinstance(g, np.ndarray):
        return g[()]
    return g


def _stacked(t, x):
    """The tangent `t` of a (nested) sequence `x` as an array shaped like ``np.array(x)``."""
    if isinstance(x, (tuple, list)):
        if _is_zero(t):
            t = (0.0,) * len(x)
        return np.array([_stacked(ti, xi) for ti, xi in zip(t, x)])
    return np.broadcast_to(t, np.shape(x))


def stack_tangents(t, x, dtype=None):
    """Tangent of ``np.array(x, dtype)``: the element tangents stacked like the elements
    (the tangent itself for a float or an array); 0 for an integer `dtype`."""
    if _is_zero(t) or not inexact(dtype):
        return 0.0
    if isinstance(x, (tuple, list)):
        out = _stacked(t, x)
        return _cast_tangent(out.astype(np.result_type(out, 1.0), copy=False), dtype)
    return _cast_tangent(np.array(t, dtype=np.result_type(t, 1.0)), dtype)


def _batch_size(t):
    if isinstance(t, (tuple, list)):
        return next((k for k in (_batch_size(ti) for ti in t) if k is not None), None)
    return None if _is_zero(t) or np.ndim(t) == 0 else np.shape(t)[0]


def _all_zero(t):
    if isinstance(t, (tuple, list)):
        return all(_all_zero(ti) for ti in t)
    return _is_zero(t)


def _batch_stacked(t, x, k):
    if isinstance(x, (tuple, list)):
        if _is_zero(t):
            t = (0.0,) * len(x)
        return np.stack([_batch_stacked(ti, xi, k) for ti, xi in zip(t, x)], axis=1)
    return np.broadcast_to(t, (k,) + np.shape(x))


def batch_stack_tangents(t, x, dtype=None):
    """Batched tangent of ``np.array(x, dtype)``: element tangents (batch axis first)
    stacked."""
    if _is_zero(t) or not inexact(dtype):
        return 0.0
    if not isinstance(x, (tuple, list)):
        return _cast_tangent(np.array(t, dtype=np.result_type(t, 1.0)), dtype)
    if _all_zero(t):        # a tuple of zero tangents (0.0 each): the zero tangent
        return 0.0
    k = _batch_size(t) or 1
    out = _batch_stacked(t, x, k)
    return _cast_tangent(out.astype(np.result_type(out, 1.0), copy=False), dtype)


HELPERS = {name: obj for name, obj in globals().items()
           if callable(obj) and not name.startswith("_") and obj.__module__ == __name__}
