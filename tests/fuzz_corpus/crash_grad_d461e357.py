# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques [in generated code]
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (3,)  and requested shape (3,1)
# where:     raised in generated adjoint_f, line 23, at: p4, p5 = (t2[:, None] * y, 0.5)
# found in:  seed 2002, program 0

FUZZ_CASE = {'args': [[[0.396, -0.668, -0.097], [-0.889, -0.588, 0.991]], [1.09, -0.568, -0.803]], 'wrt': 0, 'modes': ['grad']}


def f(x, y):
    t2 = x[1]
    p4, p5 = (t2[:, None] * y, 0.5)
    if 0.5 < 0.3:
        pass
    else:
        t6 = p4
    return 0.5
