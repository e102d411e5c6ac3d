"""Normalization: desugar the user's function into a small core, then A-normal form.

`normalize(parsed, namer)` runs, in order: `builtin_calls` (``map``, ``sorted``, ``dict``
and the methods of dicts become comprehensions and calls of kernels), `unroll` (loops over
a tuple of functions written out, one copy per function), `lift` (nested defs
and lambdas become separate functions taking their free variables as arguments), `desugar`
(augmented and multiple assignment, tuple unpacking, loops over sequences), `jumps`
(break/continue/return moved to the tail of their blocks, one return at the end), and `anf`
(one operation per assignment).
"""
from . import anf, builtin_calls, desugar, jumps, lift, unroll


def normalize(parsed, namer):
    """Normalize `parsed.node` in place; returns the list of lifted functions."""
    builtin_calls.rewrite_calls(parsed, namer)
    unroll.unroll_function_loops(parsed, namer)
    lifted = lift.lift_nested(parsed, namer)
    desugar.desugar(parsed, namer)
    jumps.lower_jumps(parsed, namer)
    anf.to_anf(parsed, namer)
    return lifted
