"""Differential fuzzer: random valid programs, derivatives checked by finite differences.

::

    python -m tangent_like.testing.fuzz --n 1000 --jobs 2 --out tests/fuzz_corpus

`generate` writes a random program (`Case`); `run_case` differentiates it in every mode and
classifies each result (`Outcome`); `minimize` shrinks a failing case to a small program
failing the same way; `cli.main` drives runs and prints the summary.
"""
from .case import Case
from .generate import generate
from .oracle import CLASSES, MODES, Outcome, run_case

__all__ = ["Case", "generate", "run_case", "Outcome", "MODES", "CLASSES"]
