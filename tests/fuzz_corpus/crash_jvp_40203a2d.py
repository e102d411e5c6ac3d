# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: UnboundLocalError: cannot access local variable '_' where it is not associated with a value [in generated code]
# message:   UnboundLocalError: cannot access local variable 'b_1' where it is not associated with a value
# where:     raised in generated forward_f, line 8, at: y = np.sum(x)
# found in:  seed 2002, program 44
import numpy as np

FUZZ_CASE = {'args': [[-0.919, 0.86, 0.452]], 'wrt': 0, 'modes': ['jvp']}


def h1(a, b, scale=0.9):
    b = np.cos(b / a)
    return (0.5, b)


def f(x):
    y = np.sum(x)
    t6 = h1(y, np.array(0.5))
    return np.sum(t6)
