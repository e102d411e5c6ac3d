# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: AxisError: axis -N is out of bounds for array of dimension N [in generated code]
# message:   AxisError: axis -2 is out of bounds for array of dimension 1
# where:     raised in generated adjoint_f, line 24, at: xs8.append(np.mean(x, axis=-2))
# found in:  seed 1001, program 60
import numpy as np

FUZZ_CASE = {'args': [[[-0.447, -0.511, 0.63], [0.425, 0.812, 1.077]]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    xs8 = []
    xs8.append(np.mean(x, axis=-2))
    return 0.5
