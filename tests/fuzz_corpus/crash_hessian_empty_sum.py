# Minimized by the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (N,)  and reques
# message:   ValueError: operands could not be broadcast together with remapped shapes [original->remapped]: (2,)  and requested shape (1,)
# found in:  seed 454540715, program 5705
# cause:     the tangent of sum([]) was the int 0, read as an unbatched value in vector forward mode
import numpy as np

FUZZ_CASE = {'args': [-0.005, [[1.067, -0.347, -0.795], [0.98, 0.662, -0.435]]], 'wrt': 0, 'modes': ['hessian']}


def h1(a, b):
    t2 = np.array([0.5, 1.2, 0.5])
    for i3 in range(0, 3, 2):
        t5 = sum([b for v4 in t2 if 0.5 < 0.48])
        t8 = t2 / a
        t8[:, 2 - i3] *= 1.0
        t2[-2:] += np.linspace(0.3, 0.5, 2) * t5

    def g10(u11):
        return 0.5
    t12 = 0.5
    return 6


def f(x, y):
    a18 = np.ones((2, 3))
    t20 = sum([np.dot(np.mean(a18, axis=-2), v19) for v19 in a18])
    i31 = 2
    if 0.5 < 0:
        return 0.5
    a18[0, 0] *= np.sin(x)
    t33 = h1(a18[1:4], t20)
    return np.sin(np.sum(a18))

if __name__ == "__main__":
    import tangent_like as tl, traceback
    try:
        print(tl.hessian(f)(*[np.asarray(a) if isinstance(a, list) else a for a in FUZZ_CASE['args']]))
    except Exception as e:
        traceback.print_exc()
