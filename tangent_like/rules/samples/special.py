"""Samples of the ``scipy.special`` rules (rules/scipy_special.py) whose arguments the rules'
domains do not describe: functions of (0, 1) or (0, 2), orders that are integers or stay
constant, the dimension of ``multigammaln``, and the reductions with their axes and
weights.
"""
import numpy as np
import scipy.special

from . import randn


def _between(rng, low, high):
    """A Python float, a vector and a matrix of values in ``(low, high)``."""
    return [{"x": float(rng.uniform(low, high))}, {"x": rng.uniform(low, high, 3)},
            {"x": rng.uniform(low, high, (2, 3))}]


def unit_interval(rng):
    """logit, ndtri: x in (0, 1), away from the poles at 0 and 1."""
    return _between(rng, 0.1, 0.9)


def erfcinv(rng):
    """erfcinv: x in (0, 2), away from the poles at 0 and 2."""
    return _between(rng, 0.2, 1.8)


def _order_and_argument(rng, orders, low, high, name="z"):
    """A constant order (a float, an int or an array of them) with arguments in
    ``(low, high)`` of several shapes."""
    out = []
    for order in orders:
        out += [{"v": order, name: rng.uniform(low, high, 3)},
                {"v": order, name: float(rng.uniform(low, high))},
                {"v": order, name: rng.uniform(low, high, (2, 3))}]
    return out


def bessel(rng):
    """iv, ive, jv, yv: real orders (one of them an array), z > 0 (yv is real there)."""
    return _order_and_argument(rng, [0.0, 1.0, 2.5, np.array([0.5, 1.5, 3.0])], 0.5, 2.5)


def bessel_signed(rng):
    """iv, ive, jv at arguments of both signs: integer orders (real results there)."""
    return [{"v": v, "z": rng.choice([-1.0, 1.0], 3) * rng.uniform(0.5, 2.0, 3)}
            for v in (0.0, 1.0, 2.0)]


def yn(rng):
    """yn(n, x): integer orders, x > 0."""
    return [{"n": n, "x": x} for n in (0, 1, 3, np.array([0, 2, 1]))
            for x in (rng.uniform(0.5, 2.5, 3), float(rng.uniform(0.5, 2.5)))]


def polygamma(rng):
    """polygamma(n, x): integer orders (an int or an array of ints), x > 0."""
    return [{"n": n, "x": x} for n in (0, 1, 2, np.array([0, 1, 3]))
            for x in (rng.uniform(0.5, 2.0, 3), float(rng.uniform(0.5, 2.0)))]


def gammainc(rng):
    """gammainc/gammaincc(a, x): a > 0 constant, x > 0 (also a == 1, where the derivative
    is exp(-x), and arrays of a)."""
    out = []
    for a in (0.7, 1.0, 2.5, rng.uniform(0.5, 3.0, 3)):
        out += [{"a": a, "x": rng.uniform(0.3, 3.0, 3)},
                {"a": a, "x": float(rng.uniform(0.3, 3.0))}]
    out.append({"a": rng.uniform(0.5, 3.0, (2, 1)), "x": rng.uniform(0.3, 3.0, 3)})
    return out


def betainc(rng):
    """betainc/betaincc(a, b, x): a, b > 0 constant, x in (0, 1)."""
    out = []
    for a, b in ((0.7, 2.5), (1.0, 1.0), (2.0, rng.uniform(0.5, 3.0, 3))):
        out += [{"a": a, "b": b, "x": rng.uniform(0.1, 0.9, 3)},
                {"a": a, "b": b, "x": float(rng.uniform(0.1, 0.9))}]
    return out


def multigammaln(rng):
    """multigammaln(a, d): a > (d - 1) / 2, d an int."""
    return [{"a": a, "d": d} for d in (1, 2, 3)
            for a in (float(rng.uniform(2.0, 3.0)), rng.uniform(2.0, 3.0, 3),
                      rng.uniform(2.0, 3.0, (2, 3)))]


def multi_polygamma(rng):
    """multi_polygamma(n, a, d): the order n and d ints, a > (d - 1) / 2."""
    return [dict(args, n=n) for n in (0, 1) for args in multigammaln(rng)]


def logsumexp(rng):
    """Every axis form, with and without keepdims, and weights b (of a's shape, broadcast
    against it, larger than it; negative ones where the sum stays positive)."""
    out = []
    for shape, axis in [((4,), None), ((4,), 0), ((2, 3), None), ((2, 3), 0), ((2, 3), 1),
                        ((2, 3), -1), ((2, 3, 2), (0, 2)), ((), None)]:
        for keepdims in (False, True):
            out.append({"a": randn(rng, shape), "axis": axis, "keepdims": keepdims})
    a = rng.standard_normal((2, 3))
    out += [{"a": a, "axis": 1, "b": rng.uniform(0.5, 2.0, (2, 3)), "keepdims": False},
            {"a": a, "axis": None, "b": rng.uniform(0.5, 2.0, 3), "keepdims": False},
            {"a": a, "axis": 0, "b": rng.uniform(0.5, 2.0, (4, 1, 3)), "keepdims": True},
            {"a": a, "axis": -1, "b": np.array([1.5, -0.2, 1.0]), "keepdims": False},
            {"a": rng.standard_normal(3), "axis": None, "b": 2.0, "keepdims": False}]
    return out


def softmax(rng):
    """softmax/log_softmax(x, axis): every axis form."""
    return [{"x": randn(rng, shape), "axis": axis}
            for shape, axis in [((4,), None), ((4,), 0), ((2, 3), None), ((2, 3), 0),
                                ((2, 3), -1), ((2, 3, 2), (0, 2)), ((), None)]]


def spread_reduced(rng):
    """spread_reduced(v, a, b, axis, keepdims): `v` shaped like logsumexp's result."""
    out = []
    for args in logsumexp(rng):
        y = scipy.special.logsumexp(**args)
        out.append({"v": randn(rng, np.shape(y)), "b": None, **args})
    return out


def on_support(rng):
    """on_support(v, density): densities with zeros (outside the support) and without."""
    return [{"v": rng.standard_normal(4), "density": np.array([0.5, 0.0, 1.2, 0.0])},
            {"v": rng.standard_normal((2, 3)), "density": rng.uniform(0.1, 1.0, 3)},
            {"v": float(rng.standard_normal()), "density": 0.7},
            {"v": float(rng.standard_normal()), "density": 0.0}]
