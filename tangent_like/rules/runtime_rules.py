"""Forward rules of the runtime helpers that generated reverse-mode code calls.

With them, forward mode applies to generated gradient code: forward-over-reverse gives
Hessian-vector products and Hessians.  Every helper is linear in the adjoint it receives
(``v``); the matrix-product adjoints are bilinear.  Parameters that only give shapes have a
zero tangent (``"0.0"``).
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .numpy_rules import DOT_SHAPES       # the operand shapes np.dot and @ are checked
from .operators import MATMUL_SHAPES      # with (see there for those the helpers get wrong)
from .registry import defrule, helper, inactive

A = lattice.ANY

# Where a helper's arguments are structured (tuples of adjoints or tangents), an index, or
# the helper updates its argument in place, the finite-difference check of verify.py cannot
# work (it perturbs only float and float-array arguments, and calls the helper repeatedly on
# the same sample).  add_at and cot_getitem are checked end to end instead: the Hessians of
# tests/test_jacobian_hessian.py (forward mode over generated gradient code, compared with
# finite differences of the gradient) run their tangent rules.
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


def _transpose_adjoint_samples(rng):
    return [{"v": rng.standard_normal((2, 3, 4)), "axes": axes}
            for axes in (None, (1, 2, 0), (2, 0, 1), (0, 2, 1))] + \
        [{"v": rng.standard_normal((2, 3)), "axes": None}]


def _log_of_samples(rng):
    """log_of(a) is log(a) for a > 0 (its value 0 at a == 0 is a convention, not smooth)."""
    return [{"a": float(rng.uniform(0.5, 2.0))}, {"a": rng.uniform(0.5, 2.0, 3)},
            {"a": rng.uniform(0.5, 2.0, (2, 3))}]


def _unpack_adjoint_samples(rng):
    """unpack_adjoint(x, parts) for ``a, b, ... = x``: `parts` is the tuple of the parts'
    adjoints; given here as an array (the helper iterates over it the same way), so that
    the check perturbs it.  `x` only gives the structure."""
    return [{"x": rng.standard_normal(3), "parts": rng.standard_normal(3)},
            {"x": rng.standard_normal((2, 3)), "parts": rng.standard_normal((2, 3))},
            {"x": (0.5, -1.0), "parts": rng.standard_normal(2)}]


def _select_adjoint_samples(rng):
    """select_adjoint(v, result, a, b, c, which) for min/max of two or three floats, with
    `which` the winner's position or not.  Only the `v` template is a real check here: the
    helper is piecewise constant in result, a, b and c (it locates the winner), and a step in
    one of them alone leaves the tie it is used at, where it is 0 on both sides.  The
    one-argument form (a tuple `a`) cannot be perturbed and is not sampled."""
    out = []
    for n in (2, 3):
        vals = [float(v) for v in rng.permutation([-1.2, 0.4, 1.1][:n])]
        abc = vals + [None] * (3 - n)
        for win in range(n):
            for which in range(n):
                out.append({"v": float(rng.standard_normal()), "result": vals[win],
                            "a": abc[0], "b": abc[1], "c": abc[2], "which": which})
    return out


def _tangent_parts_samples(rng):
    """tangent_parts(t, n): `t` the tangent of an array unpacked into n parts (a tuple
    tangent, or the zero 0.0, cannot be perturbed and is not sampled)."""
    return [{"t": rng.standard_normal(3), "n": 3}, {"t": rng.standard_normal((2, 4)), "n": 2},
            {"t": rng.standard_normal((3, 2)), "n": 3}]


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
    """batch_align(t, x, like): `t` a batched tangent of `x` (batch axis first, here 2)."""
    cases = [((3,), (2, 3)), ((), (3,)), ((), ()), ((3,), (3,)), ((4,), (2, 3, 4)),
             ((2, 3), (3,))]
    return [{"t": rng.standard_normal((2,) + sx), "x": _randn(rng, sx),
             "like": _randn(rng, sy)} for sx, sy in cases]


@helper
def broadcast_tangent(t, like):
    """Tangent `t` given the shape of the value `like` it is the tangent of.

    A tangent is shaped like its primal: the tangent of ``a + b`` for a scalar `a` (the only
    active operand) and an array `b` is ``da`` broadcast to the shape of the sum."""
    shape = np.shape(like)
    if np.shape(t) == shape:
        return t
    out = np.empty(shape, dtype=np.result_type(t, like, 1.0))
    out[...] = t
    return out


@helper
def batch_broadcast(t, like):
    """`broadcast_tangent` for a batched tangent: ``(k,) + like.shape``, batch axis first.

    The zero tangent 0.0 stays 0.0 (it broadcasts against any batch); a tangent without a
    batch axis (the same in every direction) gets a batch axis of length 1."""
    if rt.is_zero(t):
        return t
    shape = np.shape(like)
    t = np.asarray(t)
    if t.ndim == 0:
        return np.broadcast_to(t, (1,) + shape).copy()
    if t.shape[1:] == shape:
        return t
    missing = len(shape) - (t.ndim - 1)
    if missing > 0:     # the tangent of a lower-rank operand, not yet aligned
        t = t.reshape(t.shape[:1] + (1,) * missing + t.shape[1:])
    out = np.empty((t.shape[0],) + shape, dtype=np.result_type(t, like, 1.0))
    out[...] = t
    return out


@helper
def batch_add_at_aligned(dv, v, x, index):
    """Batched tangent of ``add_at(acc, x, index, v)`` in `v`: `batch_add_at_zero`, after
    aligning the batched `dv` with ``x[index]`` -- `v` may be smaller than the part it is
    added to (a scalar adjoint spread over a slice).  Only vector forward code calls it,
    which is never differentiated again: it has no rules of its own."""
    if rt.is_zero(dv):
        return 0.0
    if not isinstance(x, (tuple, list, dict)) and np.ndim(dv) > 0:
        part = np.broadcast_to(np.zeros((), dtype=bool), np.shape(x))[index]
        missing = np.ndim(part) - (np.ndim(dv) - 1)
        if missing > 0:
            dv = np.asarray(dv)
            dv = dv.reshape(dv.shape[:1] + (1,) * missing + dv.shape[1:])
    return rt.batch_add_at_zero(dv, x, index)


def _broadcast_tangent_samples(rng):
    return [{"t": _randn(rng, st), "like": _randn(rng, sl)}
            for st, sl in [((), (3,)), ((3,), (3,)), ((1, 3), (2, 3)), ((2, 1), (2, 3)),
                           ((), ())]]


def _batch_broadcast_samples(rng):
    return [{"t": rng.standard_normal((2,) + st), "like": _randn(rng, sl)}
            for st, sl in [((), (3,)), ((3,), (3,)), ((1, 3), (2, 3)), ((2, 1), (2, 3)),
                           ((), ())]]


defrule(broadcast_tangent, "t, like", kind=A, name="broadcast_tangent",
        jvp={"t": "broadcast_tangent(dt, like)", "like": "0.0"},
        jvp_batch={"t": "batch_broadcast(dt, like)"},
        samples=_broadcast_tangent_samples)
defrule(batch_broadcast, "t, like", kind=A, name="batch_broadcast",
        jvp={"t": "batch_broadcast(dt, like)", "like": "0.0"},
        samples=_batch_broadcast_samples)

inactive(rt.seed_for, kind=lattice.SCALAR)
inactive(rt.zero_tangent, kind=A)
defrule(rt.unbroadcast, "v, x", kind=A, jvp={"v": "unbroadcast(dv, x)", "x": "0.0"},
        samples=_unbroadcast_samples)
# The two terms are combined with cot_add, not +: for a tuple or list `x` both are tuples,
# which + would concatenate.
# `index` is an index (int, slice, tuple, index array), `x` may be a tuple, and `acc` is
# updated in place -- repeated calls on one sample would accumulate.
defrule(rt.add_at, "acc, x, index, v", kind=A,
        jvp={"acc": "dacc", "x": "0.0", "index": "0.0", "v": "add_at(0.0, x, index, dv)"},
        jvp_combine="cot_add", tested_by=HESSIANS)
# `v` is a tuple adjoint (of a tuple or list) and `i` an index.
defrule(rt.cot_getitem, "v, i", kind=A, jvp={"v": "cot_getitem(dv, i)", "i": "0.0"},
        tested_by=HESSIANS)
defrule(rt.cot_add, "a, b", kind=A, jvp={"a": "da", "b": "db"}, jvp_combine="cot_add")
defrule(rt.unpack_adjoint, "x, parts", kind=A,
        jvp={"x": "0.0", "parts": "unpack_adjoint(x, dparts)"},
        samples=_unpack_adjoint_samples)
defrule(rt.fill_like, "seq, v", kind=A, jvp={"seq": "0.0", "v": "fill_like(seq, dv)"})
# The parameter holding min/max's result is called `result`, not `y`, which templates
# reserve for the helper's own output.
defrule(rt.select_adjoint, "v, result, a, b, c, which", kind=A,
        jvp={"v": "select_adjoint(dv, result, a, b, c, which)", "result": "0.0", "a": "0.0",
             "b": "0.0", "c": "0.0", "which": "0.0"},
        samples=_select_adjoint_samples)
defrule(rt.sum_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "sum_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"}, samples=_reduction_adjoint_samples)
defrule(rt.mean_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "mean_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"}, samples=_reduction_adjoint_samples)
defrule(rt.dot_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_a(dv, a, b)", "a": "0.0", "b": "dot_adjoint_a(v, a, db)"},
        samples=_product_adjoint_samples(np.dot, DOT_SHAPES))
defrule(rt.dot_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_b(dv, a, b)", "a": "dot_adjoint_b(v, da, b)", "b": "0.0"},
        samples=_product_adjoint_samples(np.dot, DOT_SHAPES))
defrule(rt.matmul_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_a(dv, a, b)", "a": "0.0",
             "b": "matmul_adjoint_a(v, a, db)"},
        samples=_product_adjoint_samples(np.matmul, MATMUL_SHAPES))
defrule(rt.matmul_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_b(dv, a, b)", "a": "matmul_adjoint_b(v, da, b)",
             "b": "0.0"},
        samples=_product_adjoint_samples(np.matmul, MATMUL_SHAPES))
defrule(rt.transpose_adjoint, "v, axes=None", kind=A,
        jvp={"v": "transpose_adjoint(dv, axes)", "axes": "0.0"},
        samples=_transpose_adjoint_samples)
defrule(rt.cj, "x", kind=A, jvp={"x": "cj(dx)"}, vjp={"x": "cj(g)"})
defrule(rt.log_of, "a", kind="elementwise", jvp={"a": "da / a"}, samples=_log_of_samples)
# helpers of generated forward-mode code, for derivatives of derivatives
defrule(rt.tangent_parts, "t, n", kind=A, jvp={"t": "tangent_parts(dt, n)", "n": "0.0"},
        samples=_tangent_parts_samples)
defrule(rt.tangent_item, "t, index, batch=False", kind=A,
        jvp={"t": "tangent_item(dt, index, batch)", "index": "0.0", "batch": "0.0"},
        samples=_tangent_item_samples)
# Helpers of forward-mode templates that forward-over-reverse code calls, linear in the
# tangent they receive (the other parameters are indices, structures or dtypes).  Forward
# over that code (third derivatives, Jacobians of Hessians) runs their rules; it is never
# vector forward code, and the third derivatives of the test file below check them.
TRUST_API = "tests/test_trust_api.py"
defrule(rt.placed, "dv, index, a", kind=A, tested_by=TRUST_API,
        jvp={"dv": "placed(ddv, index, a)", "index": "0.0", "a": "0.0"})
defrule(rt.tangent_list, "t, xs", kind=A, tested_by=TRUST_API,
        jvp={"t": "tangent_list(dt, xs)", "xs": "0.0"})
defrule(rt.stack_tangents, "t, x, dtype=None", kind=A, tested_by=TRUST_API,
        jvp={"t": "stack_tangents(dt, x, dtype)", "x": "0.0", "dtype": "0.0"})
defrule(rt.sum_tangent, "dseq, seq, batch=False", kind=A, tested_by=TRUST_API,
        jvp={"dseq": "sum_tangent(ddseq, seq, batch)", "seq": "0.0", "batch": "0.0"})
# batch_align(dx, x, y) is bound as (t, x, like): a parameter named `y` would be read as
# the helper's own output by the template contract, and `dx` as the tangent of `x`.
defrule(rt.batch_align, "t, x, like", kind=A,
        jvp={"t": "batch_align(dt, x, like)", "x": "0.0", "like": "0.0"},
        samples=_batch_align_samples)

# Vector forward mode: the helpers are linear in `v`, so a batched tangent is mapped one
# direction at a time (`batch_map`).
for _rule, _template in [
        # `v` may be smaller than `x` (the zero adjoint 0.0, a scalar adjoint): align first
        (rt.unbroadcast, "batch_unbroadcast(batch_align(dv, v, x), x)"),
        (rt.add_at, "batch_add_at_aligned(dv, v, x, index)"),
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
