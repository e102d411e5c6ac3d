# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      grad
# signature: TypeError: only N-dimensional arrays can be converted to Python scalars
# message:   TypeError: only 0-dimensional arrays can be converted to Python scalars
# found in:  seed 1001, program 129

FUZZ_CASE = {'args': [[-0.498, 0.377, -0.012], -0.546], 'wrt': 1, 'modes': ['grad']}


def f(x, y):
    x = 0.5 * x
    x[x > 0.4] -= y
    return 0.5
