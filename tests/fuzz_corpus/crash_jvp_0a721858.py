# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: UnboundLocalError: cannot access local variable '_' where it is not associated with a value [in generated code]
# message:   UnboundLocalError: cannot access local variable 'a6' where it is not associated with a value
# where:     raised in generated forward_f, line 6, at: a6 = np.linspace(0.3, 0.9, 2) * 1.0
# found in:  seed 2002, program 1
import numpy as np

FUZZ_CASE = {'args': [-0.082], 'wrt': 0, 'modes': ['jvp']}


def f(x):
    a6 = np.linspace(0.3, 0.9, 2) * 1.0
    a6 *= x
    t9 = [v8 for v8 in a6]
    return 0.5
