"""Samples of the reductions and scans (rules/numpy_reduce.py, ``np.sum``/``np.mean`` of
rules/numpy_rules.py) and of the kernels their templates call.

Reductions are sampled along every axis form, with and without ``keepdims``; ``prod`` and
``cumprod`` also with zeros in a group (handled exactly), ``max``/``min`` with distinct
values (away from ties).
"""
import numpy as np

from ...runtime.norm import norm_layout, norm_smoothness
from . import of_adjoint, pick, uniform


def reductions(rng):
    """np.sum / np.mean samples: every axis form with and without keepdims.

    The check passes the arguments present positionally in parameter order and evaluates the
    templates with the sample as their names, so every parameter is given: ``dtype`` and
    ``out`` as None, which keeps ``keepdims`` in its place."""
    out = []
    cases = [((2, 3), axis) for axis in (None, 0, 1, -1)] + \
        [((2, 3, 4), axis) for axis in (None, (0, 2), (1,), -2)] + [((4,), None), ((4,), 0)]
    for shape, axis in cases:
        x = rng.standard_normal(shape)
        for keepdims in (False, True):
            out.append({"x": x, "axis": axis, "dtype": None, "out": None,
                        "keepdims": keepdims})
    out.append({"x": float(rng.standard_normal()), "axis": None, "dtype": None, "out": None,
                "keepdims": False})                           # a Python float
    return out


def prod(rng):
    x = uniform(rng, (3, 4))
    z = x.copy()
    z[1, 2] = 0.0                 # one zero in a group
    zz = uniform(rng, (2, 5))
    zz[0, 1] = zz[0, 3] = 0.0     # two zeros in a group
    return [{"x": uniform(rng, (5,))},
            {"x": x, "axis": 1}, {"x": x, "axis": 0, "dtype": None, "out": None,
                                  "keepdims": True},
            {"x": z}, {"x": z, "axis": 1}, {"x": zz, "axis": 1}, {"x": zz},
            {"x": uniform(rng, (2, 3, 4)), "axis": (0, 2)},
            {"x": uniform(rng, (2, 3)), "axis": -1}]


def extreme(rng):
    def distinct(shape):
        return rng.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(
            shape) * 0.37 - 1.0
    x = distinct((3, 4))
    return [{"x": distinct((6,))}, {"x": x, "axis": 1}, {"x": x, "axis": 0},
            {"x": x, "axis": -1, "out": None, "keepdims": True},
            {"x": distinct((2, 3, 4)), "axis": (0, 2)}]


def var(rng):
    x = uniform(rng, (3, 4))
    return [{"x": uniform(rng, (5,))}, {"x": x, "axis": 1},
            {"x": x, "axis": 0, "dtype": None, "out": None, "ddof": 1},
            {"x": x, "axis": -1, "dtype": None, "out": None, "ddof": 1, "keepdims": True},
            {"x": uniform(rng, (2, 3, 4)), "axis": (0, 2)}]


def scan(rng, zeros=False):
    x = uniform(rng, (3, 4))
    out = [{"x": uniform(rng, (5,))}, {"x": x}, {"x": x, "axis": 1}, {"x": x, "axis": 0},
           {"x": uniform(rng, (2, 3, 2)), "axis": -2}]
    if zeros:
        z = x.copy()
        z[0, 1] = 0.0
        z[2, 0] = z[2, 2] = 0.0
        out += [{"x": z, "axis": 1}, {"x": z}, {"x": z, "axis": 0}]
    return out


def scan_with_zeros(rng):
    return scan(rng, zeros=True)


def norm(rng):
    v = uniform(rng, (5,))
    m = uniform(rng, (3, 4))
    t = uniform(rng, (2, 3, 4))
    out = [{"x": v}, {"x": v, "ord": 2}, {"x": v, "ord": 1}, {"x": v, "ord": np.inf},
           {"x": v, "ord": -np.inf}, {"x": v, "ord": 3}, {"x": v, "ord": 0.5},
           {"x": m}, {"x": m, "ord": "fro"}, {"x": m, "ord": "nuc"}, {"x": m, "ord": 2},
           {"x": m, "ord": -2}, {"x": m, "ord": 1}, {"x": m, "ord": -1},
           {"x": m, "ord": np.inf}, {"x": m, "ord": -np.inf}, {"x": t},
           {"x": m, "ord": None, "axis": 1}, {"x": m, "ord": 1, "axis": 0},
           {"x": m, "ord": 3, "axis": -1, "keepdims": True},
           {"x": t, "ord": "fro", "axis": (2, 0)}, {"x": t, "ord": 1, "axis": (1, 2)},
           {"x": t, "ord": "nuc", "axis": (0, 2), "keepdims": True},
           {"x": m, "ord": None, "axis": None, "keepdims": True}]
    return out


def average(rng):
    x = uniform(rng, (3, 4))
    return [{"x": uniform(rng, (5,))}, {"x": x, "axis": 1},
            {"x": x, "axis": None, "weights": rng.uniform(0.5, 2.0, (3, 4))},
            {"x": x, "axis": 1, "weights": rng.uniform(0.5, 2.0, (4,))},
            {"x": x, "axis": 0, "weights": rng.uniform(0.5, 2.0, (3, 4))},
            {"x": uniform(rng, (2, 3, 4)), "axis": (2, 0), "weights": rng.uniform(0.5, 2.0,
                                                                                (4, 2))}]


# the kernels of the templates


prod_others = pick(prod, "x", "axis")
var_weights = pick(var, "x", "axis", "ddof")
cumsum_adjoint = of_adjoint(scan, np.cumsum, ["x", "axis"],
                            lambda a, y, v: dict(v=v, x=a["x"], axis=a.get("axis")))
# x without zeros: the second derivatives refuse zeros
cumprod_adjoint = of_adjoint(scan, np.cumprod, ["x", "axis"],
                             lambda a, y, v: dict(v=v, x=a["x"], result=y, axis=a.get("axis")))
average_weights = pick(average, "x", "axis", "weights")
average_adjoint_w = of_adjoint(
    lambda rng: [a for a in average(rng) if a.get("weights") is not None],
    np.average, ["x", "axis", "weights"],
    lambda a, y, v: dict(v=v, x=a["x"], result=y, axis=a.get("axis"), weights=a["weights"]))


def norm_weights(rng):
    out = []
    for a in norm(rng):
        layout, _ = norm_layout(a["x"], a.get("ord"), a.get("axis"))
        if norm_smoothness(layout, a.get("ord")) not in ("two", "p", "svd"):
            continue       # piecewise constant weights: a finite difference crosses the kink
        y = np.linalg.norm(a["x"], a.get("ord"), a.get("axis"), a.get("keepdims", False))
        out.append({"x": a["x"], "result": y, "ord": a.get("ord"), "axis": a.get("axis"),
                    "keepdims": a.get("keepdims", False)})
    return out


def matrix_norm(rng):
    m = uniform(rng, (3, 4))
    return [{"x": m}, {"x": m, "ord": "nuc"}, {"x": m, "ord": 2}, {"x": m, "ord": 1},
            {"x": uniform(rng, (2, 3, 4)), "ord": np.inf, "keepdims": True}]


def vector_norm(rng):
    m = uniform(rng, (3, 4))
    t = uniform(rng, (2, 3, 4))
    return [{"x": m}, {"x": m, "ord": 1}, {"x": m, "axis": 1, "ord": 3},
            {"x": t, "axis": (0, 2), "keepdims": True}, {"x": t, "ord": np.inf, "axis": -1},
            {"x": uniform(rng, 5), "ord": 0.5}]


def vector_norm_weights(rng):
    out = []
    for a in vector_norm(rng):
        if a.get("ord", 2) in (1, np.inf):
            continue       # piecewise constant weights
        kw = {k: a[k] for k in ("axis", "keepdims", "ord") if k in a}
        y = np.linalg.vector_norm(a["x"], **kw)
        out.append({"x": a["x"], "result": y, "ord": a.get("ord", 2), "axis": a.get("axis"),
                    "keepdims": a.get("keepdims", False)})
    return out


def svdvals(rng):
    return [{"x": uniform(rng, (3, 4))}, {"x": uniform(rng, (2, 3, 3))}]
