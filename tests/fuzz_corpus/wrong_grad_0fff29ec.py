# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got [-1. -1. -1.], expected [-3. -3. -3.] (max error 2 > 0.0003)
# found in:  seed 1001, program 178
import numpy as np

FUZZ_CASE = {'args': [[0.726, 1.055, 0.038]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    t1 = np.sum(x)
    t2 = np.ones((2, 3))[0]
    t2[t2 > 0.19] -= t1
    return np.sum(t2)
