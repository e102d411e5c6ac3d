"""Samples of the order statistics and NaN-ignoring reductions (rules/numpy_stats.py) and of
the kernels their templates call.

Quantiles are sampled away from their knots (``q (n - 1)`` not an integer) on distinct
values; NaN-ignoring reductions on arrays with NaNs (a finite difference at a NaN is 0,
as the derivative there).
"""
import numpy as np

from ... import runtime as rt
from . import like, uniform


def _distinct(rng, shape):
    return uniform(rng, shape) + 0.01 * np.arange(int(np.prod(shape))).reshape(shape)


def median(rng):
    x = _distinct(rng, (3, 4))
    return [{"a": x}, {"a": x, "axis": 0}, {"a": x, "axis": 1, "keepdims": True},
            {"a": _distinct(rng, (5,))}, {"a": x, "axis": (0, 1)}]


def quantile(scale, nan=False):
    """Quantile samples; the nan- functions only with a scalar q (np.nanquantile of an empty
    array along an axis with several q returns a result of the wrong shape)."""
    def samples(rng):
        x = _distinct(rng, (3, 4))
        s = 1.0 / scale
        out = [{"a": x, "q": 0.37 * s}, {"a": x, "q": 0.81 * s, "axis": 1},
                {"a": x, "q": np.array([0.13, 0.62]) * s, "axis": 0},
                {"a": x, "q": np.array([[0.2, 0.55]]) * s, "axis": 1, "keepdims": True},
                {"a": _distinct(rng, (6,)), "q": 0.45 * s}]
        return [a for a in out if not nan or np.ndim(a["q"]) == 0]
    return samples


def _with_nans(rng, shape):
    x = uniform(rng, shape)
    x.reshape(-1)[[1, 5]] = np.nan
    return x


def nan_reduce(rng):
    x = _with_nans(rng, (3, 4))
    return [{"x": x}, {"x": x, "axis": 0}, {"x": x, "axis": 1, "keepdims": True},
            {"x": uniform(rng, (4,))}]


def nan_extreme(rng):
    return nan_reduce(rng)


def nan_var(rng):
    x = _with_nans(rng, (3, 4))
    return [{"x": x}, {"x": x, "axis": 1}, {"x": x, "axis": 0, "ddof": 1}]


def nan_to_num(rng):
    x = uniform(rng, (3, 4))
    x[0, 1], x[1, 2], x[2, 0] = np.nan, np.inf, -np.inf
    finite = {"posinf": 2.0, "neginf": -3.0}    # (the defaults overflow finite differences)
    nans = uniform(rng, (2, 3))
    nans[1, 1] = np.nan
    return [{"x": x, **finite}, {"x": x, "nan": 0.5, **finite}, {"x": nans},
            {"x": uniform(rng, 3)}]


def weighted_sum(rng):
    x = _distinct(rng, (3, 4))
    out = []
    for q, axis, keep in ((0.37, None, False), (np.array([0.2, 0.7]), 1, False),
                          (0.6, 0, True)):
        w = rt.quantile_weights(x, q, axis)
        out.append({"w": w, "x": x, "axis": axis, "keepdims": keep})
    return out


def weighted_sum_adjoint(rng):
    out = []
    for a in weighted_sum(rng):
        y = rt.weighted_sum(a["w"], a["x"], a["axis"], a["keepdims"])
        out.append(dict(a, v=like(rng, y)))
    return [{"v": a["v"], "w": a["w"], "x": a["x"], "axis": a["axis"],
             "keepdims": a["keepdims"]} for a in out]


def weighted_sum_adjoint_q(rng):
    x = _distinct(rng, (3, 4))
    out = []
    for q, axis in ((0.37, None), (np.array([0.2, 0.7]), 1)):
        w = rt.quantile_weights(x, q, axis, 1.0, 1)
        y = rt.weighted_sum(w, x, axis)
        out.append({"v": like(rng, y), "w": w, "x": x, "q": q, "axis": axis,
                    "keepdims": False})
    return out


def masked_var_weights(rng):
    x = _with_nans(rng, (3, 4))
    return [{"v": x, "x": x, "axis": None, "ddof": 0}, {"v": x, "x": x, "axis": 1, "ddof": 1}]


def finite_part(rng):
    x = nan_to_num(rng)[0]["x"]
    return [{"v": uniform(rng, (3, 4)), "x": x}]
