"""The zero sentinel, the complex convention and the adjoint bookkeeping every sweep uses.

Zero.  An adjoint or tangent nothing has flowed into is the float ``0.0`` (or None): the
*zero sentinel* of `is_zero`.  Adjoints start as ``0.0`` and take the shape of what flows
into them, so kernels accept ``0.0`` wherever an adjoint or a tangent is expected; `dense`
and `dense_cotangent` turn it into zeros of a shape where an array is needed.  Tuple and
list adjoints are tuples.

Complex values.  Derivatives follow the real inner product ``Re <g, y> = Re sum(conj(g) y)``:
the adjoint of a complex value ``z`` is ``dL/dRe z + 1j dL/dIm z`` and the adjoint of a real
value is real (`re_like`).  A holomorphic ``y = f(z)`` then has the adjoint
``g * conj(f'(z))`` and the tangent ``f'(z) dz``; a real-valued function of complex values
(``abs``, ``np.var``...) has the adjoint ``g * w`` and the tangent ``Re(conj(w) dz)``
(`inner_mul`), where ``w`` is its derivative in the same convention.  Tangents are complex
exactly where the values are.
"""
import math
import os
import sys
import warnings

import numpy as np

from ..errors import DerivativeUsageError, KinkError, KinkWarning, NoDerivativeError
from .kernels import kernel


# ----------------------------------------------------------------------- the zero sentinel
@kernel
def is_zero(v):
    """Is `v` the zero sentinel: an adjoint or a tangent nothing has flowed into?

    The sentinel is the float ``0.0`` -- also as a NumPy float64, which is what it becomes
    through a template with a float64 operand (``0.0 * np.float64(2.0)``) -- or None.  Not
    the sentinel: the int ``0`` (an integer value, such as an index), 0-d arrays and arrays
    of zeros (values that happen to be zero: they keep their shape and dtype), complex and
    float32 zeros, tuples of zeros."""
    return v is None or (isinstance(v, float) and v == 0.0)


def float_dtype(x):
    """The floating dtype derivatives of `x` have (float32 stays float32, ints give
    float64)."""
    return np.result_type(np.asarray(x).dtype, 1.0)


def cotangent_dtype(v, x):
    """The dtype of an adjoint of `x` made from the cotangent `v`: x's floating dtype,
    widened by v's (Python floats are weak: a float32 x keeps float32)."""
    return np.result_type(float_dtype(x), v)


def float_zeros(shape, *like):
    """Zeros of `shape` in the floating dtype of the values `like` (at least float64 for
    Python scalars and ints)."""
    return np.zeros(shape, dtype=np.result_type(*like, 1.0))


def zeros_like_cotangent(v, x):
    """Zeros shaped like `x`: the adjoint of `x` when its cotangent `v` is a scalar zero."""
    return np.zeros(np.shape(x), dtype=cotangent_dtype(v, x))


def dense(v, shape):
    """Cotangent `v` (possibly the zero sentinel, or broadcastable) as an array of
    `shape`."""
    if isinstance(v, np.ndarray) and v.shape == tuple(shape):
        return v
    if v is None:
        v = 0.0
    return np.zeros(shape, dtype=np.result_type(v, 1.0)) + v


@kernel
def adjoint_zeros(x):
    """The adjoint accumulator of the array `x`, updated in place by the adjoint sweep:
    ``np.zeros_like(x)``, made quicker for a NumPy array in C order (Dask arrays, subclasses
    and other orders keep what ``np.zeros_like`` gives)."""
    if type(x) is np.ndarray and x.flags.c_contiguous:
        return np.zeros(x.shape, x.dtype)
    return np.zeros_like(x)


@kernel
def dense_cotangent(v, like):
    """Cotangent `v` as an array shaped like `like` (``0.0`` becomes zeros); cotangents of
    lists and tuples pass through."""
    if isinstance(v, (tuple, list, dict)) or isinstance(like, (tuple, list, dict)):
        return v
    shape = np.shape(like)
    if isinstance(v, np.ndarray) and v.shape == shape:
        return v
    if shape == () and not isinstance(v, np.ndarray):
        return v
    return dense(v, shape)


@kernel
def tangent_call(fn, pos, *args):
    """``fn(*args)`` for the tangent ``args[pos]`` of a linear function: 0.0 stays 0.0 (a
    zero tangent may be the float 0.0, which `fn` may not accept)."""
    if is_zero(args[pos]):
        return 0.0
    return fn(*args)


# -------------------------------------------------------------------------- complex values
@kernel
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


@kernel
def re_like(v, x):
    """Adjoint (or tangent) `v` of the value `x`: its real part when `x` is real.  A real
    value reached by a complex one (``x + 1j``, ``x * z``) only feels the real part."""
    if type(v) is np.ndarray and v.dtype.kind != "c":
        return v            # (the common case first: a real array)
    if is_complex(v) and not is_complex(x):
        return np.array(v.real) if isinstance(v, np.ndarray) else v.real
    return v


@kernel
def inner_mul(w, d):
    """``Re(conj(w) d)``: the tangent of a real-valued function of complex values whose
    derivative, in the adjoint convention, is `w` (``w * d`` for real values)."""
    if is_complex(w) or is_complex(d):
        return np.real(np.conj(w) * d)
    return w * d


@kernel
def refuse_complex(name, value, result):
    """`result`, unless `value` is complex: the derivative rule of `name` is for real values
    only (a silently wrong derivative is worse than none)."""
    if is_complex(value):
        raise NoDerivativeError(f"{name}: its derivative rule supports real values only, "
                                "and this call has complex ones",
                                hint="keep the argument real, or write the function with "
                                     "primitives that support complex values")
    return result


@kernel
def refuse_tangent(name, param, tangent):
    """The zero tangent 0.0, unless `tangent` (of the argument `param` of `name`, which has
    no derivative rule) is not zero: in generated gradient code differentiated again, the
    values that come back from the record count as differentiated, and most are
    constants there."""
    if not is_zero(tangent) and np.any(tangent != 0):
        raise NoDerivativeError(f"{name} has no derivative with respect to its argument "
                                f"{param!r}", hint="pass a constant there")
    return 0.0


def foreign_array(x):
    """Is `x` an array of another library that NumPy dispatches to (Dask, CuPy...)?  Such
    an array is written functionally (a new array with the part replaced), never with
    ``ufunc.at`` or by turning it into a NumPy array."""
    return not isinstance(x, np.ndarray) and hasattr(x, "__array_function__")


def lazy_array(x):
    """Is `x` an array of a library that builds a graph instead of computing (Dask):
    it has no in-place writes or ``ufunc.at``, and must not be turned into a NumPy array
    (that would gather it)?"""
    return hasattr(x, "__dask_graph__")


@kernel
def cj(x):
    """The complex conjugate of complex values; real values unchanged (no copy)."""
    if type(x) is float:
        return x
    if getattr(x, "dtype", None) is not None:
        return np.conj(x) if x.dtype.kind == "c" else x
    return x.conjugate() if isinstance(x, complex) else x


# -------------------------------------------------------------------------------- adjoints
@kernel
def unbroadcast(g, x):
    """Sum adjoint `g` over the axes NumPy broadcasting added or stretched to match `x`;
    its real part when `x` is real (`re_like`)."""
    if type(g) is np.ndarray and type(x) is np.ndarray:
        gshape, xshape = g.shape, x.shape
        if gshape == xshape:
            if g.dtype.kind != "c" or x.dtype.kind == "c":
                return g    # (the common case first: nothing to sum, nothing to drop)
        elif 0 < len(xshape) < len(gshape) and gshape[len(gshape) - len(xshape):] == xshape \
                and g.dtype.kind == "f":
            # (next: a bias added to every row, summed over the leading axes)
            extra = len(gshape) - len(xshape)
            return np.add.reduce(g, 0 if extra == 1 else tuple(range(extra)))
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


@kernel
def cot_getitem(g, i):
    """Part `i` of a tuple adjoint (or key `i` of a dict adjoint) that may still be the zero
    ``0.0``."""
    if isinstance(g, (tuple, list)):
        return g[i]
    if isinstance(g, dict):
        return g.get(i, 0.0)
    if isinstance(g, np.ndarray):
        return g[i]
    return 0.0


@kernel
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
        if is_zero(b):
            return a
        if is_zero(a):
            return b
        # an array adjoint of a sequence (from np.sum(xs), np.array(xs)): one row each
        a = a if isinstance(a, (tuple, list)) else tuple(np.asarray(a))
        b = b if isinstance(b, (tuple, list)) else tuple(np.asarray(b))
        return tuple(cot_add(x, y) for x, y in zip(a, b))
    return a + b


@kernel
def seed_for(value):
    """The seed 1.0 of a gradient; refuses outputs that are not scalars.  An array of one
    element (``np.sum(x, keepdims=True)``) is a scalar in an array: its seed is ones of its
    shape, as PyTorch's ``backward`` takes one-element tensors."""
    t = type(value)
    if t is float or t is np.float64:
        return 1.0
    if isinstance(value, np.ndarray) and value.ndim and value.size == 1:
        return np.ones(value.shape, dtype=np.result_type(value, 1.0))
    if np.ndim(value) != 0 or isinstance(value, (tuple, list)):
        raise DerivativeUsageError(
            f"grad needs a function with a scalar output; this one returned a value of "
            f"shape {np.shape(value)} -- use tangent_like.vjp(f, *args) for non-scalar "
            "outputs, or reduce the output to a scalar")
    return 1.0


@kernel
def zero_tangent(value):
    """The zero tangent of `value`: 0.0 for scalars, zeros for arrays, a tuple for tuples."""
    if isinstance(value, (tuple, list)):
        return tuple(zero_tangent(v) for v in value)
    if isinstance(value, np.ndarray) and value.ndim:
        return np.zeros(value.shape, dtype=np.result_type(value, 1.0))
    return 0.0


@kernel
def constants(values):
    """Values recorded by a sweep that carry no derivative (integers, branch decisions,
    constant arrays), as they went in: marks them constant for the next transformation."""
    return values


@kernel
def kink(condition, where, primitive, convention, mode):
    """Report a non-differentiable point reached by the evaluation (kinks="warn"/"raise")."""
    if not np.any(condition):
        return
    message = (f"{where}: {primitive} evaluated at a non-differentiable point; "
               f"convention: {convention or 'one-sided derivative'}")
    if mode == "raise":
        raise KinkError(message)
    warnings.warn(message, KinkWarning, stacklevel=caller_level())


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def caller_level():
    """The `stacklevel` of the first frame outside generated code and tangent_like: a
    warning is reported at the user's call of the derivative."""
    frame, level = sys._getframe(1), 1
    while frame is not None and (frame.f_code.co_filename.startswith("<tangent_like generated")
                                 or frame.f_code.co_filename.startswith(_PACKAGE)):
        frame, level = frame.f_back, level + 1
    return level


# ------------------------------------------------------------------------- checkpointing
@kernel
def checkpoint_every(n, scheme):
    """The iterations between two snapshots of a checkpointed loop of `n` iterations:
    about sqrt(n) for "sqrt", n / k for k snapshots."""
    if n <= 0:
        return 1
    if scheme == "sqrt":
        return max(1, math.isqrt(n - 1) + 1)
    return max(1, -(-n // scheme))


@kernel
def range_part(r, start, size):
    """Iterations ``start`` to ``start + size`` of range `r` (a range)."""
    return r[start:start + size]


@kernel
def binomial_schedule(n, snapshots, block=8):
    """The actions that reverse a loop of `n` iterations keeping at most `snapshots` states
    besides its first (Griewank's binomial checkpointing, as in his revolve): with `s`
    snapshots and `r` sweeps, ``C(s + r, s)`` iterations can be reversed, so the sweeps grow
    like the logarithm of `n`.  Each action is ``(what, first, count)``:

    ``("restore", 0, 0)``   the state of the newest snapshot (the first state if none)
    ``("advance", i, k)``   run iterations i ... i + k - 1 without recording
    ``("store", 0, 0)``     keep the state as a snapshot
    ``("forget", 0, 0)``    drop the newest snapshot
    ``("reverse", i, k)``   run iterations i ... i + k - 1 recording, then their adjoint

    The schedule is over blocks of `block` iterations (the last may be shorter), reversed
    a block at a time: the record of one block beside the snapshots.
    """
    blocks = -(-n // block) if n > 0 else 0
    for what, first, count in _reverse_steps(0, blocks, snapshots):
        if what in ("advance", "reverse"):
            start = first * block
            yield what, start, min(count * block, n - start)
        else:
            yield what, first, count


def _reverse_steps(start, end, s):
    # the newest snapshot (or the first state) holds the state at `start`
    while end > start:
        n = end - start
        if n == 1:
            yield ("restore", 0, 0)
            yield ("reverse", start, 1)
            return
        if s == 0:
            yield ("restore", 0, 0)
            yield ("advance", start, n - 1)
            yield ("reverse", end - 1, 1)
            end -= 1
            continue
        r = 1
        while math.comb(s + r, s) < n:
            r += 1
        right = min(math.comb(s - 1 + r, s - 1), n - 1)     # reversed with s - 1 snapshots
        middle = end - right
        yield ("restore", 0, 0)
        yield ("advance", start, middle - start)
        yield ("store", 0, 0)
        yield from _reverse_steps(middle, end, s - 1)
        yield ("forget", 0, 0)
        end = middle
