# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      jvp, value_and_grad
# signature: forward: value mismatch
# message:   value: got 0.68440024, expected 0.83440024 (max error 0.15 > 1e-09)
# found in:  seed 20261201, program 9113
import numpy as np

FUZZ_CASE = {'args': [[0.465, 0.872, -0.464]], 'wrt': 0, 'modes': ['jvp', 'value_and_grad']}


def f(x):
    x = np.tanh(x)
    xs8 = []
    for i9 in range(2):
        x += 0.3
        xs8.append(x)
    t10 = xs8
    return np.mean(t10)
