# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: NameError: name '_' is not defined [in generated code]
# message:   NameError: name 'a_1' is not defined
# where:     raised in generated forward_f, line 5, at: a = 0.5
# found in:  seed 1001, program 429

FUZZ_CASE = {'args': [[0.276, 0.497, -0.528]], 'wrt': 0, 'modes': ['jvp']}


def h1(a, scale=1.5):
    a = 0.5
    return a


def f(x):
    x = h1(x)
    t10 = x
    return t10
