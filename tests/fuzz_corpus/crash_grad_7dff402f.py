# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: AxisError: axis N is out of bounds for array of dimension N [in generated code]
# message:   AxisError: axis 1 is out of bounds for array of dimension 1
# where:     raised in generated adjoint_f, line 24, at: xs4.append(np.sum(x, axis=1))
# found in:  seed 2002, program 628
import numpy as np

FUZZ_CASE = {'args': [[[0.749, 0.483, 0.882], [1.084, -0.35, -0.055]]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    xs4 = []
    xs4.append(np.sum(x, axis=1))
    return 0.4
