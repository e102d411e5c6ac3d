# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: matmul: Input operand N has a mismatch in its core dimension N, with gufunc signature (n?,k),(k,m?)- [in generated code]
# message:   ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 1 is different from 2)
# where:     raised in generated adjoint_f, line 31, at: t21 = np.ones((2, 3)) @ t16
# found in:  seed 2002, program 438
import numpy as np

FUZZ_CASE = {'args': [[-0.838, -0.309, 0.677]], 'wrt': 0, 'modes': ['grad']}


def h1(a, b, scale=1.1):
    p3, p4 = (0.5, -a)
    for i5 in range(0, 3, 2):
        t7 = p4


def f(x):
    xs14 = []
    for i15 in range(3):
        xs14.append(x)
    t16 = xs14[-3]
    t21 = np.ones((2, 3)) @ t16
    t26 = h1(t21, 0.5, scale=0.5)
    return 0.5
