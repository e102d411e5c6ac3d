"""Rules for builtins: ``float``, ``min``/``max`` of scalars or of one iterable, ``sum`` of
sequences and arrays, and the builtins that never carry derivatives (``len``, ``range``,
``int``, ``print``...); ``abs`` is with the operators, ``pow`` with its `math` twin in
`elementwise`.

``min``/``max`` at a tie give the whole adjoint to the first argument (or item) that attains
the value -- the one Python returns.  ``max(x)``/``min(x)``/``sum(x)`` of an array iterate
over its first axis as Python does: ``sum`` adds the rows, ``max``/``min`` compare items,
which only NumPy scalars (a 1-D array) allow.
"""
from ..analysis import lattice
from .registry import defrule, inactive, partials
from .samples import elementwise as samples

S = lattice.SCALAR

partials(float, "x", x="1", kind=S)


def _pick_kind(arg_kinds, bound):
    ks = list(arg_kinds.values())
    if len(ks) == 1 and lattice.is_tuple(ks[0]):
        return lattice.SCALAR if all(lattice.is_scalar(k) for k in ks[0][1]) else lattice.ANY
    if len(ks) == 1 and lattice.is_array(ks[0]):      # an item of the array
        return lattice.SCALAR if ks[0][1] == 1 else ("array", ks[0][1] - 1)
    return lattice.SCALAR if all(lattice.is_scalar(k) for k in ks) else lattice.ANY


def _minmax(func, op):
    # max(a, b): a wins ties (Python returns the first maximal argument).
    defrule(func, "a, b=None, c=None", kind=_pick_kind,
            vjp={"a": lambda b: (f"(g if a {op}= b else 0.0)" if _given(b, "c") is False
                                 and _given(b, "b") else
                                 "select_adjoint(g, y, a, b, c, 0)"),
                 "b": lambda b: (f"(g if b {op} a else 0.0)" if _given(b, "c") is False
                                 else "select_adjoint(g, y, a, b, c, 1)"),
                 "c": "select_adjoint(g, y, a, b, c, 2)"},
            jvp={"a": lambda b: (f"(da if a {op}= b else 0.0)" if _given(b, "c") is False
                                 and _given(b, "b") else
                                 "select_tangent(da, y, a, b, c, 0)"),
                 "b": lambda b: (f"(db if b {op} a else 0.0)" if _given(b, "c") is False
                                 else "select_tangent(db, y, a, b, c, 1)"),
                 "c": "select_tangent(dc, y, a, b, c, 2)"},
            jvp_batch={p: f"select_tangent(d{p}, y, a, b, c, {i}, True)"
                       for i, p in enumerate("abc")},
            kink=f"{func.__name__} at a tie: the first argument attaining it",
            kink_when="tie(a, b, c)", samples=samples.min_max)


def _given(bound, name):
    node = bound.get(name)
    return not (node is None or (type(node).__name__ == "Constant" and node.value is None))


_minmax(max, ">")
_minmax(min, "<")

# sum(seq) takes a list or tuple, which the finite-difference check cannot perturb (it varies
# floats and float arrays only).  The corpus case `sum_of_terms` (sum of a list and of a tuple
# of active floats) checks both templates end to end against finite differences: reverse mode
# in tests/test_corpus.py, forward mode in tests/test_forward.py.
defrule(sum, "seq, start=0", kind=_pick_kind,
        vjp={"seq": "fill_like(seq, g)", "start": "g"},
        jvp={"seq": "sum_tangent(dseq, seq)", "start": "dstart"},
        jvp_batch={"seq": "sum_tangent(dseq, seq, True)"},
        tested_by="tests/test_corpus.py")

for _f in (len, range, bool, isinstance, print, type, id, hash, callable, repr, str, format,
           any, all, ord, chr, hasattr):
    inactive(_f, kind=lattice.INT if _f in (len, bool, isinstance, id, hash, callable, ord,
                                            hasattr, any, all) else lattice.ANY)
inactive(int, kind=lattice.INT, params="x", kink_when="x == math.floor(x)",
         kink="int() is piecewise constant: derivative 0")
inactive(round, kind=lattice.INT, params="x, ndigits=None",
         kink_when="(x - math.floor(x)) == 0.5",
         kink="round() is piecewise constant: derivative 0, jumps at halves")
