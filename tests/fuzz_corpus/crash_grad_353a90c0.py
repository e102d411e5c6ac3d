# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: setting an array element with a sequence. [in generated code]
# message:   ValueError: setting an array element with a sequence.
# where:     raised in generated adjoint_f_g1, line 43, at: g1 = lambda u2: x[1, 2]
# found in:  seed 1001, program 263
import numpy as np

FUZZ_CASE = {'args': [[[0.937, -0.302, -0.993], [-0.131, -0.141, -0.695]]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    g1 = lambda u2: x[1, 2]
    t3 = g1(0.5)
    a5 = np.ones(2)
    a5[a5 > 0.05] += t3
    return 0.5
