"""Differential fuzzing: the regression corpus and a fixed-seed batch of random programs.

* Every file of ``tests/fuzz_corpus/`` is a minimized failure found by the fuzzer
  (``python -m tangent_like.testing.fuzz --out tests/fuzz_corpus``): a module with ``f``
  and a ``FUZZ_CASE`` dict giving its arguments, ``wrt`` and the modes to run.
* The batch generates `BATCH_SIZE` programs from `BATCH_SEED`, one test each.

Each program is differentiated in its modes (``grad`` with and without the optimizer,
``value_and_grad``, ``jvp``, and for some ``hessian``) and compared with central finite
differences.  A test fails on a "crash" (an exception that is not a located refusal) or a
"wrong" result, and prints the program.  Refusals and kinks are not failures.
"""
import pathlib

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.testing.fuzz import Case, corpus, generate, oracle, run_case

CORPUS_DIR = pathlib.Path(__file__).parent / "fuzz_corpus"
BATCH_SEED = 20240611
BATCH_SIZE = 30
TIMEOUT = 30.0


def describe(case, outcomes):
    """The program and what went wrong in each mode, for an assertion message."""
    lines = [f"program ({case.origin or case.path}; wrt={case.wrt!r}, args={case.args!r}):",
             case.source.rstrip(), ""]
    for outcome in outcomes:
        lines.append(f"{outcome.mode}: {outcome.kind}: {outcome.signature}")
        if outcome.detail:
            lines += ["    " + line for line in outcome.detail.strip().splitlines()[-6:]]
    return "\n".join(lines)


def check(case):
    outcomes = run_case(case, timeout=TIMEOUT)
    invalid = [o for o in outcomes.values() if o.kind == "discarded"]
    assert not invalid, "not a valid program:\n" + describe(case, invalid)
    failures = [o for o in outcomes.values() if o.failed]
    assert not failures, "\n" + describe(case, failures)


@pytest.mark.parametrize("path", corpus.paths(CORPUS_DIR),
                         ids=lambda p: pathlib.Path(p).stem)
def test_corpus(path):
    check(corpus.load(path))


@pytest.mark.parametrize("index", range(BATCH_SIZE))
def test_fixed_seed_batch(index):
    check(generate(BATCH_SEED, index))


# -- the oracle itself -----------------------------------------------------------------

SMOOTH = "import numpy as np\n\n\ndef f(x, y):\n    return np.sum(np.sin(x) * y)\n"
BRANCH = "def f(x):\n    if x > 0.3:\n        return x * x\n    return 2.0 * x\n"


def test_oracle_passes_a_correct_derivative():
    case = Case(source=SMOOTH, args=[[0.1, 0.2, 0.3], 0.7], wrt=(0, 1), hessian=True)
    assert {m: o.kind for m, o in run_case(case).items()} == dict.fromkeys(oracle.MODES, "pass")


def test_oracle_flags_a_wrong_gradient(monkeypatch):
    grad = tl.grad

    def off_by_a_little(f, wrt=0, optimize=True):
        g = grad(f, wrt=wrt, optimize=optimize)
        return lambda *args: np.asarray(g(*args)) * 1.001

    monkeypatch.setattr(oracle.tl, "grad", off_by_a_little)
    case = Case(source=SMOOTH, args=[[0.1, 0.2, 0.3], 0.7], wrt=0)
    outcome = run_case(case, ["grad"])["grad"]
    assert (outcome.kind, outcome.signature) == ("wrong", "reverse: gradient mismatch")


def test_oracle_recognizes_a_kink():
    case = Case(source=BRANCH, args=[0.3 + 1e-7], wrt=0, hessian=True)
    assert {o.kind for o in run_case(case).values()} == {"kink"}
