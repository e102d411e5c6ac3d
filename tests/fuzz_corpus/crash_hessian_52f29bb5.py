# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: operands could not be broadcast together with shapes (N,) (N,N,N) [in generated code]
# message:   ValueError: operands could not be broadcast together with shapes (6,) (6,2,3)
# where:     raised in generated forward_adjoint_f, line 103, at: t8 = x
# found in:  seed 1548822937, program 9857
# cause:     cot_add of a scalar adjoint and an array one: its batched tangent stayed shaped like the scalar
import numpy as np

FUZZ_CASE = {'args': [[[0.194, -0.426, -0.861], [0.769, -0.659, -1.188]]], 'wrt': 0, 'modes': ['hessian']}


def f(x):
    t4 = np.mean(x)
    t8 = x
    x = x / float(t4) if 0.5 >= 0.5 else 0.5
    t12 = np.cos(t8)
    return np.sum(t12)
