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


def gaussian(x, mu, sigma):
    z = (x - mu) / sigma
    return np.sum(np.exp(-0.5 * z ** 2) / (sigma * math.sqrt(2.0 * math.pi)))


def row_norms(A):
    total = 0.0
    for i in range(A.shape[0]):
        total += math.sqrt(np.sum(A[i, :] ** 2) + 1e-12) + abs(A[i, 0]) * max(A[i, 1], 0.0)
    return total


import importlib.util
import pathlib


def _example(name):
    path = pathlib.Path(__file__).parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ode, _rosenbrock, _logistic = (_example(n) for n in ("ode", "rosenbrock", "logistic"))

# name -> (function, example arguments, wrt)
GOLDEN = {
    "square_sin": (square_sin, (0.3,), 0),
    "damped": (damped, (0.7, 3), 0),
    "newton_sqrt": (newton_sqrt, (2.0,), 0),
    "first_negative": (first_negative, (np.array([1.0, -2.0, 3.0]),), 0),
    "loss": (loss, (np.ones(3), np.ones((4, 3)), np.ones(4)), 0),
    # long expressions and builtins: names in whole words, never a builtin's
    "gaussian": (gaussian, (np.array([0.5, -1.0, 2.0]), 0.3, 1.5), 0),
    "row_norms": (row_norms, (np.array([[0.5, -1.0], [2.0, 0.3], [-0.4, 0.8]]),), 0),
    # the examples of examples/
    "example_ode_simulate": (_ode.simulate, (0.5,), "k"),
    "example_rosenbrock": (_rosenbrock.rosen, (np.array([0.5, -0.3, 1.2]),), 0),
    "example_logistic_loss": (_logistic.loss, (np.zeros(3), np.ones((5, 3)), np.ones(5)), 0),
}
