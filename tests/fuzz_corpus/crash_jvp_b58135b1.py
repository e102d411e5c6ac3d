# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: NameError: name '_' is not defined [in generated code]
# message:   NameError: name 'a9' is not defined
# where:     raised in generated forward_f, line 16, at: a9 = np.array([[0.1, 1.0, 0.5], [0.9, 0.9, 0.6]]) * 1.0
# found in:  seed 2002, program 418
import numpy as np

FUZZ_CASE = {'args': [[0.798, 0.514, -0.142], [-0.407, 0.958, 0.744]], 'wrt': 0, 'modes': ['jvp']}


def f(x, y):
    xs2 = []
    t4 = x
    xs2.append(t4)
    t5 = xs2
    y = t5
    a9 = np.array([[0.1, 1.0, 0.5], [0.9, 0.9, 0.6]]) * 1.0
    a9 *= y
    t10 = np.sum(a9)
    return t10
