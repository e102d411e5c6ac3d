"""Pops of the record paired with their pushes (tangent_like/backends/pairing.py): the numba
backend types each slot of a tape from what was pushed, so a pass renaming the names a pop
gives the values back to cannot make the adjoint read the wrong tape; what cannot be paired
is refused (the Python code runs, with a warning)."""
import math
import textwrap
import warnings

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.backends import pairing
from tangent_like.syntax import nodes


def _functions(source):
    defs = nodes.parse_stmts(textwrap.dedent(source))
    return {f.name: f for f in defs}


def _kinds_of(name, value):
    elts = value.elts if isinstance(value, nodes.Tuple) else [value]
    return ["i" if e.id.startswith("n") else "f" for e in elts]


def _pops(functions):
    """The kinds each pop reads, by the first name it gives back."""
    found = pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)
    out = {}
    for f in functions.values():
        for s in nodes.walk(f):
            if pairing.is_pop(s):
                first = nodes.to_load(s.targets[0])
                first = first.elts[0] if isinstance(first, nodes.Tuple) else first
                out[first.id] = list(found[id(s)][0])
    return out


def test_loops_branches_and_sweeps_are_paired_by_their_structure():
    functions = _functions("""
        def grad(x):
            _stack = []
            primal(_stack, x)
            g = adjoint(_stack, 1.0)
            return g

        def primal(_stack, x):
            n = 3
            for i in range(n):
                if x > 0.5:
                    _stack.append((x, ni))
                else:
                    _stack.append(x)
                _stack.append(ncond)
            _stack.append(nrange)

        def adjoint(_stack, b):
            renamed_range = _stack.pop()
            for i in range(3):
                renamed_cond = _stack.pop()
                if renamed_cond:
                    renamed_a, other = _stack.pop()
                else:
                    renamed_b = _stack.pop()
            return b
    """)
    assert _pops(functions) == {"renamed_range": ["i"], "renamed_cond": ["i"],
                                "renamed_a": ["f", "i"], "renamed_b": ["f"]}


@pytest.mark.parametrize("adjoint, reason", [
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                y = _stack.pop()
            nfirst = _stack.pop()
            y = _stack.pop()
    """, "no record under it"),
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            y = _stack.pop()
    """, "outside of it"),
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                y = _stack.pop()
                z = _stack.pop()
    """, "does not read back the records of one iteration"),
    ("""
        def adjoint(_stack):
            adjoint(_stack)
    """, "not the last ones"),
])
def test_what_cannot_be_paired_is_refused(adjoint, reason):
    functions = _functions("""
        def grad(x):
            _stack = []
            primal(_stack, x)
            adjoint(_stack)

        def primal(_stack, x):
            _stack.append(nfirst)
            for i in range(3):
                _stack.append(x)
            _stack.append(nrange)
    """) | _functions(adjoint)
    with pytest.raises(pairing.NotPaired, match=reason):
        pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)


def test_a_loop_left_early_with_other_records_is_refused():
    functions = _functions("""
        def grad(x):
            _stack = []
            for i in range(3):
                _stack.append(x)
                if x > 1.0:
                    break
                _stack.append(x)
    """)
    with pytest.raises(pairing.NotPaired, match="leaves different records"):
        pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)


_LEFT_EARLY = """
    def grad(x):
        _stack = []
        primal(_stack, x)
        adjoint(_stack)

    def primal(_stack, x):
        for i in range(3):
            _stack.append(x)
            ncond = x > 1.0
            if ncond:
                _stack.append((x, ni))
                _stack.append(ncond)
                break
            else:
                _stack.append(ncond)
        _stack.append(nrange)
"""


@pytest.mark.parametrize("branch", ["""
                if ncond_read:
                    early, nearly = _stack.pop()
""", """
                if not ncond_read:
                    pass
                else:
                    early, nearly = _stack.pop()
"""])
def test_a_loop_left_early_is_read_back_under_the_branch_on_its_condition(branch):
    # the iteration that leaves records (x, i) below its condition; the others do not: the
    # adjoint reads them back under the branch on the condition recorded
    functions = _functions(_LEFT_EARLY) | _functions("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                ncond_read = _stack.pop()
    """ + textwrap.indent(textwrap.dedent(branch), " " * 16) + """
                y = _stack.pop()
    """)
    assert _pops(functions) == {"nrange": ["i"], "ncond_read": ["i"], "early": ["f", "i"],
                                "y": ["f"]}
    found = pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)
    cond_pop = next(s for s in nodes.walk(functions["adjoint"]) if pairing.is_pop(s)
                    and nodes.to_load(s.targets[0]).id == "ncond_read")
    assert len(found[id(cond_pop)][1]) == 2     # (either push of the condition)


@pytest.mark.parametrize("adjoint, reason", [
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                ncond = _stack.pop()
                ncond = not ncond
                if ncond:
                    early, nearly = _stack.pop()
                y = _stack.pop()
    """, "assigned before the branch"),
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                ncond = _stack.pop()
                if nother:
                    early, nearly = _stack.pop()
                y = _stack.pop()
    """, "outside of it"),
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                ncond = _stack.pop()
                y = _stack.pop()
    """, "outside of it"),
    ("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                ncond, nother = _stack.pop()
                if ncond:
                    early, nearly = _stack.pop()
                y = _stack.pop()
    """, "outside of it"),
])
def test_records_of_a_loop_left_early_read_otherwise_are_refused(adjoint, reason):
    functions = _functions(_LEFT_EARLY) | _functions(adjoint)
    with pytest.raises(pairing.NotPaired, match=reason):
        pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)


def test_a_loop_left_early_under_a_condition_not_recorded_is_refused():
    # the value recorded on top is not the test of the branch left: nothing tells the
    # adjoint which records lie below it
    functions = _functions(_LEFT_EARLY.replace("_stack.append(ncond)",
                                               "_stack.append(nflag)")) | _functions("""
        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                nflag = _stack.pop()
                if nflag:
                    early, nearly = _stack.pop()
                y = _stack.pop()
    """)
    with pytest.raises(pairing.NotPaired, match="leaves different records"):
        pairing.pair(functions, "grad", {"primal": "adjoint"}, _kinds_of)


def test_a_sweep_called_in_a_loop_is_paired_with_its_adjoint_called_in_the_adjoint_loop():
    functions = _functions("""
        def grad(x):
            _stack = []
            primal(_stack, x)
            adjoint(_stack)

        def primal(_stack, x):
            for i in range(3):
                y = primal_helper(_stack, x)
            _stack.append(nrange)

        def adjoint(_stack):
            nrange = _stack.pop()
            for i in range(3):
                b = adjoint_helper(_stack, 1.0)

        def primal_helper(_stack, x):
            _stack.append((x, nk))
            return x

        def adjoint_helper(_stack, b):
            x, nk = _stack.pop()
            return b
    """)
    found = pairing.pair(functions, "grad", {"primal": "adjoint",
                                             "primal_helper": "adjoint_helper"}, _kinds_of)
    assert sorted(list(k) for k, _ in found.values()) == [["f", "i"], ["i"]]


# ---------------------------------------------------------------- through the backend
def settle(x, tol):
    """Records a float and an int together, each iteration of a while loop."""
    s = 0.0
    k = 0
    while k < 100000:
        s = s + math.exp(-x * k)
        if math.exp(-x * k) < tol:
            break
        k += 1
    return s


@pytest.fixture
def fresh():
    """Derivatives made again (by the lowering as patched), and forgotten after."""
    tl.clear_cache()
    yield
    tl.clear_cache()


def _renaming_adjoints(monkeypatch, old, new):
    """The numba backend lowering code whose adjoint sweeps call `old` `new` (as a pass
    renaming the names of the adjoint only would)."""
    pytest.importorskip("numba")
    from tangent_like.backends import jit, lower_numba

    def renamed(defs, entry_name, result_kind):
        out = []
        for unit, fdef in defs:
            if fdef.name.startswith("adjoint_"):
                fdef = nodes.copy(fdef)
                for n in nodes.walk(fdef):
                    if isinstance(n, nodes.Name) and n.id == old:
                        n.id = new
            out.append((unit, fdef))
        return lower_numba.lower(out, entry_name, result_kind)
    monkeypatch.setattr(jit, "lower", renamed)


def _fd(f, x, *rest, eps=1e-6):
    return (f(x + eps, *rest) - f(x - eps, *rest)) / (2 * eps)


def test_a_renamed_pop_reads_the_tape_its_push_wrote(monkeypatch, fresh):
    # the adjoint gets the integer k back as k_read, a name of no known kind: typed by its
    # name it would be read from the float tape
    from tangent_like.backends.jit import NumbaFallbackWarning
    _renaming_adjoints(monkeypatch, "k", "k_read")
    g = tl.grad(settle, backend="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumbaFallbackWarning)
        got = g(0.05, 1e-9)
    assert "k_read = _ti[" in g.source
    assert got == pytest.approx(_fd(settle, 0.05, 1e-9), rel=1e-5)


def test_a_pop_renamed_to_a_name_of_another_kind_runs_the_python_code(monkeypatch, fresh):
    # k read back as x, a float of the function: the kinds disagree, so the lowering is
    # refused rather than guessing a tape
    from tangent_like.backends.jit import NumbaFallbackWarning
    _renaming_adjoints(monkeypatch, "k", "x")
    with pytest.warns(NumbaFallbackWarning, match="another kind"):
        got = tl.grad(settle, backend="numba")(0.05, 1e-9)
    assert got == pytest.approx(_fd(settle, 0.05, 1e-9), rel=1e-5)


def first_crossing(x, w):
    """Leaves the loop early with a float recorded that the other iterations do not."""
    s = 0.0
    for i in range(w.shape[0]):
        s = s + np.sin(x * w[i])
        if s > 1.0:
            return s * x
    return -s


def settle_or_grow(x, n):
    """A while loop left early with a tuple recorded below its condition."""
    y = x
    k = 0
    while k < n:
        y = 0.5 * y + math.sin(y) * x
        if y > 2.0:
            z = y * y
            return z * x + k
        k += 1
    return y


@pytest.mark.parametrize("f, x, rest", [
    (first_crossing, 0.4, (np.linspace(0.1, 1.0, 8),)),     # runs out
    (first_crossing, 2.5, (np.linspace(0.1, 1.0, 8),)),     # leaves early
    (settle_or_grow, 0.3, (10,)),
    (settle_or_grow, 1.9, (10,)),
])
def test_loops_left_early_compile_and_match_finite_differences(f, x, rest):
    pytest.importorskip("numba")
    from tangent_like.backends.jit import NumbaFallbackWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error", NumbaFallbackWarning)
        got = tl.grad(f, backend="numba")(x, *rest)
    assert got == pytest.approx(_fd(f, x, *rest), rel=1e-6)
    assert got == pytest.approx(tl.grad(f)(x, *rest), rel=1e-13)
