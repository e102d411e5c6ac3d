"""Samples of the elementwise functions, operators and builtins whose arguments the rules'
domains do not describe (rules/elementwise.py, rules/operators.py, rules/builtin_rules.py).
"""
import itertools

import numpy as np

from . import uniform


def power(rng):
    """``a ** b``: a > 0 wherever b varies (d/db is log(a) * y); Python int exponents are
    bound as literals, so they check the folded d/da templates, there on bases of any sign."""
    pos = lambda shape=(): rng.uniform(0.5, 2.0, shape)  # noqa: E731
    out = [{"a": pos((2, 3)), "b": rng.uniform(-1.5, 1.5, 3)},
           {"a": pos(3), "b": float(rng.uniform(-1.5, 1.5))},
           {"a": float(pos()), "b": rng.uniform(-1.5, 1.5, 4)},
           {"a": pos(4), "b": rng.uniform(-1.5, 1.5, 4)},
           {"a": float(pos()), "b": float(rng.uniform(-1.5, 1.5))},
           {"a": pos(3), "b": 0.5}]
    for b in (0, 1, 2, 3, -1, -2):
        signs = rng.choice([-1.0, 1.0], 3)
        out.append({"a": signs * pos(3), "b": b})
        out.append({"a": float(signs[0] * pos()), "b": b})
    return out


def math_log(rng):
    """math.log(x) and math.log(x, base): x > 0, base > 0 and != 1 (a float base is checked
    as an argument; an int base is bound as a literal and checks the x template with it)."""
    pos = lambda: float(rng.uniform(0.5, 2.0))  # noqa: E731
    return [{"x": pos()}, {"x": pos()},
            {"x": pos(), "base": float(rng.uniform(1.5, 4.0))},
            {"x": pos(), "base": float(rng.uniform(0.2, 0.7))},
            {"x": pos(), "base": 2}, {"x": pos(), "base": 10}]


def math_copysign(rng):
    """a, b nonzero in every sign combination (b has no template: it only gives a sign)."""
    return [{"a": sa * float(rng.uniform(0.5, 2.0)), "b": sb * float(rng.uniform(0.5, 2.0))}
            for sa in (-1.0, 1.0) for sb in (-1.0, 1.0)]


def min_max(rng):
    """Two and three distinct floats in every order, so each position is the extreme (and
    a loser) in turn, and the one-argument form ``max(x)`` of 1-D arrays (a tuple argument
    is checked end to end in tests/test_trust_rules.py)."""
    out = []
    for n in (2, 3):
        base = np.array([-1.1, 0.3, 1.4][:n]) + rng.uniform(-0.1, 0.1, n)
        for order in itertools.permutations(range(n)):
            out.append({p: float(base[i]) for p, i in zip("abc", order)})
    out += [{"a": rng.permutation(np.array([-1.1, 0.3, 1.4, 0.8])), "b": None, "c": None}
            for _ in range(3)]
    return out


def ldexp(rng):
    """``np.ldexp(x1, x2) = x1 * 2 ** x2``: x2 is an integer exponent (an int or an array of
    ints, which NumPy requires), x1 anywhere."""
    return [{"x1": uniform(rng, (2, 3)), "x2": rng.integers(-3, 4, 3)},
            {"x1": uniform(rng, 3), "x2": 2},
            {"x1": float(uniform(rng, ())), "x2": rng.integers(-3, 4, 4)},
            {"x1": float(uniform(rng, ())), "x2": -1}]
