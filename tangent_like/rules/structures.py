"""Rules for writes into arrays and lists, appends, and ``np.array`` of lists.

``a[i] = v`` and ``xs.append(v)`` are normalized into ``a = with_item(a, i, v)`` and
``xs = appended(xs, v)``: new values rather than changes in place, so the derivative code
treats them as ordinary assignments (refused where another name could see the change).
The overwritten part of ``a`` gets no adjoint from the result; ``v`` gets the part of the
result's adjoint at ``i``.  With repeated integer indices, the last write wins in the value
and every write receives the adjoint of its position.
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive


def _same_as_first(arg_kinds, bound):
    return next(iter(arg_kinds.values()), lattice.ANY)


def _write_samples(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a, "index": 1, "v": rng.standard_normal(4)},
            {"a": a, "index": (0, slice(1, 3)), "v": rng.standard_normal(2)},
            {"a": rng.standard_normal(5), "index": slice(1, 4), "v": 0.7}]


defrule(rt.with_item, "a, index, v", kind=_same_as_first, jvp_combine="cot_add",
        vjp={"a": "zero_at(g, index)", "v": "item_adjoint(g, index, v)"},
        jvp={"a": "zero_at(da, index)", "index": "0.0", "v": "placed(dv, index, a)"},
        jvp_batch={"a": "batch_map(zero_at, da, index)",
                   "v": "batch_map(placed, batch_align(dv, v, a[index]), index, a)"},
        samples=_write_samples)
defrule(rt.appended, "xs, v", kind=lattice.LIST, jvp_combine="cot_add",
        vjp={"xs": "cot_drop_last(g, xs)", "v": "cot_last(g, xs)"},
        jvp={"xs": "appended(tangent_list(dxs, xs), 0.0)",
             "v": "appended([0.0] * len(xs), dv)"},
        tested_by="tests/test_writes.py")
defrule(np.array, "x, dtype=None", kind=lattice.ANY,
        vjp={"x": "array_adjoint(g, x)"}, jvp={"x": "stack_tangents(dx, x)"},
        jvp_batch={"x": "batch_stack_tangents(dx, x)"}, tested_by="tests/test_writes.py")
# helpers of these rules, linear in the adjoint or tangent they receive (for Hessians)
for _helper, _params in ((rt.zero_at, "g, index"), (rt.item_adjoint, "g, index, v"),
                         (rt.cot_last, "g, xs"), (rt.cot_drop_last, "g, xs"),
                         (rt.array_adjoint, "g, x")):
    _rest = _params.split(", ")[1:]
    _call = f"{_helper.__name__}(dg, {', '.join(_rest)})"
    _batch = f"batch_map({_helper.__name__}, dg, {', '.join(_rest)})"
    defrule(_helper, _params, kind=lattice.ANY, tested_by="tests/test_writes.py",
            jvp={"g": _call, **{p: "0.0" for p in _rest}}, jvp_batch={"g": _batch})


# Constructors of constant arrays: their rank is known, so reading one element of a
# 1-D result gives a scalar (not a view that a later write could change).
def _shape_rank(arg_kinds, bound):
    k = arg_kinds.get("shape")
    if k == lattice.INT:
        return ("array", 1)
    if lattice.is_tuple(k):
        return ("array", len(k[1])) if k[1] else lattice.SCALAR
    return lattice.ANY


def _like(arg_kinds, bound):
    return arg_kinds.get("a", lattice.ANY)


for _f in (np.zeros, np.ones, np.empty):
    inactive(_f, kind=_shape_rank, params="shape, dtype=None")
inactive(np.full, kind=_shape_rank, params="shape, fill_value, dtype=None")
for _f in (np.zeros_like, np.ones_like, np.empty_like):
    inactive(_f, kind=_like, params="a, dtype=None")
inactive(np.eye, kind=("array", 2), params="N, M=None, k=0, dtype=None")
inactive(np.identity, kind=("array", 2), params="n, dtype=None")
inactive(np.arange, kind=("array", 1), params="start, stop=None, step=None, dtype=None")
inactive(np.linspace, kind=("array", 1), params="start, stop, num=50")
