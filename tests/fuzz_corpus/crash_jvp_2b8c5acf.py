# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: NameError: name '_' is not defined [in generated code]
# message:   NameError: name 'a2' is not defined
# where:     raised in generated forward_f, line 9, at: a2 = np.array([[0.8, 0.4, 0.3], [0.0, 1.0, 0.7]]) * 1.0
# found in:  seed 2002, program 618
import numpy as np

FUZZ_CASE = {'args': [0.083], 'wrt': 0, 'modes': ['jvp']}


def f(x):
    a2 = np.array([[0.8, 0.4, 0.3], [0.0, 1.0, 0.7]]) * 1.0
    a2[:, 0] -= x
    return np.sum(a2)
