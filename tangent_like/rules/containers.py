"""Rules of Python containers: dict writes and reads, ``tuple(xs)`` and ``list(xs)``, the
order of ``sorted``.

Normalization writes ``d.get(k, v)`` as ``dict_get(d, k, v)``, ``d.values()`` and
``d.items()`` as ``dict_values(d)`` and ``dict_items(d)`` (lists), ``d.keys()`` as
``dict_keys(d)``, and ``sorted(xs)`` as ``[xs[i] for i in sort_order(xs)]``; ``d[k] = v`` on a
dict is ``d = with_key(d, k, v)`` (`with_item` on a value known to be a dict).  A dict's
adjoint and tangent are dicts by key; keys are constants (never differentiated).

``tuple(x)`` and ``list(x)`` of a tuple, a list or an array give its items: the adjoint
gathers the items' adjoints back (stacked like the rows of an array), the tangent splits
``x``'s tangent into the items'.  Of a dict they give its keys: constants.

The templates move parts of structures around without arithmetic (except `items_adjoint`,
which adds the rows' adjoints into an array), so vector forward mode applies them to the
batched parts as they are.  They are checked end to end, in reverse, forward and vector
forward mode and through Hessians (forward mode over the generated gradients, which runs
the rules of the kernels), by the test named below.
"""
from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive

TESTS = "tests/test_python_features.py"


def _constant(node):
    """(True, value) for a constant argument node, else (False, None)."""
    if type(node).__name__ == "Constant":
        return True, node.value
    return False, None


def _with_key_kind(arg_kinds, bound):
    d = arg_kinds.get("d", lattice.ANY)
    if not lattice.is_dict(d) or d[1] is None:
        return lattice.DICT
    known, key = _constant(bound.get("key"))
    if not known:
        return lattice.DICT
    items = [(k, v) for k, v in d[1] if not (type(k) is type(key) and k == key)]
    return lattice.dict_kind(items + [(key, arg_kinds.get("v", lattice.ANY))])


def _get_kind(arg_kinds, bound):
    d = arg_kinds.get("d", lattice.ANY)
    known, key = _constant(bound.get("key"))
    default = arg_kinds.get("default", lattice.NONE) if "default" in bound else lattice.NONE
    if not (lattice.is_dict(d) and d[1] is not None and known):
        return lattice.ANY
    if any(type(k) is type(key) and k == key for k, _ in d[1]):
        return lattice.item_kind(d, key)
    return default


def _items_kind(arg_kinds, bound):
    x = arg_kinds.get("x", lattice.ANY)
    if lattice.is_tuple(x):
        return x
    return lattice.LIST


defrule(rt.with_key, "d, key, v", kind=_with_key_kind, jvp_combine="cot_add",
        vjp={"d": "without_key(g, key)", "v": "cot_getitem(g, key)"},
        jvp={"d": "without_key(dd, key)", "key": "0.0", "v": "key_placed(dv, key)"},
        tested_by=TESTS)
defrule(rt.dict_get, "d, key, default=None", kind=_get_kind, jvp_combine="cot_add",
        vjp={"d": "get_adjoint(g, d, key)", "default": "default_adjoint(g, d, key)"},
        jvp={"d": "get_tangent(dd, d, key)", "key": "0.0",
             "default": "default_tangent(ddefault, d, key)"},
        tested_by=TESTS)
defrule(rt.dict_values, "d", kind=lattice.LIST, vjp={"d": "values_adjoint(g, d)"},
        jvp={"d": "values_tangent(dd, d)"}, tested_by=TESTS)
defrule(rt.dict_items, "d", kind=lattice.LIST, vjp={"d": "pairs_adjoint(g, d)"},
        jvp={"d": "pairs_tangent(dd, d)"}, tested_by=TESTS)
inactive(rt.dict_keys, kind=lattice.LIST, params="d")
inactive(rt.dict_key_at, kind=lattice.ANY, params="d, i")
defrule(rt.loop_item, "seq, i", kind=lattice.ANY, vjp={"seq": "loop_item_adjoint(g, seq, i)"},
        jvp={"seq": "loop_item_tangent(dseq, seq, i)", "i": "0.0"},
        jvp_batch={"seq": "loop_item_tangent(dseq, seq, i, True)"}, tested_by=TESTS)
inactive(rt.sort_order, kind=lattice.LIST, params="xs, reverse=False, key=None",
         kink="sorted at a tie: each item keeps its own derivative, in Python's stable order "
              "(the first of equal items first)", kink_when="sort_ties(xs, key)")
inactive(rt.sort_ties, kind=lattice.INT, params="xs, key=None")

for _f in (tuple, list):
    defrule(_f, "x=()", kind=_items_kind, vjp={"x": "items_adjoint(g, x)"},
            jvp={"x": "items_tangent(dx, x)"}, jvp_batch={"x": "items_tangent(dx, x, True)"},
            tested_by=TESTS)

# Kernels of the templates above, linear in their first argument (the others are keys and
# the values that give structures): their forward rules make Hessians of generated code.
for _kernel, _params in ((rt.without_key, "g, key"), (rt.key_placed, "dv, key"),
                         (rt.get_adjoint, "g, d, key"), (rt.default_adjoint, "g, d, key"),
                         (rt.get_tangent, "dd, d, key"), (rt.default_tangent, "dd, d, key"),
                         (rt.values_adjoint, "g, d"), (rt.values_tangent, "dd, d"),
                         (rt.pairs_adjoint, "g, d"), (rt.pairs_tangent, "dd, d"),
                         (rt.items_tangent, "dx, x, batch=False")):
    _names = [p.split("=")[0] for p in _params.split(", ")]
    _first, _rest = _names[0], _names[1:]
    defrule(_kernel, _params, kind=lattice.ANY, tested_by=TESTS,
            jvp={_first: f"{_kernel.__name__}(d{_first}, {', '.join(_rest)})",
                 **{p: "0.0" for p in _rest}})
defrule(rt.loop_item_adjoint, "g, seq, i, batch=False", kind=lattice.ANY, tested_by=TESTS,
        jvp={"g": "loop_item_adjoint(dg, seq, i)", "seq": "0.0", "i": "0.0", "batch": "0.0"},
        jvp_batch={"g": "loop_item_adjoint(dg, seq, i, True)"})
defrule(rt.loop_item_tangent, "dseq, seq, i, batch=False", kind=lattice.ANY, tested_by=TESTS,
        jvp={"dseq": "loop_item_tangent(ddseq, seq, i, batch)", "seq": "0.0", "i": "0.0",
             "batch": "0.0"})
defrule(rt.items_adjoint, "g, x, batch=False", kind=lattice.ANY, tested_by=TESTS,
        jvp={"g": "items_adjoint(dg, x)", "x": "0.0", "batch": "0.0"},
        jvp_batch={"g": "items_adjoint(dg, x, True)"})
# Fields of objects (reads of `obj.name` of a differentiated object): structural.
defrule(rt.field_adjoint, "obj, name, g", kind=lattice.ANY, tested_by=TESTS,
        jvp={"obj": "0.0", "name": "0.0", "g": "field_adjoint(obj, name, dg)"})
defrule(rt.tangent_field, "t, name", kind=lattice.ANY, tested_by=TESTS,
        jvp={"t": "tangent_field(dt, name)", "name": "0.0"})
