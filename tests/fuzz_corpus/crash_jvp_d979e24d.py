# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: NameError: name '_' is not defined [in generated code]
# message:   NameError: name 'a10' is not defined
# where:     raised in generated forward_f, line 10, at: a10 = np.array([[0.2, 0.4, 0.7], [0.5, 0.7, 0.7]]) * 1.0
# found in:  seed 1001, program 439
import numpy as np

FUZZ_CASE = {'args': [[0.724, 0.412, -0.834]], 'wrt': 0, 'modes': ['jvp']}


def h1(a, b):
    g2 = lambda u3: 0.5
    return (0.5, 0.5)


def f(x):
    t5 = x
    a10 = np.array([[0.2, 0.4, 0.7], [0.5, 0.7, 0.7]]) * 1.0
    a10[0, -1] = np.mean(t5)
    return h1(0.5, a10)[1]
