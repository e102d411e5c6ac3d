"""Minimize the Rosenbrock function with SciPy, using a gradient made by tangent_like.

The n-dimensional Rosenbrock function

    f(x) = sum_i 100 * (x[i+1] - x[i]**2)**2 + (1 - x[i])**2

has a long curved valley and its minimum at x = (1, 1, ..., 1).  Quasi-Newton methods
such as BFGS need its gradient; instead of deriving it by hand we write `rosen` as a plain
loop over the vector and let tangent_like produce the gradient function.

Run it with::

    python examples/rosenbrock.py
"""
import numpy as np
from scipy import optimize

import tangent_like as tl


def rosen(x):
    """The Rosenbrock function of a 1-D array, written as an explicit loop."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def main():
    x0 = np.array([1.3, 0.7, 0.8, 1.9, 1.2])

    # grad(rosen) takes the same argument as rosen and returns an array shaped like x.
    rosen_grad = tl.grad(rosen)

    # Sanity check at the starting point against SciPy's hand-written gradient.
    error = np.max(np.abs(rosen_grad(x0) - optimize.rosen_der(x0)))
    print(f"max |tangent_like - scipy.optimize.rosen_der| at x0: {error:.1e}")

    # The generated gradient is an ordinary callable, so it plugs straight into SciPy.
    result = optimize.minimize(rosen, x0, jac=rosen_grad, method="BFGS")

    print(f"converged:   {result.success} ({result.message})")
    print(f"iterations:  {result.nit}")
    print(f"evaluations: {result.nfev} of f, {result.njev} of the gradient")
    print(f"f(x*)      = {result.fun:.3e}")
    print(f"x*         = {np.array2string(result.x, precision=6)}")
    return result


if __name__ == "__main__":
    main()
