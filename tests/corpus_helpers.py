"""Helper functions that live in a module of their own.

`corpus.py` imports these both as ``import corpus_helpers`` (attribute calls such as
``corpus_helpers.sigmoid(x)``) and as ``from corpus_helpers import ...`` (bare-name calls), so
the transformer has to follow calls into another module's source and globals.  Some helpers
call each other, and some use this module's own globals, to make that lookup non-trivial.
"""
import math

import numpy as np

# A module-level constant read by the helpers below (a global of *this* module).
STANDARD_GRAVITY = 9.80665


def sigmoid(z):
    """The logistic function of a scalar."""
    return 1.0 / (1.0 + math.exp(-z))


def softplus(x, beta=1.0):
    """A smooth ReLU: log(1 + exp(beta * x)) / beta."""
    return math.log1p(math.exp(beta * x)) / beta


def np_sigmoid(z):
    """The logistic function, elementwise on an array."""
    return 1.0 / (1.0 + np.exp(-z))


def spring_force(x, k, rest_length=1.0):
    """Hooke's law: the force of a spring of stiffness k stretched to length x."""
    return -k * (x - rest_length)


def present_value(cash, rate, t):
    """Value today of `cash` paid at time t (years) under annual compounding at `rate`."""
    return cash / (1.0 + rate) ** t


def annuity_value(payment, rate, years):
    """Present value of `payment` paid at the end of each of `years` years."""
    total = 0.0
    for year in range(1, years + 1):
        total += present_value(payment, rate, year)
    return total


def potential_energy(mass, height):
    """Gravitational potential energy near the Earth's surface."""
    return mass * STANDARD_GRAVITY * height


def scaled_tanh(x, *, scale=2.0):
    """tanh with a keyword-only output scale."""
    return scale * math.tanh(x / scale)
