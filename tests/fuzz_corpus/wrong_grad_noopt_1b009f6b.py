# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad-noopt
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got [[0.048556 0.048556 0.048556]  [0.048556 0.048556 0.048556]], expected [[0.155222 0.155222 0.155222]  [0.155222 0.155222 0.155222]] (max error 0.107 > 0.0001)
# found in:  seed 1548822937, program 8758
# cause:     a negative default inlined as Constant(-0.4) was unparsed as -0.4 ** 2, i.e. -(0.4 ** 2)
import numpy as np

FUZZ_CASE = {'args': [[[0.114, 0.796, 0.647], [0.565, -0.308, 0.02]]], 'wrt': 0, 'modes': ['grad-noopt']}


def h1(a, scale=-0.4):
    t5 = scale ** 2
    return t5 + np.mean(a)


def f(x):
    xs11 = []
    t13 = x
    xs11.append(h1(t13))
    t14 = xs11[-1]
    return pow(t14, 2)
