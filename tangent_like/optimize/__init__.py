"""Optimization of generated code, run to a fixed point.

Each pass is a function ``pass_(fdef) -> bool`` that rewrites a generated ``FunctionDef`` in
place and says whether it changed anything; `optimize` runs them until none does.

* `fold`: constant folding and algebraic simplification (``x * 1.0``, ``0.0 + x``, ``2 - 1``);
* `copies`: copy and constant propagation in straight-line code (``by = bx; bz = by * 2``
  becomes ``bz = bx * 2``);
* `negations`: a negation read once, by the next statement, folded into it
  (``t = -g; bx[1:] += t`` becomes ``bx[1:] -= g``);
* `merge`: an element read twice read once (``b = x[i]`` after ``a = x[i]`` becomes
  ``b = a``), two in-place updates of one element or slice made one (``bx[i] -= a; ...;
  bx[i] += b`` becomes ``bx[i] += b - a``);
* `dead`: removal of assignments whose value is never read, and of loops left with nothing
  to do.
"""
from . import copies, dead, fold, merge, negations

PASSES = (fold.fold_constants, copies.propagate_copies, negations.fold_negations,
          merge.reuse_reads, merge.merge_accumulations, dead.remove_dead_code)


def optimize(fdef, max_rounds=10):
    """Run every pass on `fdef` until nothing changes; returns the number of rounds."""
    for rounds in range(1, max_rounds + 1):
        changed = False
        for pass_ in PASSES:
            changed |= pass_(fdef)
        if not changed:
            return rounds
    return max_rounds
