# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: matmul: Input operand N has a mismatch in its core dimension N, with gufunc signature (n?,k),(k,m?)- [in generated code]
# message:   ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 1 is different from 3)
# where:     raised in generated adjoint_f, line 32, at: xs5.append(np.sum(x) * np.array([0.9, 0.4]) @ np.array([[0.7, 0.6, 0.3], [0.0, 0.9, 0.6]]))
# found in:  seed 2002, program 74
import numpy as np

FUZZ_CASE = {'args': [[-0.477, 0.057, -0.699]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    xs5 = []
    xs5.append(np.sum(x) * np.array([0.9, 0.4]) @ np.array([[0.7, 0.6, 0.3], [0.0, 0.9, 0.6]]))
    return 0.5
