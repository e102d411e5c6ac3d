# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      jvp, value_and_grad
# signature: forward: value mismatch
# message:   value: got 3, expected 2 (max error 1 > 2e-09)
# found in:  seed 20261201, program 5917
import numpy as np

FUZZ_CASE = {'args': [[-0.44, 0.427, -0.557]], 'wrt': 0, 'modes': ['jvp', 'value_and_grad']}


def f(x):
    t5 = np.ones((2, 3))[-2]
    xs12 = []
    for i13 in range(2):
        t5[[2, 0, 0]] -= 0.5
        xs12.append(t5)
    t18 = xs12
    return np.sum(t18)
