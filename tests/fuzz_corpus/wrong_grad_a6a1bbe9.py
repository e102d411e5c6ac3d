# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     wrong
# mode:      grad
# signature: reverse: gradient mismatch
# message:   d/d(argument 0): gradient: got [ 0.397182  0.338573 -0.0722  ], expected [0.559485 0.439903 0.090243] (max error 0.162 > 0.0001)
# found in:  seed 20261201, program 9113
import numpy as np

FUZZ_CASE = {'args': [[0.465, 0.872, -0.464]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    x = np.tanh(x)
    xs8 = []
    for i9 in range(2):
        x += 0.3
        xs8.append(x)
    t10 = xs8[-2] * xs8[0]
    return np.mean(t10)
