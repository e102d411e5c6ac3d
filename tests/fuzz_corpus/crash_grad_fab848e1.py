# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: AxisError: axis -N is out of bounds for array of dimension N [in generated code]
# message:   AxisError: axis -2 is out of bounds for array of dimension 1
# where:     raised in generated adjoint_f, line 25, at: xs6.append(np.linspace(0.3, 1.1, 2) @ x)
# found in:  seed 2002, program 154
import numpy as np

FUZZ_CASE = {'args': [[[-1.119, 0.647, 1.048], [0.977, 0.761, -0.998]]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    xs6 = []
    xs6.append(np.linspace(0.3, 1.1, 2) @ x)
    return 0.5
