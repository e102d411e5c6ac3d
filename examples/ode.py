"""Sensitivity of an ODE solution to a parameter, through a Python time-stepping loop.

The state x(t) follows

    dx/dt = -k * x + sin(x),        x(0) = x0

and we want d x(T) / d k: how the final state moves when the rate constant k changes.
`simulate` integrates the equation with Heun's method (explicit RK2) in an ordinary
``for`` loop; tangent_like differentiates the loop as written, and the generated
derivative code is printed at the end.

Run it with::

    python examples/ode.py

or look at the derivative code alone with the command-line tool::

    tangent-like examples/ode.py:simulate --wrt k
"""
import math

import tangent_like as tl


def simulate(k, x0=1.0, dt=0.01, steps=500):
    """Integrate dx/dt = -k*x + sin(x) from x0 for `steps` steps of size dt; return x(T)."""
    x = x0
    for _ in range(steps):
        # Heun's method: an Euler predictor, then the average of the two slopes.
        slope = -k * x + math.sin(x)
        x_pred = x + dt * slope
        slope_pred = -k * x_pred + math.sin(x_pred)
        x = x + 0.5 * dt * (slope + slope_pred)
    return x


def central_difference(f, k, h=1e-5):
    """The textbook check: (f(k + h) - f(k - h)) / 2h, accurate to O(h**2)."""
    return (f(k + h) - f(k - h)) / (2.0 * h)


def main():
    k = 0.5

    # The derivative of `simulate` with respect to its parameter named "k".  The other
    # arguments (x0, dt, steps) keep their defaults and are not differentiated.
    dsimulate_dk = tl.grad(simulate, wrt="k")

    x_final = simulate(k)
    dk = dsimulate_dk(k)  # a Python float, like k
    fd = central_difference(simulate, k)

    print(f"x(T)                          = {x_final:.10f}")
    print(f"dx(T)/dk from tangent_like    = {dk:.10f}")
    print(f"dx(T)/dk, central difference  = {fd:.10f}")
    print(f"relative difference           = {abs(dk - fd) / abs(fd):.1e}")

    # The gradient is ordinary Python: print it, read it, step through it with pdb.
    print()
    print("Generated derivative code:")
    print(dsimulate_dk.source)
    return dk, fd


if __name__ == "__main__":
    main()
