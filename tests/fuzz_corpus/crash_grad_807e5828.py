# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques [in generated code]
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (0,)  and requested shape (3,)
# where:     raised in generated adjoint_f, line 40, at: t4[t4 > 0.55] -= np.sum(t4)
# found in:  seed 1001, program 12
import numpy as np

FUZZ_CASE = {'args': [0.491, [0.457, 0.039, -0.258], -0.117], 'wrt': 0, 'modes': ['grad']}


def f(x, y, z):
    y = y + z
    for v3 in y:
        t4 = np.copy(y)
        t4[t4 > 0.55] -= np.sum(t4)
    y /= x
    return 0.5
