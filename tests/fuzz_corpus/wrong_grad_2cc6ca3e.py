# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got [-3.  0. -3.], expected [-4.  0. -4.] (max error 1 > 0.000999)
# found in:  seed 20261201, program 5917
import numpy as np

FUZZ_CASE = {'args': [[-0.44, 0.427, -0.557]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    t5 = np.ones((2, 3))[-2]
    xs12 = []
    for i13 in range(2):
        t5[[2, 0, 0]] -= x
        xs12.append(t5)
    t18 = xs12
    return np.sum(t18)
