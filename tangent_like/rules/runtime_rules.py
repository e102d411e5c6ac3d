"""Forward rules of the runtime helpers that generated reverse-mode code calls.

With them, forward mode applies to generated gradient code: forward-over-reverse gives
Hessian-vector products and Hessians.  Every helper is linear in the adjoint it receives
(``v``); the matrix-product adjoints are bilinear.  Parameters that only give shapes have a
zero tangent (``"0.0"``).
"""
from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive

A = lattice.ANY

inactive(rt.seed_for, kind=lattice.SCALAR)
inactive(rt.zero_tangent, kind=A)
defrule(rt.unbroadcast, "v, x", kind=A, jvp={"v": "unbroadcast(dv, x)", "x": "0.0"})
defrule(rt.add_at, "acc, x, index, v", kind=A,
        jvp={"acc": "dacc", "x": "0.0", "index": "0.0", "v": "add_at(0.0, x, index, dv)"})
defrule(rt.cot_getitem, "v, i", kind=A, jvp={"v": "cot_getitem(dv, i)", "i": "0.0"})
defrule(rt.cot_add, "a, b", kind=A, jvp={"a": "da", "b": "db"}, jvp_combine="cot_add")
defrule(rt.unpack_adjoint, "x, parts", kind=A,
        jvp={"x": "0.0", "parts": "unpack_adjoint(x, dparts)"})
defrule(rt.fill_like, "seq, v", kind=A, jvp={"seq": "0.0", "v": "fill_like(seq, dv)"})
defrule(rt.select_adjoint, "v, y, a, b, c, which", kind=A,
        jvp={"v": "select_adjoint(dv, y, a, b, c, which)", "y": "0.0", "a": "0.0",
             "b": "0.0", "c": "0.0", "which": "0.0"})
defrule(rt.sum_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "sum_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"})
defrule(rt.mean_adjoint, "v, x, axis=None, keepdims=False", kind=A,
        jvp={"v": "mean_adjoint(dv, x, axis, keepdims)", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"})
defrule(rt.dot_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_a(dv, a, b)", "a": "0.0", "b": "dot_adjoint_a(v, a, db)"})
defrule(rt.dot_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "dot_adjoint_b(dv, a, b)", "a": "dot_adjoint_b(v, da, b)", "b": "0.0"})
defrule(rt.matmul_adjoint_a, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_a(dv, a, b)", "a": "0.0",
             "b": "matmul_adjoint_a(v, a, db)"})
defrule(rt.matmul_adjoint_b, "v, a, b", kind=A,
        jvp={"v": "matmul_adjoint_b(dv, a, b)", "a": "matmul_adjoint_b(v, da, b)",
             "b": "0.0"})
defrule(rt.transpose_adjoint, "v, axes=None", kind=A,
        jvp={"v": "transpose_adjoint(dv, axes)", "axes": "0.0"})
defrule(rt.log_of, "a", kind="elementwise", jvp={"a": "da / a"})
# helpers of generated forward-mode code, for derivatives of derivatives
defrule(rt.tangent_parts, "t, n", kind=A, jvp={"t": "tangent_parts(dt, n)", "n": "0.0"})
defrule(rt.tangent_item, "t, index, batch=False", kind=A,
        jvp={"t": "tangent_item(dt, index, batch)", "index": "0.0", "batch": "0.0"})
defrule(rt.batch_align, "dx, x, y", kind=A,
        jvp={"dx": "batch_align(ddx, x, y)", "x": "0.0", "y": "0.0"})

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
