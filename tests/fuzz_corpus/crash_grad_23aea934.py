# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques [in generated code]
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (3,)  and requested shape (2,1)
# where:     raised in generated adjoint_f, line 29, at: t21 = np.sin(t20[[1, 1]]).reshape((2, 1)) * t20
# found in:  seed 1001, program 244
import numpy as np

FUZZ_CASE = {'args': [0.846], 'wrt': 0, 'modes': ['grad']}


def h1(a, b):
    p3, p4 = (np.ones((2, 3))[-2], 0.5)
    return p3 + b


def f(y):
    t8 = y
    t20 = h1(0.5, t8)
    t21 = np.sin(t20[[1, 1]]).reshape((2, 1)) * t20
    t21 *= 1.0
    return 0.5
