"""Samples of writes, ``np.array`` of sequences and ``np.linspace`` (rules/structures.py)
and of the kernels of their templates.
"""
import numpy as np


def write(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a, "index": 1, "v": rng.standard_normal(4)},
            {"a": a, "index": (0, slice(1, 3)), "v": rng.standard_normal(2)},
            {"a": rng.standard_normal(5), "index": slice(1, 4), "v": 0.7}]


def linspace(rng):
    u = lambda *shape: rng.uniform(-1.5, 1.5, shape)  # noqa: E731
    out = []
    for num in (0, 1, 2, 5):
        for endpoint in (True, False):
            out.append({"start": float(u()), "stop": float(u()), "num": num,
                        "endpoint": endpoint})
    out += [{"start": u(3), "stop": float(u()), "num": 4},
            {"start": u(2, 1), "stop": u(3), "num": 3, "endpoint": False},
            {"start": u(3), "stop": u(3), "num": 4, "endpoint": True, "retstep": False,
             "dtype": None, "axis": 1},
            {"start": u(2, 3), "stop": float(u()), "num": 2, "endpoint": True,
             "retstep": False, "dtype": None, "axis": -1},
            {"start": u(3), "stop": u(3), "num": 1, "endpoint": True, "retstep": False,
             "dtype": None, "axis": 1}]
    return out


def linspace_step(rng):
    u = lambda *shape: rng.uniform(-1.5, 1.5, shape)  # noqa: E731
    return [{"start": float(u()), "stop": float(u()), "num": 5, "endpoint": True,
             "retstep": True},
            {"start": u(3), "stop": float(u()), "num": 4, "endpoint": False, "retstep": True,
             "dtype": None, "axis": 1}]


def linspace_adjoint(rng):
    out = []
    for a in linspace(rng):
        y = np.linspace(a["start"], a["stop"], a["num"], a.get("endpoint", True),
                        axis=a.get("axis", 0))
        for which, p in enumerate(("start", "stop")):
            out.append({"g": rng.standard_normal(y.shape), "x": a[p], "result": y,
                        "num": a["num"], "endpoint": a.get("endpoint", True),
                        "axis": a.get("axis", 0), "which": which, "dtype": None})
    return out


def tuple_of(rng):
    """``tuple(x)`` of arrays (its rows); of tuples and lists (whose tangents keep the zero
    placeholders of their parts) in tests/test_numpy_more.py."""
    return [{"x": rng.standard_normal((3, 2))}, {"x": rng.standard_normal(4)}]
