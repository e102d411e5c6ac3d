# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (2,)  and requested shape (1,)
# found in:  seed 1548822937, program 6463
# cause:     cot_add of a scalar adjoint and an array one: its batched tangent stayed shaped like the scalar
import numpy as np

FUZZ_CASE = {'args': [0.527, [[-0.677, 0.021, 0.169], [0.786, 0.263, 1.013]]], 'wrt': 0, 'modes': ['hessian']}


def f(x, y):
    y = x * (y if 0.5 > 0.2 else 0.5)
    a13 = np.copy(y)
    a13 /= x
    return np.sum(y)
