"""Where the primitives are not differentiable, and the convention each rule uses there.

These conditions feed the ``kinks="warn"|"raise"`` option; ``docs/rules.md`` lists them.
A condition is a template in the rule's parameter names, true at a non-differentiable point
(arrays: anywhere).
"""
import builtins
import math
import operator

import numpy as np

from .registry import kink_at

kink_at(abs, "x == 0", "abs at 0: derivative 0")
kink_at(math.fabs, "x == 0", "fabs at 0: derivative 0")
kink_at(np.abs, "x == 0", "abs at 0: derivative 0")
kink_at(np.fabs, "x == 0", "fabs at 0: derivative 0")
kink_at(builtins.max, "tie(a, b, c)", "max at a tie: the first argument attaining it")
kink_at(builtins.min, "tie(a, b, c)", "min at a tie: the first argument attaining it")
kink_at(np.maximum, "a == b", "maximum at a tie: the first argument")
kink_at(np.minimum, "a == b", "minimum at a tie: the first argument")
kink_at(math.sqrt, "x == 0", "sqrt at 0: derivative +inf")
kink_at(np.sqrt, "x == 0", "sqrt at 0: derivative +inf")
kink_at(math.log, "x == 0", "log at 0: derivative +inf")
kink_at(np.log, "x == 0", "log at 0: derivative +inf")
kink_at(operator.mod, "(a % b) == 0", "a % b where a / b is an integer: the right piece")
kink_at(operator.pow, "(a == 0) & (b < 1)", "a ** b at a == 0 with b < 1: infinite")
for _f in (math.floor, math.ceil, math.trunc):
    kink_at(_f, "x == math.floor(x)", "piecewise constant: derivative 0, jumps at integers",
            params="x")
for _f in (np.floor, np.ceil, np.trunc, np.rint, np.round):
    kink_at(_f, "x == np.floor(x)", "piecewise constant: derivative 0, jumps at integers",
            params="x")
kink_at(builtins.int, "x == math.floor(x)", "int() is piecewise constant: derivative 0",
        params="x")
kink_at(builtins.round, "(x - math.floor(x)) == 0.5", "round() is piecewise constant: "
        "derivative 0, jumps at halves", params="x, ndigits=None")
kink_at(np.sign, "x == 0", "sign is piecewise constant: derivative 0", params="x")
kink_at(operator.floordiv, "(a % b) == 0", "// is piecewise constant: derivative 0",
        params="a, b")
