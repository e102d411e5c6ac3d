# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      jvp
# signature: UnboundLocalError: cannot access local variable '_' where it is not associated with a value [in generated code]
# message:   UnboundLocalError: cannot access local variable 'a14_3' where it is not associated with a value
# where:     raised in generated forward_f, line 5, at: a14 = 1.0
# found in:  seed 1001, program 140

FUZZ_CASE = {'args': [[-0.399, -0.198, 0.781]], 'wrt': 0, 'modes': ['jvp']}


def h13(a):
    a14 = 1.0
    a14 = a14 * (a[1:] / 1.5).reshape((2, 1))
    return (0.5, (0.5 if 0.5 < 0.33 else 0.5) + a14)


def f(y):
    t27 = y
    t29 = h13(t27)
    return t29[0]
