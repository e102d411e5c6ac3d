# Minimized by hand from the tangent_like differential fuzzer (python -m tangent_like.testing.fuzz).
# class:     crash
# mode:      hessian
# signature: ValueError: could not broadcast input array from shape (N,N,N) into shape (N,N)
# message:   ValueError: could not broadcast input array from shape (3,1,3) into shape (3,3)
# found in:  seed 1548822937, programs 1785 and 7897
# cause:     the adjoint of a loop item was the zero placeholder 0.0 while its batched tangent was an array's: batch_align read the tangent's rank off the placeholder
import numpy as np

FUZZ_CASE = {'args': [[0.3, 0.5, 0.7]], 'wrt': 0, 'modes': ['hessian']}


def h1(a):
    for v2 in a:
        v2 = np.cos(v2)
    a = 3


def f(x):
    t31 = h1(x)
    return np.sum(x)

if __name__ == "__main__":
    import tangent_like as tl, traceback
    try:
        print(tl.hessian(f)(*[np.asarray(a) if isinstance(a, list) else a for a in FUZZ_CASE['args']]))
    except Exception as e:
        traceback.print_exc()
