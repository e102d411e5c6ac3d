"""Forward rules of the runtime helpers that generated reverse-mode code calls.

With them, forward mode applies to generated gradient code: forward-over-reverse gives
Hessian-vector products and Hessians.  Every helper is linear in the adjoint it receives
(``v``); the matrix-product adjoints are bilinear.  Parameters that only give shapes have a
zero tangent (``"0.0"``).
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive

A = lattice.ANY

# Where a helper's arguments are structured (tuples of adjoints or tangents), an index, or
# the helper updates its argument in place, the finite-difference check of verify.py cannot
# work (it perturbs only float and float-array arguments, and calls the helper repeatedly on
# the same sample).  Those helpers are checked end to end instead: Hessians (forward mode
# over generated gradient code) run them and are compared with finite differences.
HESSIANS = "tests/test_jacobian_hessian.py"


def _randn(rng, shape):
    return float(rng.standard_normal()) if shape == () else rng.standard_normal(shape)


def _unbroadcast_samples(rng):
    pairs = [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 3), ()),
             ((4,), (4,)), ((2, 3, 4), (3, 1))]
    return [{"v": _randn(rng, sv), "x": _randn(rng, sx)} for sv, sx in pairs]


def _reduction_adjoint_samples(rng):
    """sum_adjoint / mean_adjoint(v, x, axis, keepdims): `v` shaped like the reduced `x`."""
    out = []
    for shape, axis in [((2, 3), None), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1),
                        ((2, 3, 4), (0, 2)), ((2, 3, 4), -2), ((4,), None), ((4,), 0),
                        ((), None)]:
        x = _randn(rng, shape)
        for keepdims in (False, True):
            v = _randn(rng, np.shape(np.sum(x, axis=axis, keepdims=keepdims)))
            out.append({"v": v, "x": x, "axis": axis, "keepdims": keepdims})
    return out


def _product_adjoint_samples(op, pairs):
    """dot/matmul adjoints(v, a, b): `v` shaped like ``op(a, b)``."""
    def samples(rng):
        out = []
        for sa, sb in pairs:
            a, b = _randn(rng, sa), _randn(rng, sb)
            out.append({"v": _randn(rng, np.shape(op(a, b))), "a": a, "b": b})
        return out
    return samples


# The shapes np.dot / @ are checked with in numpy_rules.py / operators.py (see there for the
# operand shapes the adjoint helpers get wrong).
_DOT_SHAPES = [((), (3,)), ((2, 3), ()), ((), ()), ((3,), (3,)), ((2, 3), (3,)),
               ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3,))]
_MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                  ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
                  ((2, 1, 3), (2, 3, 2))]


def _transpose_adjoint_samples(rng):
    return [{"v": rng.standard_normal((2, 3, 4)), "axes": axes}
            for axes in (None, (1, 2, 0), (2, 0, 1), (0, 2, 1))] + \
        [{"v": rng.standard_normal((2, 3)), "axes": None}]


def _log_of_samples(rng):
    """log_of(a) is log(a) for a > 0 (its value 0 at a == 0 is a convention, not smooth)."""
    return [{"a": float(rng.uniform(0.5, 2.0))}, {"a": rng.uniform(0.5, 2.0, 3)},
            {"a": rng.uniform(0.5, 2.0, (2, 3))}]


def _tangent_item_samples(rng):
    """tangent_item(t, index, batch): `t` an array tangent (a leading batch axis when batch);
    the integer, tuple and slice indices are fixed, only `t` is perturbed."""
    t3, t23, t234 = (rng.standard_normal(s) for s in ((3,), (2, 3), (2, 3, 4)))
    return [{"t": t3, "index": 1, "batch": False},
            {"t": t23, "index": (1, 2), "batch": False},
            {"t": t23, "index": slice(0, 2), "batch": False},
            {"t": t23, "index": 2, "batch": True},
            {"t": t234, "index": (1, 3), "batch": True},
            {"t": t234, "index": slice(1, 3), "batch": True}]


def _batch_align_samples(rng):
    """batch_align(dx, x, y): `dx` a batched tangent of `x` (batch axis first, here 2)."""
    cases = [((3,), (2, 3)), ((), (3,)), ((), ()), ((3,), (3,)), ((4,), (2, 3, 4)),
             ((2, 3), (3,))]
    return [{"dx": rng.standard_normal((2,) + sx), "x": _randn(rng, sx), "y": _randn(rng, sy)}
            for sx, sy in cases]

inactive(rt.seed_for, kind=lattice.SCALAR)
inactive(rt.zero_tangent, kind=A)
defrule(rt.unbroadcast, "v, x", kind=A, jvp={"v": "unbroadcast(dv, x)", "x": "0.0"},
        samples=_unbroadcast_samples)
# `index` is an index (int, slice, tuple, index array), `x` may be a tuple, and `acc` is
# updated in place -- repeated calls on one sample would accumulate.
defrule(rt.add_at, "acc, x, index, v", kind=A,
        jvp={"acc": "dacc", "x": "0.0", "index": "0.0", "v": "add_at(0.0, x, index, dv)"},
        tested_by=HESSIANS)
# `v` is a tuple adjoint (of a tuple or list) and `i` an index.
defrule(rt.cot_getitem, "v, i", kind=A, jvp={"v": "cot_getitem(dv, i)", "i": "0.0"},
        tested_by=HESSIANS)
defrule(rt.cot_add, "a, b", kind=A, jvp={"a": "da", "b": "db"}, jvp_combine="cot_add")
# `parts` is a tuple of adjoints (and `x` may be a tuple).
defrule(rt.unpack_adjoint, "x, parts", kind=A,
        jvp={"x": "0.0", "parts": "unpack_adjoint(x, dparts)"}, tested_by=HESSIANS)
defrule(rt.fill_like, "seq, v", kind=A, jvp={"seq": "0.0", "v": "fill_like(seq, dv)"})
defrule(rt.select_adjoint, "v, y, a, b, c, which", kind=A,
        jvp={"v": "select_adjoint(dv, y, a, b, c, which)", "y": "0.0", "a": "0.0",
             "b": "0.0", "c": "0.0", "which": "0.0"},
        # `which` is an index, `a` may be a tuple (max(seq)), and the result depends on the
        # equality y == a/b/c, which any finite-difference step in y, a, b or c breaks.
        tested_by=HESSIANS)
defrule(rt.sum_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "sum_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"}, samples=_reduction_adjoint_samples)
defrule(rt.mean_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "mean_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"}, samples=_reduction_adjoint_samples)
defrule(rt.dot_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_a(dv, a, b)", "a": "0.0", "b": "dot_adjoint_a(v, a, db)"},
        samples=_product_adjoint_samples(np.dot, _DOT_SHAPES))
defrule(rt.dot_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_b(dv, a, b)", "a": "dot_adjoint_b(v, da, b)", "b": "0.0"},
        samples=_product_adjoint_samples(np.dot, _DOT_SHAPES))
defrule(rt.matmul_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_a(dv, a, b)", "a": "0.0",
             "b": "matmul_adjoint_a(v, a, db)"},
        samples=_product_adjoint_samples(np.matmul, _MATMUL_SHAPES))
defrule(rt.matmul_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_b(dv, a, b)", "a": "matmul_adjoint_b(v, da, b)",
             "b": "0.0"},
        samples=_product_adjoint_samples(np.matmul, _MATMUL_SHAPES))
defrule(rt.transpose_adjoint, "v, axes=None", kind=A,
        jvp={"v": "transpose_adjoint(dv, axes)", "axes": "0.0"},
        samples=_transpose_adjoint_samples)
defrule(rt.log_of, "a", kind="elementwise", jvp={"a": "da / a"}, samples=_log_of_samples)
# helpers of generated forward-mode code, for derivatives of derivatives
# `t` is the tangent of a value unpacked into `n` parts (a tuple, or 0.0) and the result is
# a tuple.
defrule(rt.tangent_parts, "t, n", kind=A, jvp={"t": "tangent_parts(dt, n)", "n": "0.0"},
        tested_by=HESSIANS)
defrule(rt.tangent_item, "t, index, batch=False", kind=A,
        jvp={"t": "tangent_item(dt, index, batch)", "index": "0.0", "batch": "0.0"},
        samples=_tangent_item_samples)
defrule(rt.batch_align, "dx, x, y", kind=A,
        jvp={"dx": "batch_align(ddx, x, y)", "x": "0.0", "y": "0.0"},
        samples=_batch_align_samples)

# Vector forward mode: the helpers are linear in `v`, so a batched tangent is mapped one
# direction at a time (`batch_map`).
for _rule, _template in [
        (rt.unbroadcast, "batch_map(unbroadcast, dv, x)"),
        (rt.add_at, "batch_map(add_at_zero, dv, x, index)"),
        (rt.unpack_adjoint, None),
        (rt.fill_like, "batch_map(fill_like_v, dv, seq)"),
        (rt.sum_adjoint, "batch_map(sum_adjoint, dv, x, axis, keepdims)"),
        (rt.mean_adjoint, "batch_map(mean_adjoint, dv, x, axis, keepdims)"),
        (rt.dot_adjoint_a, "batch_map(dot_adjoint_a, dv, a, b)"),
        (rt.dot_adjoint_b, "batch_map(dot_adjoint_b, dv, a, b)"),
        (rt.matmul_adjoint_a, "batch_map(matmul_adjoint_a, dv, a, b)"),
        (rt.matmul_adjoint_b, "batch_map(matmul_adjoint_b, dv, a, b)"),
        (rt.transpose_adjoint, "batch_map(transpose_adjoint, dv, axes)")]:
    from .registry import lookup as _lookup
    _r = _lookup(_rule)
    if _template is not None:
        _r.jvp_batch["v"] = _template
_lookup(rt.unpack_adjoint).jvp_batch["parts"] = "batch_unpack(x, dparts)"
_lookup(rt.dot_adjoint_a).jvp_batch["b"] = "batch_map2(dot_adjoint_a, v, a, db, 2)"
_lookup(rt.dot_adjoint_b).jvp_batch["a"] = "batch_map2(dot_adjoint_b, v, da, b, 1)"
_lookup(rt.matmul_adjoint_a).jvp_batch["b"] = "batch_map2(matmul_adjoint_a, v, a, db, 2)"
_lookup(rt.matmul_adjoint_b).jvp_batch["a"] = "batch_map2(matmul_adjoint_b, v, da, b, 1)"
