# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: AxisError: axis -N is out of bounds for array of dimension N [in generated code]
# message:   AxisError: axis -2 is out of bounds for array of dimension 1
# where:     raised in generated adjoint_f, line 24, at: return (0.5, np.sum(a, axis=-2))
# found in:  seed 1001, program 638
import numpy as np

FUZZ_CASE = {'args': [[[-0.058, -0.938, -1.023], [-0.007, 0.792, -0.445]]], 'wrt': 0, 'modes': ['grad']}


def h1(a, b, scale=1.1):
    return (0.5, np.sum(a, axis=-2))


def f(x):
    return h1(x, 0.5)[0]
