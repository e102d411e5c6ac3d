# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: matmul: Input operand N has a mismatch in its core dimension N, with gufunc signature (n?,k),(k,m?)- [in generated code]
# message:   ValueError: matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size 1 is different from 2)
# where:     raised in generated adjoint_f, line 24, at: t16 = (-(y @ v10))[:, None]
# found in:  seed 1001, program 461

FUZZ_CASE = {'args': [[[-1.133, 1.074, -0.04], [-0.108, 1.1, -1.149]]], 'wrt': 0, 'modes': ['grad']}


def f(y):
    v10 = y[0]
    t16 = (-(y @ v10))[:, None]
    return 0.5
