"""Rules for builtins: ``float``, ``pow``, ``min``/``max`` of scalars or of one iterable,
``sum`` of sequences and arrays, and the builtins that never carry derivatives (``len``,
``range``, ``int``, ``print``...).

``min``/``max`` at a tie give the whole adjoint to the first argument (or item) that attains
the value -- the one Python returns.  ``max(x)``/``min(x)``/``sum(x)`` of an array iterate
over its first axis as Python does: ``sum`` adds the rows, ``max``/``min`` compare items,
which only NumPy scalars (a 1-D array) allow.
"""
import itertools

import numpy as np

from ..analysis import lattice
from .registry import defrule, inactive

S = lattice.SCALAR

defrule(float, "x", kind=S, vjp={"x": "g"}, jvp={"x": "dx"})
defrule(pow, "a, b", name="pow", broadcast=("a", "b"),
        vjp={"a": "g * cj(pow_slope(a, b))", "b": "g * cj(y * log_of(a))"},
        real_vjp={"a": "g * pow_slope(a, b)", "b": "g * y * log_of(a)"},
        jvp={"a": "da * pow_slope(a, b)", "b": "db * y * log_of(a)"},
        kink="d/da is 0 where b == 0, infinite at a == 0 with b < 1",
        domain={"a": "positive", "b": "any"})


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
            kink=f"{func.__name__} at a tie: the first argument attaining it gets the derivative",
            samples=_minmax_samples)


def _minmax_samples(rng):
    """Two and three distinct floats in every order, so each position is the extreme (and
    a loser) in turn, and the one-argument form ``max(x)`` of 1-D arrays (a tuple argument
    is checked end to end in tests/test_trust_rules.py)."""
    out = []
    for n in (2, 3):
        base = np.array([-1.1, 0.3, 1.4][:n]) + rng.uniform(-0.1, 0.1, n)
        for order in itertools.permutations(range(n)):
            out.append({p: float(base[i]) for p, i in zip("abc", order)})
    out += [{"a": rng.permutation(np.array([-1.1, 0.3, 1.4, 0.8])), "b": None, "c": None}
            for _ in range(3)]
    return out


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

for _f in (len, range, int, bool, isinstance, print, type, id, hash, callable, repr, str,
           format, round, any, all, ord, chr, hasattr):
    inactive(_f, kind=lattice.INT if _f in (len, int, bool, isinstance, round, id, hash,
                                            callable, ord, hasattr, any, all)
             else lattice.ANY, kink="round and int are piecewise constant: derivative 0"
             if _f in (round, int) else None)
