"""Rules for writes into arrays and lists, appends, ``np.array`` of lists (and
``np.asarray``, ``np.asanyarray``, ``np.ascontiguousarray``, ``np.asfortranarray``, which
are the same for derivatives), and ``tuple(x)`` of a tuple, a list or an array's rows.

``a[i] = v`` and ``xs.append(v)`` are normalized into ``a = with_item(a, i, v)`` and
``xs = appended(xs, v)``: new values rather than changes in place, so the derivative code
treats them as ordinary assignments (refused where another name could see the change).
The overwritten part of ``a`` gets no adjoint from the result; ``v`` gets the part of the
result's adjoint at ``i``.  Repeated positions (integer arrays or lists with repeats,
negative indices naming the same position, in any part of a tuple index) follow NumPy: the
LAST write to a position wins, in the value, the tangent and the adjoint -- the earlier
writes are overwritten and get 0.  ``a[i] += v`` is normalized to ``a[i] = a[i] + v``, which
is NumPy's buffered semantics (a repeated position is incremented once, by its last write).
Reads ``x[i]`` with repeated positions accumulate: each read adds its adjoint.

``np.linspace(start, stop, num)`` is linear in ``start`` and ``stop``: element ``i`` is
``start + t_i (stop - start)`` with ``t_i = i / (num - 1)`` (``i / num`` with
``endpoint=False``; ``t = [0]`` for ``num == 1``, nothing for ``num == 0``); with
``retstep=True`` the step ``(stop - start) / (num - 1)`` is a second, linear, result (nan,
as its derivative, for ``num == 1``).
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .kinds import dtype_kind_of_node, literal
from .registry import defrule, inactive
from .samples import shape as shape_samples
from .samples import structures as samples
from .samples import with_defaults


def _same_as_first(arg_kinds, bound):
    return next(iter(arg_kinds.values()), lattice.ANY)


defrule(rt.with_item, "a, index, v", kind=_same_as_first, jvp_combine="cot_add",
        vjp={"a": "zero_at(g, index)", "v": "item_adjoint(g, index, v)"},
        jvp={"a": "zero_at(da, index)", "index": "0.0", "v": "placed(dv, index, a)"},
        jvp_batch={"a": "batch_map(zero_at, da, index)",
                   "v": "batch_map(placed, batch_align(dv, v, a[index]), index, a)"},
        samples=samples.write)
defrule(rt.appended, "xs, v", kind=lattice.LIST, jvp_combine="cot_add",
        vjp={"xs": "cot_drop_last(g, xs)", "v": "cot_last(g, xs)"},
        jvp={"xs": "appended(tangent_list(dxs, xs), 0.0)",
             "v": "appended([0.0] * len(xs), dv)"},
        tested_by="tests/test_writes.py")


def _array_kind(arg_kinds, bound):
    """np.array(x, dtype): a constant for an integer dtype written literally, a 1-D array for
    a list of integers, else ANY (the rank and the realness of what x holds are not
    tracked)."""
    k = dtype_kind_of_node(bound.get("dtype"))
    if k is not None and k in "iub":
        return lattice.INT
    x = arg_kinds.get("x")
    if lattice.is_tuple(x) and x[1] and all(e == lattice.INT for e in x[1]):
        return ("array", 1)     # a list of integers: a 1-D integer array (an index)
    return lattice.ANY


defrule(np.array, "x, dtype=None", kind=_array_kind,
        vjp={"x": "array_adjoint(g, x, dtype)"}, jvp={"x": "stack_tangents(dx, x, dtype)"},
        jvp_batch={"x": "batch_stack_tangents(dx, x, dtype)"},
        tested_by="tests/test_trust_rules.py")
# np.asarray and its kin are np.array without a copy (the rules do not depend on memory);
# np.ascontiguousarray and np.asfortranarray give a scalar one axis (`shaped_like`)
for _f in (np.asarray, np.asanyarray):
    with_defaults(defrule(
        _f, "x, dtype=None, order=None", kind=_array_kind, samples=shape_samples.asarray,
        vjp={"x": "array_adjoint(g, x, dtype)"}, jvp={"x": "stack_tangents(dx, x, dtype)"},
        jvp_batch={"x": "batch_stack_tangents(dx, x, dtype)"}))
for _f in (np.ascontiguousarray, np.asfortranarray):
    with_defaults(defrule(
        _f, "x, dtype=None", kind=_array_kind, samples=shape_samples.asarray,
        vjp={"x": "array_adjoint(shaped_like(g, np.asarray(x)), x, dtype)"},
        jvp={"x": "shaped_like(stack_tangents(dx, x, dtype), y)"},
        jvp_batch={"x": "shaped_like(batch_stack_tangents(dx, x, dtype), y, True)"}))
# tuple(x) of a tuple, a list or an array (its rows)
def _tuple_kind(arg_kinds, bound):
    x = arg_kinds.get("x", lattice.ANY)
    return x if lattice.is_tuple(x) else lattice.ANY


defrule(tuple, "x", kind=_tuple_kind, samples=samples.tuple_of,
        vjp={"x": "tuple_adjoint(g, x)"}, jvp={"x": "tuple_tangent(dx, x)"},
        jvp_batch={"x": "tuple_tangent(dx, x, True)"})
defrule(rt.tuple_adjoint, "g, x", name="tuple_adjoint", kind=lattice.ANY,
        tested_by="tests/test_numpy_more.py",
        jvp={"g": "tuple_adjoint(dg, x)", "x": "0.0"},
        jvp_batch={"g": "batch_map(tuple_adjoint, dg, x)"})
# kernels of these rules, linear in the adjoint or tangent they receive (for Hessians)
for _helper, _params in ((rt.zero_at, "g, index"), (rt.item_adjoint, "g, index, v"),
                         (rt.cot_last, "g, xs"), (rt.cot_drop_last, "g, xs"),
                         (rt.array_adjoint, "g, x, dtype=None")):
    _rest = [p.split("=")[0] for p in _params.split(", ")[1:]]
    _call = f"{_helper.__name__}(dg, {', '.join(_rest)})"
    _batch = f"batch_map({_helper.__name__}, dg, {', '.join(_rest)})"
    defrule(_helper, _params, kind=lattice.ANY, tested_by="tests/test_writes.py",
            jvp={"g": _call, **{p: "0.0" for p in _rest}}, jvp_batch={"g": _batch})


# Constructors of constant arrays: their rank is known, so reading one element of a
# 1-D result gives a scalar (not a view that a later write could change).  An array kind
# means a real array (complex values have kind ANY, their adjoints conjugate): a dtype
# that is not written as a real one, or a fill value that may be complex, gives ANY.
def _real_dtype(bound):
    node = bound.get("dtype")
    if node is None or (type(node).__name__ == "Constant" and node.value is None):
        return True
    k = dtype_kind_of_node(node)
    return k is not None and k in "fiub"


def _real_values(arg_kinds, params):
    return all(arg_kinds.get(p, lattice.INT) in (lattice.INT, lattice.SCALAR, lattice.NONE)
               or lattice.is_array(arg_kinds.get(p)) for p in params)


def _shape_rank(arg_kinds, bound):
    if not (_real_dtype(bound) and _real_values(arg_kinds, ("fill_value",))):
        return lattice.ANY
    k = arg_kinds.get("shape")
    if k == lattice.INT:
        return ("array", 1)
    if lattice.is_tuple(k):
        return ("array", len(k[1])) if k[1] else lattice.SCALAR
    return lattice.ANY


def _like(arg_kinds, bound):
    return arg_kinds.get("a", lattice.ANY) if _real_dtype(bound) else lattice.ANY


def _fixed_rank(rank, params):
    def kind(arg_kinds, bound):
        if _real_dtype(bound) and _real_values(arg_kinds, params):
            return ("array", rank)
        return lattice.ANY
    return kind


for _f in (np.zeros, np.ones, np.empty):
    inactive(_f, kind=_shape_rank, params="shape, dtype=None")
inactive(np.full, kind=_shape_rank, params="shape, fill_value, dtype=None")
for _f in (np.zeros_like, np.ones_like, np.empty_like):
    inactive(_f, kind=_like, params="a, dtype=None")
inactive(np.eye, kind=_fixed_rank(2, ()), params="N, M=None, k=0, dtype=None")
inactive(np.identity, kind=_fixed_rank(2, ()), params="n, dtype=None")
inactive(np.arange, kind=_fixed_rank(1, ("start", "stop", "step")),
         params="start, stop=None, step=None, dtype=None")


# ------------------------------------------------------------------------- np.linspace
def _linspace_kind(arg_kinds, bound):
    retstep = literal(bound, "retstep", False)
    if retstep is not False:
        return lattice.tuple_kind((lattice.ANY, lattice.ANY))
    if _real_dtype(bound) and all(lattice.is_scalar(arg_kinds.get(p, lattice.INT))
                                  for p in ("start", "stop")):
        return ("array", 1)
    return lattice.ANY


_LS = "num, endpoint, axis, {which}, dtype"
_LSR = "retstep=retstep"
_linspace = defrule(
    np.linspace, "start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0",
    kind=_linspace_kind, samples=samples.linspace,
    jvp_combine="cot_add",      # retstep=True: tuples (samples, step)
    vjp={"start": f"linspace_adjoint(g, start, y, {_LS.format(which=0)}, {_LSR})",
         "stop": f"linspace_adjoint(g, stop, y, {_LS.format(which=1)}, {_LSR})"},
    jvp={"start": f"linspace_tangent(dstart, start, y, {_LS.format(which=0)}, False, {_LSR})",
         "stop": f"linspace_tangent(dstop, stop, y, {_LS.format(which=1)}, False, {_LSR})"},
    jvp_batch={
        "start": f"linspace_tangent(dstart, start, y, {_LS.format(which=0)}, True, {_LSR})",
        "stop": f"linspace_tangent(dstop, stop, y, {_LS.format(which=1)}, True, {_LSR})"})
with_defaults(_linspace)


defrule(rt.linspace_adjoint,
        "g, x, result, num=50, endpoint=True, axis=0, which=0, dtype=None, retstep=False",
        name="linspace_adjoint", kind=lattice.ANY, samples=samples.linspace_adjoint,
        jvp={"g": "linspace_adjoint(dg, x, result, num, endpoint, axis, which, dtype, "
                  "retstep)", "x": "0.0", "result": "0.0"},
        jvp_batch={"g": "batch_linspace_adjoint(dg, x, result, num, endpoint, axis, which, "
                        "dtype, retstep)"})
