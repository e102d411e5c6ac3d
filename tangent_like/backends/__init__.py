"""Backends: what generated code is turned into before it runs.

The default backend runs the generated Python as it is.  `lower_numba` rewrites the
generated reverse- and forward-mode code into code numba compiles in nopython mode (typed
tapes instead of a list of tuples), and `jit` compiles it.  Neither module imports numba at
import time: only a derivative asked for with ``backend="numba"`` does.
"""
BACKENDS = ("python", "numba")
