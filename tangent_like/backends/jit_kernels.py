"""Numba versions of the runtime kernels that array code calls (``backend="numba"``).

The runtime kernels (`tangent_like.runtime`) decide what to do from the values they get:
the zero sentinel ``0.0`` or an array, a scalar or a matrix, a tuple.  Numba decides from
types when it compiles, so each kernel here is a stub (`STUBS`) that numba compiles through
an ``overload`` choosing an implementation from the types of the arguments: a float or
an integer, a float array of any rank.  Arguments outside what a kernel's version handles
(tuples and lists, complex values, a tuple of axes, an index array) raise numba's
``TypingError`` with the reason, and the derivative runs as Python code.

`install` registers the overloads (once per process, when numba is imported).
"""
import math

import numpy as np


def _stub(name):
    def stub(*args):
        raise NotImplementedError("numba code only")
    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = f"The numba version of the runtime kernel {name}."
    return stub


NAMES = ("unbroadcast", "sum_adjoint", "mean_adjoint", "cot_add", "fdiv", "ratio_or_zero",
         "pow_slope", "log_of", "matmul_adjoint_a", "matmul_adjoint_b", "dot_adjoint_a",
         "dot_adjoint_b", "add_at", "zero_at", "item_adjoint", "cot_getitem", "fill_like",
         "select_adjoint", "transpose_adjoint", "broadcast_tangent")
STUBS = {name: _stub(name) for name in NAMES}


def install(numba):
    """Register the numba implementations of `STUBS`."""
    from numba.core import types as nt
    from numba.core.errors import TypingError
    from numba.extending import overload

    njit = numba.njit
    scalar = (nt.Float, nt.Integer, nt.Boolean)

    def is_scalar(t):
        return isinstance(t, scalar)

    def float_array(t):
        return isinstance(t, nt.Array) and isinstance(t.dtype, nt.Float)

    def absent(t):
        return t is None or isinstance(t, (nt.NoneType, nt.Omitted))

    def refuse(name, *ts):
        raise TypingError(f"the numba backend's {name} does not take "
                          f"{', '.join(str(t) for t in ts)}")

    @njit
    def kept_position(j, shape, kept):
        """The flat (C order) position, in the array of the axes `kept` of `shape`, of the
        element at flat position `j` of an array of `shape`."""
        pos = 0
        stride = 1
        for d in range(shape.shape[0] - 1, -1, -1):
            c = j % shape[d]
            j //= shape[d]
            if kept[d]:
                pos += c * stride
                stride *= shape[d]
        return pos

    @njit
    def summed_to(g, xshape):
        """`g` summed over the axes broadcasting added (leading) or stretched (size 1 in
        `xshape`): flat, in C order."""
        gshape = np.array(g.shape)
        m = gshape.shape[0]
        k = xshape.shape[0]
        off = m - k
        size = 1
        for d in range(k):
            if xshape[d] != 1 and xshape[d] != gshape[d + off]:
                raise ValueError("an adjoint does not broadcast to the shape of its value")
            size *= xshape[d]
        kept = np.zeros(m, np.bool_)
        for d in range(off, m):
            kept[d] = xshape[d - off] != 1
        flat = np.ascontiguousarray(g).ravel()
        out = np.zeros(size, flat.dtype)
        for j in range(flat.size):
            out[kept_position(j, gshape, kept)] += flat[j]
        return out

    @njit
    def spread_along(g, x, axis):
        """`g`, the adjoint of a sum of `x` along `axis`, repeated along it: x's shape."""
        nd = x.ndim
        ax = axis + nd if axis < 0 else axis
        if ax < 0 or ax >= nd:
            raise ValueError("axis out of bounds")
        xshape = np.array(x.shape)
        flat = np.ascontiguousarray(g).ravel()
        if flat.size * xshape[ax] != x.size:
            raise ValueError("the adjoint of a sum has the wrong size")
        kept = np.ones(nd, np.bool_)
        kept[ax] = False
        out = np.empty(x.size, flat.dtype)
        for j in range(x.size):
            out[j] = flat[kept_position(j, xshape, kept)]
        return out.reshape(x.shape)

    # ---------------------------------------------------------------- sums back
    @overload(STUBS["unbroadcast"])
    def _unbroadcast(g, x):
        if isinstance(g, nt.Complex) or (isinstance(g, nt.Array)
                                         and isinstance(g.dtype, nt.Complex)):
            refuse("unbroadcast", g, x)
        if is_scalar(x):
            if isinstance(g, nt.Array):
                return lambda g, x: np.sum(g)
            return lambda g, x: g
        if not float_array(x) and not (isinstance(x, nt.Array) and is_scalar(x.dtype)):
            refuse("unbroadcast", g, x)
        if is_scalar(g):
            return lambda g, x: np.full(x.shape, g)
        if not float_array(g) or g.ndim < x.ndim:
            refuse("unbroadcast", g, x)
        if g.ndim == x.ndim:
            def same_rank(g, x):
                if g.shape == x.shape:
                    return g
                stretched = g
                for d in range(x.ndim):
                    if g.shape[d] == 1 and x.shape[d] != 1:
                        stretched = g + np.zeros(x.shape, g.dtype)
                        break
                return summed_to(stretched, np.array(x.shape)).reshape(x.shape)
            return same_rank

        def higher_rank(g, x):
            return summed_to(g, np.array(x.shape)).reshape(x.shape)
        return higher_rank

    @overload(STUBS["sum_adjoint"])
    def _sum_adjoint(g, x, axis=None, keepdims=False):
        if is_scalar(x):
            return lambda g, x, axis=None, keepdims=False: g
        if not float_array(x) or not (is_scalar(g) or float_array(g)):
            refuse("sum_adjoint", g, x)
        if absent(axis):
            if not is_scalar(g):
                refuse("sum_adjoint", g, x)

            def spread(g, x, axis=None, keepdims=False):
                out = np.empty(x.shape)
                out[...] = g
                return out
            return spread
        if not isinstance(axis, nt.Integer):
            refuse("sum_adjoint (axis)", axis)
        if is_scalar(g):
            def spread_scalar(g, x, axis=None, keepdims=False):
                if x.ndim != 1:
                    raise ValueError("the adjoint of a sum has the wrong size")
                return np.full(x.shape, float(g))
            return spread_scalar

        def along(g, x, axis=None, keepdims=False):
            return spread_along(g, x, axis)
        return along

    sum_adjoint = STUBS["sum_adjoint"]

    @overload(STUBS["mean_adjoint"])
    def _mean_adjoint(g, x, axis=None, keepdims=False):
        if is_scalar(x):
            return lambda g, x, axis=None, keepdims=False: g
        if not float_array(x):
            refuse("mean_adjoint", g, x)
        if absent(axis):
            def mean_all(g, x, axis=None, keepdims=False):
                n = x.size
                return sum_adjoint(g / n if n else g * 0.0, x)
            return mean_all
        if not isinstance(axis, nt.Integer):
            refuse("mean_adjoint (axis)", axis)

        def mean_along(g, x, axis=None, keepdims=False):
            n = x.shape[axis]
            return sum_adjoint(g / n if n else g * 0.0, x, axis, keepdims)
        return mean_along

    @overload(STUBS["cot_add"])
    def _cot_add(a, b):
        for t in (a, b):
            if not (is_scalar(t) or float_array(t)):
                refuse("cot_add", a, b)
        return lambda a, b: a + b

    # ---------------------------------------------------------------- elementwise
    @overload(STUBS["fdiv"])
    def _fdiv(a, b):
        if is_scalar(a) and is_scalar(b):
            def ieee(a, b):
                if b == 0:
                    if a == 0 or a != a:
                        return math.nan
                    return math.copysign(math.inf, a) * math.copysign(1.0, b)
                return a / b
            return ieee
        return lambda a, b: a / b       # (arrays divide as NumPy does: inf, nan)

    @overload(STUBS["ratio_or_zero"])
    def _ratio_or_zero(a, b):
        if is_scalar(a) and is_scalar(b):
            return lambda a, b: a / b if b != 0 else 0.0

        def where(a, b):
            zero = b == 0
            return np.where(zero, 0.0, a / np.where(zero, 1.0, b))
        return where

    @overload(STUBS["pow_slope"])
    def _pow_slope(a, b, power=None):
        if not absent(power):
            refuse("pow_slope (power)", power)
        if is_scalar(a) and is_scalar(b):
            def scalar_slope(a, b, power=None):
                if b == 0:
                    return 0.0
                if a == 0:
                    return 1.0 if b == 1 else 0.0 if b > 1 else b * math.inf
                return b * float(a) ** (b - 1.0)
            return scalar_slope
        for t in (a, b):
            if not (is_scalar(t) or float_array(t)):
                refuse("pow_slope", a, b)

        def array_slope(a, b, power=None):
            return np.where(np.equal(b, 0), 0.0, b * np.power(a, np.subtract(b, 1.0)))
        return array_slope

    @overload(STUBS["log_of"])
    def _log_of(a):
        if is_scalar(a):
            def scalar_log(a):
                return math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
            return scalar_log
        if not float_array(a):
            refuse("log_of", a)

        def array_log(a):
            zero = a == 0
            return np.where(zero, 0.0, np.log(np.where(zero, 1.0, a)))
        return array_log

    # ---------------------------------------------------------------- products
    def product_adjoint(name, of_a, dot):
        """The adjoint of a @ b (np.dot: `dot`) for float operands of rank 1 or 2 (and
        scalars, for np.dot), with respect to a (`of_a`) or b."""
        def typer(g, a, b):
            ranks = []
            for t in (a, b):
                if float_array(t) and t.ndim in (1, 2):
                    ranks.append(t.ndim)
                elif dot and is_scalar(t):
                    ranks.append(0)
                else:
                    refuse(name, g, a, b)
            result_rank = max(0, ranks[0] + ranks[1] - 2) if 0 not in ranks else sum(ranks)
            if not ((result_rank == 0 and is_scalar(g))
                    or (float_array(g) and g.ndim == result_rank)):
                refuse(name, g, a, b)
            return _product_impl(ranks, of_a)
        return typer

    for name, of_a, dot in (("matmul_adjoint_a", True, False),
                            ("matmul_adjoint_b", False, False),
                            ("dot_adjoint_a", True, True), ("dot_adjoint_b", False, True)):
        overload(STUBS[name])(product_adjoint(name, of_a, dot))

    @overload(STUBS["transpose_adjoint"])
    def _transpose_adjoint(g, axes=None):
        if float_array(g) and absent(axes):
            return lambda g, axes=None: np.ascontiguousarray(np.transpose(g))
        refuse("transpose_adjoint", g, axes)

    @overload(STUBS["broadcast_tangent"])
    def _broadcast_tangent(t, like):
        if is_scalar(like) and is_scalar(t):
            return lambda t, like: t
        if not (float_array(like) or isinstance(like, nt.Array)) or not (
                is_scalar(t) or (float_array(t) and t.ndim <= like.ndim)):
            refuse("broadcast_tangent", t, like)
        if is_scalar(t):
            return lambda t, like: np.full(like.shape, float(t))

        def stretched(t, like):
            out = t + np.zeros(like.shape)
            if out.shape != like.shape:
                raise ValueError("a tangent does not broadcast to the shape of its value")
            return out
        return stretched

    # ---------------------------------------------------------------- items
    def index_ok(index):
        parts = index.types if isinstance(index, nt.BaseTuple) else (index,)
        return all(isinstance(p, (nt.Integer, nt.SliceType)) for p in parts)

    @overload(STUBS["add_at"])
    def _add_at(bx, x, index, g):
        if not float_array(x) or not index_ok(index) or not (is_scalar(g) or float_array(g)):
            refuse("add_at", x, index, g)
        if is_scalar(bx):
            def into_zeros(bx, x, index, g):
                out = np.zeros(x.shape)
                out[index] += g
                return out
            return into_zeros
        if not float_array(bx):
            refuse("add_at", bx)

        def into_copy(bx, x, index, g):
            out = bx.copy()         # (`bx` may be shared with other adjoints)
            out[index] += g
            return out
        return into_copy

    @overload(STUBS["zero_at"])
    def _zero_at(g, index):
        if not float_array(g) or not index_ok(index):
            refuse("zero_at", g, index)

        def zeroed(g, index):
            out = g.copy()
            out[index] = 0.0
            return out
        return zeroed

    @overload(STUBS["item_adjoint"])
    def _item_adjoint(g, index, v):
        if not float_array(g) or not index_ok(index) or not (is_scalar(v) or float_array(v)):
            refuse("item_adjoint", g, index, v)
        unbroadcast = STUBS["unbroadcast"]
        return lambda g, index, v: unbroadcast(g[index], v)

    @overload(STUBS["cot_getitem"])
    def _cot_getitem(g, i):
        if float_array(g) and index_ok(i):
            return lambda g, i: g[i]
        refuse("cot_getitem", g, i)

    @overload(STUBS["fill_like"])
    def _fill_like(seq, g):
        if float_array(seq) and seq.ndim == 1 and is_scalar(g):
            return lambda seq, g: np.full(seq.shape, float(g))
        refuse("fill_like", seq, g)

    @overload(STUBS["select_adjoint"])
    def _select_adjoint(g, y, a, b, c, which):
        if not (is_scalar(g) and is_scalar(y) and is_scalar(a) and is_scalar(b)
                and (absent(c) or is_scalar(c))):
            refuse("select_adjoint (min or max of several values)", a, b, c)
        if absent(c):
            def of_two(g, y, a, b, c, which):
                first = 0 if a == y else 1 if b == y else -1
                return g if first == which else 0.0 * g
            return of_two

        def of_three(g, y, a, b, c, which):
            first = 0 if a == y else 1 if b == y else 2 if c == y else -1
            return g if first == which else 0.0 * g
        return of_three


def _product_impl(ranks, of_a):
    """The adjoint of a product for operands of `ranks` (0: a scalar of np.dot)."""
    ra, rb = ranks
    if ra == 0 or rb == 0:         # np.dot with a scalar: a product
        if of_a:
            return (lambda g, a, b: np.sum(g * b)) if ra == 0 else (lambda g, a, b: g * b)
        return (lambda g, a, b: np.sum(g * a)) if rb == 0 else (lambda g, a, b: g * a)
    if of_a:
        return {(1, 1): lambda g, a, b: g * b,
                (2, 1): lambda g, a, b: np.outer(g, b),
                (1, 2): lambda g, a, b: np.dot(np.ascontiguousarray(b), g),
                (2, 2): lambda g, a, b: np.dot(np.ascontiguousarray(g),
                                               np.ascontiguousarray(b.T))}[ra, rb]
    return {(1, 1): lambda g, a, b: g * a,
            (2, 1): lambda g, a, b: np.dot(np.ascontiguousarray(a.T), g),
            (1, 2): lambda g, a, b: np.outer(a, g),
            (2, 2): lambda g, a, b: np.dot(np.ascontiguousarray(a.T),
                                           np.ascontiguousarray(g))}[ra, rb]
