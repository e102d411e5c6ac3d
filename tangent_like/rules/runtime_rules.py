"""Forward rules of the runtime kernels that generated code calls (`tangent_like.runtime.core`,
`structures`, `batch`; the kernels of one family of primitives have theirs next to the
primitives' rules).

With them, forward mode applies to generated gradient code: forward-over-reverse gives
Hessian-vector products and Hessians.  Every helper is linear in the adjoint it receives
(``v``); the matrix-product adjoints are bilinear.  Parameters that only give shapes have a
zero tangent (``"0.0"``).
"""
from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive
from .samples import kernels as samples

A = lattice.ANY

# Vector forward mode (``jvp_batch``): the kernels are linear in `v`, so a batched tangent is
# mapped one direction at a time (`batch_map`; `batch_map2` for the operand of a bilinear
# kernel).
#
# Where a helper's arguments are structured (tuples of adjoints or tangents), an index, or
# the helper updates its argument in place, the finite-difference check of verify.py cannot
# work (it perturbs only float and float-array arguments, and calls the helper repeatedly on
# the same sample).  add_at and cot_getitem are checked end to end instead: the Hessians of
# tests/test_jacobian_hessian.py (forward mode over generated gradient code, compared with
# finite differences of the gradient) run their tangent rules.
HESSIANS = "tests/test_jacobian_hessian.py"


defrule(rt.broadcast_tangent, "t, like", kind=A, name="broadcast_tangent",
        jvp={"t": "broadcast_tangent(dt, like)", "like": "0.0"},
        jvp_batch={"t": "batch_broadcast(dt, like)"},
        samples=samples.broadcast_tangent)
defrule(rt.batch_broadcast, "t, like", kind=A, name="batch_broadcast",
        jvp={"t": "batch_broadcast(dt, like)", "like": "0.0"},
        samples=samples.batch_broadcast)

# the seed of a one-element array output is ones of its shape
inactive(rt.seed_for, params="value",
         kind=lambda kinds, bound: lattice.SCALAR if lattice.is_scalar(kinds.get("value"))
         else kinds.get("value", A))
inactive(rt.zero_tangent, kind=A)
# the bookkeeping of checkpointed loops (ranges, counts, actions): code differentiated
# again (Hessians of a function with a checkpointed loop) treats them as constants
inactive(rt.checkpoint_every, kind=lattice.INT)
inactive(rt.range_part)
inactive(rt.binomial_schedule)
# `v` may be smaller than `x` (the zero adjoint 0.0, a scalar adjoint): aligned first
defrule(rt.unbroadcast, "v, x", kind=A, jvp={"v": "unbroadcast(dv, x)", "x": "0.0"},
        jvp_batch={"v": "batch_unbroadcast(batch_align(dv, v, x), x)"},
        samples=samples.unbroadcast)
# The two terms are combined with cot_add, not +: for a tuple or list `x` both are tuples,
# which + would concatenate.
# `index` is an index (int, slice, tuple, index array), `x` may be a tuple, and `acc` is
# updated in place -- repeated calls on one sample would accumulate.
defrule(rt.add_at, "acc, x, index, v", kind=A,
        jvp={"acc": "dacc", "x": "0.0", "index": "0.0", "v": "add_at(0.0, x, index, dv)"},
        jvp_batch={"v": "batch_add_at_aligned(dv, v, x, index)"},
        jvp_combine="cot_add", tested_by=HESSIANS)
# `v` is a tuple adjoint (of a tuple or list) and `i` an index.
defrule(rt.cot_getitem, "v, i", kind=A, jvp={"v": "cot_getitem(dv, i)", "i": "0.0"},
        tested_by=HESSIANS)
defrule(rt.cot_add, "a, b", kind=A, jvp={"a": "da", "b": "db"}, jvp_combine="cot_add",
        jvp_batch={"a": "batch_cot_term(da, a, y)", "b": "batch_cot_term(db, b, y)"})
defrule(rt.unpack_adjoint, "x, parts", kind=A,
        jvp={"x": "0.0", "parts": "unpack_adjoint(x, dparts)"},
        jvp_batch={"parts": "batch_unpack(x, dparts)"}, samples=samples.unpack_adjoint)
defrule(rt.fill_like, "seq, v", kind=A, jvp={"seq": "0.0", "v": "fill_like(seq, dv)"},
        jvp_batch={"v": "batch_map(fill_like_v, dv, seq)"})
# The parameter holding min/max's result is called `result`, not `y`, which templates
# reserve for the helper's own output.
defrule(rt.select_adjoint, "v, result, a, b, c, which", kind=A,
        jvp={"v": "select_adjoint(dv, result, a, b, c, which)", "result": "0.0", "a": "0.0",
             "b": "0.0", "c": "0.0", "which": "0.0"},
        samples=samples.select_adjoint)
defrule(rt.sum_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "sum_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"},
        jvp_batch={"v": "batch_map(sum_adjoint, dv, x, axis, keepdims)"},
        samples=samples.reduction_adjoint)
defrule(rt.mean_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "mean_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"},
        jvp_batch={"v": "batch_map(mean_adjoint, dv, x, axis, keepdims)"},
        samples=samples.reduction_adjoint)
defrule(rt.dot_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_a(dv, a, b)", "a": "0.0", "b": "dot_adjoint_a(v, a, db)"},
        jvp_batch={"v": "batch_map(dot_adjoint_a, dv, a, b)",
                   "b": "batch_map2(dot_adjoint_a, v, a, db, 2)"},
        samples=samples.dot_adjoint)
defrule(rt.dot_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_b(dv, a, b)", "a": "dot_adjoint_b(v, da, b)", "b": "0.0"},
        jvp_batch={"v": "batch_map(dot_adjoint_b, dv, a, b)",
                   "a": "batch_map2(dot_adjoint_b, v, da, b, 1)"},
        samples=samples.dot_adjoint)
defrule(rt.matmul_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_a(dv, a, b)", "a": "0.0",
             "b": "matmul_adjoint_a(v, a, db)"},
        jvp_batch={"v": "batch_map(matmul_adjoint_a, dv, a, b)",
                   "b": "batch_map2(matmul_adjoint_a, v, a, db, 2)"},
        samples=samples.matmul_adjoint)
defrule(rt.matmul_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_b(dv, a, b)", "a": "matmul_adjoint_b(v, da, b)",
             "b": "0.0"},
        jvp_batch={"v": "batch_map(matmul_adjoint_b, dv, a, b)",
                   "a": "batch_map2(matmul_adjoint_b, v, da, b, 1)"},
        samples=samples.matmul_adjoint)
defrule(rt.transpose_adjoint, "v, axes=None", kind=A,
        jvp={"v": "transpose_adjoint(dv, axes)", "axes": "0.0"},
        jvp_batch={"v": "batch_map(transpose_adjoint, dv, axes)"},
        samples=samples.transpose_adjoint)
defrule(rt.cj, "x", kind=A, jvp={"x": "cj(dx)"}, vjp={"x": "cj(g)"})
defrule(rt.log_of, "a", kind="elementwise", jvp={"a": "da / a"}, samples=samples.log_of)
# helpers of generated forward-mode code, for derivatives of derivatives
defrule(rt.tangent_parts, "t, n", kind=A, jvp={"t": "tangent_parts(dt, n)", "n": "0.0"},
        samples=samples.tangent_parts)
defrule(rt.tangent_item, "t, index, batch=False", kind=A,
        jvp={"t": "tangent_item(dt, index, batch)", "index": "0.0", "batch": "0.0"},
        samples=samples.tangent_item)
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
        samples=samples.batch_align)
