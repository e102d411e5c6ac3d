# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got 0.21, expected 0.07 (max error 0.14 > 0.0001)
# found in:  seed 2002, program 1746
import numpy as np

FUZZ_CASE = {'args': [-0.3], 'wrt': 0, 'modes': ['grad']}


def h1(a):
    t4 = np.linspace(1.5, 1.5, 3)
    t4[t4 > 0.44] += a


def f(x):
    t16 = x
    t27 = np.array([0.9, 0.1]).reshape((2, 1)) * np.linspace(0.7, 1.5, 3)
    x = t16 * t27[1, -3]
    p33, p34 = (x, 0.5)
    t35 = h1(p33)
    return p33
