"""Samples of the selections, casts and copies (rules/numpy_select.py) and of the adjoint
kernels of their templates.

Clipping is sampled on both sides of each bound (and with ``a_min > a_max``), sorting and
``max``-like selections with distinct values, ``take`` with repeated, negative, wrapped and
clipped indices.
"""
import numpy as np


def where(rng):
    c = rng.standard_normal((2, 3)) > 0
    return [{"cond": c, "a": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)},
            {"cond": c, "a": rng.standard_normal((2, 3)), "b": 0.5},
            {"cond": np.array([True, False, True]), "a": 1.5, "b": rng.standard_normal(3)}]


def clip(rng):
    a = np.array([[-1.3, -0.4, 0.1], [0.45, 0.9, 1.6]])
    return [{"a": a, "a_min": -0.5, "a_max": 0.7},
            {"a": a, "a_min": np.array([-1.0, 0.2, 0.0]), "a_max": 1.0},
            {"a": a[0], "a_min": None, "a_max": 0.0},
            {"a": a, "a_min": 0.0, "a_max": None},
            {"a": a, "a_min": 0.8, "a_max": 0.3}]      # a_min > a_max: a_max wins


def sort(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a[0], "axis": -1}, {"a": a, "axis": 0}, {"a": a, "axis": 1},
            {"a": a, "axis": None}]


def sort_adjoint(rng):
    return [dict(s, v=rng.standard_normal(np.shape(np.sort(s["a"], s["axis"])))) for s in
            [{"a": rng.standard_normal((3, 4)), "axis": ax} for ax in (0, -1, None)]]


def take(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a, "indices": np.array([2, 0, 2, 5]), "axis": None, "out": None,
             "mode": "raise"},
            {"a": a, "indices": np.array([[1, 1], [0, 2]]), "axis": 0, "out": None,
             "mode": "raise"},
            {"a": a, "indices": np.array([3, -1, 0, 3]), "axis": 1, "out": None,
             "mode": "raise"},
            {"a": a, "indices": 2, "axis": 1, "out": None, "mode": "raise"},
            {"a": a, "indices": np.array([5, -2]), "axis": 1, "out": None, "mode": "wrap"},
            {"a": a, "indices": np.array([7, -3, 1]), "axis": 0, "out": None,
             "mode": "clip"}]


def take_adjoint(rng):
    return [{"v": rng.standard_normal(np.shape(np.take(s["a"], s["indices"], s["axis"],
                                                       mode=s["mode"]))),
             "a": s["a"], "indices": s["indices"], "axis": s["axis"], "mode": s["mode"]}
            for s in take(rng)]


def take_along_axis(rng):
    a = rng.standard_normal((3, 4))
    return [{"arr": a, "indices": np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]]), "axis": 1},
            {"arr": a, "indices": np.array([[2, 0, 0, 1]]), "axis": 0},
            {"arr": a, "indices": np.array([[1], [0], [3]]), "axis": -1},
            {"arr": a, "indices": np.array([11, 0, 0, 5]), "axis": None}]


def take_along_axis_adjoint(rng):
    return [dict(s, v=rng.standard_normal(np.shape(np.take_along_axis(s["arr"], s["indices"],
                                                                       s["axis"]))))
            for s in take_along_axis(rng)]


def diag(rng):
    return [{"v": rng.standard_normal(3), "k": 0}, {"v": rng.standard_normal(3), "k": 2},
            {"v": rng.standard_normal(3), "k": -1},
            {"v": rng.standard_normal((3, 4)), "k": 0},
            {"v": rng.standard_normal((3, 4)), "k": 2},
            {"v": rng.standard_normal((4, 3)), "k": -2}]


def diagonal(rng):
    return [{"a": rng.standard_normal((3, 4)), "offset": 0, "axis1": 0, "axis2": 1},
            {"a": rng.standard_normal((3, 4)), "offset": 1, "axis1": 1, "axis2": 0},
            {"a": rng.standard_normal((2, 3, 4)), "offset": -1, "axis1": 2, "axis2": 1},
            {"a": rng.standard_normal((2, 3, 4)), "offset": 0, "axis1": 0, "axis2": -1}]


def tri(rng):
    return [{"m": rng.standard_normal((3, 4)), "k": 0}, {"m": rng.standard_normal((4, 3)),
                                                          "k": -1},
            {"m": rng.standard_normal((2, 3, 3)), "k": 1}, {"m": rng.standard_normal(3),
                                                             "k": 0}]


def trace(rng):
    return [dict(s, dtype=None) for s in diagonal(rng)]


def diagonal_adjoint(rng):
    return [dict(s, v=rng.standard_normal(np.diagonal(s["a"], s["offset"], s["axis1"],
                                                      s["axis2"]).shape))
            for s in diagonal(rng)]


def trace_adjoint(rng):
    return [dict(s, v=(lambda t: rng.standard_normal(np.shape(t)) if np.ndim(t) else
                       float(rng.standard_normal()))(np.trace(s["a"], s["offset"], s["axis1"],
                                                              s["axis2"])))
            for s in diagonal(rng)]


def diag_adjoint(rng):
    return [{"u": rng.standard_normal(np.diag(s["v"], s["k"]).shape), "x": s["v"], "k": s["k"]}
            for s in diag(rng)]


def tri_adjoint(rng):
    return [{"v": rng.standard_normal(np.triu(s["m"], s["k"]).shape), "m": s["m"], "k": s["k"],
             "upper": up} for s in tri(rng) for up in (True, False)]


def copy(rng):
    return [{"a": rng.standard_normal((2, 3))}, {"a": 0.7}]


def astype_all(rng):
    return [{"x": rng.standard_normal((2, 3)), "dtype": np.float64},
            {"x": rng.standard_normal(3).astype(np.float32), "dtype": np.float64},
            {"x": rng.standard_normal(3), "dtype": "complex128"},
            {"x": rng.standard_normal(3), "dtype": np.int64}]


def astype(rng):
    """Casts to real dtypes (a complex cast of a real value is checked end to end)."""
    return [s for s in astype_all(rng) if np.dtype(s["dtype"]).kind != "c"]


def astype_adjoint(rng):
    return [{"v": rng.standard_normal(np.shape(s["x"])), "x": s["x"], "dtype": s["dtype"]}
            for s in astype_all(rng) if np.dtype(s["dtype"]).kind != "c"
            and s["x"].dtype == np.float64]


def full_like(rng):
    return [{"a": np.zeros((2, 3)), "fill_value": 0.7},
            {"a": np.zeros((2, 3)), "fill_value": rng.standard_normal(3)}]
