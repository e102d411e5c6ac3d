"""Pops of the record paired with their pushes (tangent_like/backends/pairing.py): the numba
backend types each slot of a tape from what was pushed, so a pass renaming the names a pop
gives the values back to cannot make the adjoint read the wrong tape; what cannot be paired
is refused (the Python code runs, with a warning)."""
import math
import textwrap
import warnings

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
