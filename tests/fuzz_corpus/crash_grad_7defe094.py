# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: ValueError: setting an array element with a sequence. [in generated code]
# message:   ValueError: setting an array element with a sequence.
# where:     raised in generated adjoint_f, line 34, at: v11 = x[0]
# found in:  seed 2002, program 251

FUZZ_CASE = {'args': [[-0.475, -0.87, -1.099]], 'wrt': 0, 'modes': ['grad']}


def f(x):
    t9 = 0.5 * x
    v11 = x[0]
    t9[t9 > -0.46] *= v11
    return 0.5
