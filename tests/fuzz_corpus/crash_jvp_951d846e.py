# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: UnboundLocalError: cannot access local variable '_' where it is not associated with a value [in generated code]
# message:   UnboundLocalError: cannot access local variable 'a4' where it is not associated with a value
# where:     raised in generated forward_f, line 7, at: a4 = np.array([0.3, 0.8]) * 1.0
# found in:  seed 1001, program 34
import numpy as np

FUZZ_CASE = {'args': [1.098], 'wrt': 0, 'modes': ['jvp']}


def f(x):
    a4 = np.array([0.3, 0.8]) * 1.0
    a4[[0, 1]] += x
    a4 += 0.5
    t6 = a4
    return np.sum(t6)
