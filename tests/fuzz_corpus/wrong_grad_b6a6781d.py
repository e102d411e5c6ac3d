# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got [[0.055556 0.055556 0.055556]  [0.055556 0.055556 0.055556]], expected [[0.166667 0.166667 0.166667]  [0.166667 0.166667 0.166667]] (max error 0.111 > 0.0001)
# found in:  seed 2002, program 839
import numpy as np

FUZZ_CASE = {'args': [[[0.667, -0.753, 0.717], [-0.974, 0.45, 0.969]]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    t13 = x
    y = np.mean(t13)
    a14 = np.ones(3)
    a14[a14 > 0.44] *= y
    return np.mean(a14)
