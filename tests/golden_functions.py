"""Small functions whose generated derivative code is pinned by tests/test_golden.py."""
import math

import numpy as np


def square_sin(x):
    y = x * x
    return math.sin(y) + y


def damped(x, n):
    total = 0.0
    for i in range(n):
        if x > 1.0:
            x = x * 0.5
        y = math.sin(x) * x
        total += y
    return total


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12:
        x = 0.5 * (x + a / x)
    return x


def first_negative(xs):
    for v in xs:
        if v < 0.0:
            return v * v
    return 0.0


def loss(w, X, y):
    r = X @ w - y
    return np.mean(r * r)


# name -> (function, example arguments, wrt)
GOLDEN = {
    "square_sin": (square_sin, (0.3,), 0),
    "damped": (damped, (0.7, 3), 0),
    "newton_sqrt": (newton_sqrt, (2.0,), 0),
    "first_negative": (first_negative, (np.array([1.0, -2.0, 3.0]),), 0),
    "loss": (loss, (np.ones(3), np.ones((4, 3)), np.ones(4)), 0),
}
