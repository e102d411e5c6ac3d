# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: could not broadcast input array from shape (N,) into shape (N,) [in generated code]
# message:   ValueError: could not broadcast input array from shape (2,) into shape (1,)
# where:     raised in generated forward_adjoint_f, line 102, at: t1 /= 1.5
# found in:  seed 313623482, program 9512
# cause:     a zero adjoint placeholder divided by a constant kept its batched tangent of an array's shape: batch_broadcast read the shape off the placeholder
import numpy as np

FUZZ_CASE = {'args': [1.035], 'wrt': 0, 'modes': ['hessian']}


def f(x):
    t1 = np.sum(np.reshape(np.ones((2, 3)), (6,)).reshape((2, 3)), axis=1)
    t1 += x
    t1 /= 1.5
    for j10, v9 in enumerate(t1):
        t11 = [1.2, 0.5, 0.5]
        t11[-3] *= np.tanh(v9)
    return 0.5
