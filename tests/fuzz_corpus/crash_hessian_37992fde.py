# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques [in generated code]
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (6,)  and requested shape (6,2,1)
# where:     raised in generated forward_adjoint_f, line 51, from <tangent_like generated f #647>:25: bt17 = unbroadcast(0.0 * cj(dot_over_sum_x), t17)
# found in:  seed 2002, program 36
import numpy as np

FUZZ_CASE = {'args': [[[-0.988, 0.406, -1.144], [0.093, 0.59, 0.807]]], 'wrt': 0, 'modes': ['hessian']}


def f(x):
    t17 = np.mean(x, axis=1, keepdims=True)
    t18 = [0.8, 0.6, 0.8]
    t17 *= np.dot(t18, t18) / np.sum(x)
    return 0.5
