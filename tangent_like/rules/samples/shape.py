"""Samples of the functions that move, copy or regroup elements (rules/numpy_shape.py) and
of their adjoint kernels.

Orders "A" and "K" of reshapes depend on the memory layout, which a finite-difference step
may change: tests/test_numpy_reduce_shape.py checks them.  Splits are sampled into parts of
equal shapes only: the checker draws the parts' cotangent as one array (unequal splits are
checked end to end in tests/test_numpy_reduce_shape.py).
"""
import numpy as np

from . import like, uniform


def transpose(rng):
    x = rng.standard_normal((2, 3, 4))
    return [{"x": x, "axes": axes} for axes in (None, (1, 2, 0), (2, 0, 1), (0, 2, 1))] + \
        [{"x": rng.standard_normal((2, 3)), "axes": None}]


def reshape(rng):
    x = uniform(rng, (2, 3))
    return [{"x": x, "shape": (3, 2)}, {"x": x, "shape": (6,)}, {"x": x, "shape": -1},
            {"x": x, "shape": (3, -1), "order": "F"}, {"x": uniform(rng, (4,)), "shape": (2, 2)}]


def ndarray_reshape(rng):
    return [{"x": a["x"], "shape": a["shape"], "order": a.get("order", "C")}
            for a in reshape(rng)]


def ravel(rng):
    x = uniform(rng, (2, 3))
    # (orders "A" and "K" depend on the memory layout, which a finite-difference step may
    # change: tests/test_numpy_reduce_shape.py checks them)
    return [{"x": x}, {"x": x, "order": "F"}, {"x": uniform(rng, (2, 3, 2))}]


def squeeze(rng):
    x = uniform(rng, (1, 3, 1))
    return [{"x": x}, {"x": x, "axis": 0}, {"x": x, "axis": (0, 2)}, {"x": x, "axis": -1}]


def expand_dims(rng):
    x = uniform(rng, (2, 3))
    return [{"x": x, "axis": 0}, {"x": x, "axis": -1}, {"x": x, "axis": (0, 3)}]


def atleast(rng):
    return [{"x": float(rng.uniform(-1, 1))}, {"x": uniform(rng, (3,))},
            {"x": uniform(rng, (2, 3))}, {"x": uniform(rng, (2, 3, 2))}]


def swapaxes(rng):
    x = uniform(rng, (2, 3, 4))
    return [{"x": x, "axis1": 0, "axis2": 2}, {"x": x, "axis1": -1, "axis2": 1},
            {"x": uniform(rng, (2, 3)), "axis1": 0, "axis2": 1}]


def moveaxis(rng):
    x = uniform(rng, (2, 3, 4))
    return [{"x": x, "source": 0, "destination": 2}, {"x": x, "source": -1, "destination": 0},
            {"x": x, "source": (0, 1), "destination": (2, 0)}]


def broadcast_to(rng):
    return [{"x": uniform(rng, (3,)), "shape": (2, 3)},
            {"x": uniform(rng, (3, 1)), "shape": (2, 3, 4)},
            {"x": float(rng.uniform(-1, 1)), "shape": (2, 2)},
            {"x": uniform(rng, (2, 3)), "shape": (2, 3)}]


def concatenate(rng):
    a, b, c = uniform(rng, (2, 3)), uniform(rng, (1, 3)), uniform(rng, (2, 2))
    return [{"arrays": (a, b), "axis": 0}, {"arrays": [a, c], "axis": 1},
            {"arrays": (a, c), "axis": -1}, {"arrays": (a, b, c), "axis": None},
            {"arrays": (uniform(rng, (3,)), uniform(rng, (2,)))},
            {"arrays": (a, uniform(rng, (2, 3))), "axis": 1}, {"arrays": [c, c * 2.0],
                                                            "axis": None}]


def stack(rng):
    a, b = uniform(rng, (2, 3)), uniform(rng, (2, 3))
    return [{"arrays": (a, b)}, {"arrays": [a, b, a * 0.5], "axis": 1},
            {"arrays": (a, b), "axis": -1},
            {"arrays": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))}]


def hstack(rng):
    return [{"tup": (uniform(rng, (3,)), uniform(rng, (2,)))},
            {"tup": (uniform(rng, (2, 3)), uniform(rng, (2, 1)))},
            {"tup": (float(rng.uniform(-1, 1)), uniform(rng, (2,)))},
            {"tup": [uniform(rng, (2, 1, 2)), uniform(rng, (2, 3, 2))]},
            {"tup": (uniform(rng, (2, 3)), uniform(rng, (2, 3)))}, {"tup": (uniform(rng, (3,)),
                                                                      uniform(rng, (3,)))}]


def vstack(rng):
    return [{"tup": (uniform(rng, (3,)), uniform(rng, (3,)))},
            {"tup": (uniform(rng, (2, 3)), uniform(rng, (1, 3)))},
            {"tup": (uniform(rng, (3,)), uniform(rng, (2, 3)))},
            {"tup": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))},
            {"tup": [uniform(rng, (2, 3)), uniform(rng, (2, 3))]}]


def split(rng):
    # the checker draws the parts' cotangent as one array: parts of equal shapes only
    # (unequal splits are checked end to end in tests/test_numpy_reduce_shape.py)
    x = uniform(rng, (4, 6))
    return [{"x": x, "indices_or_sections": 2}, {"x": x, "indices_or_sections": 3, "axis": 1},
            {"x": x, "indices_or_sections": [2, 4], "axis": -1},
            {"x": uniform(rng, (6,)), "indices_or_sections": 3}]


def tile(rng):
    x = uniform(rng, (2, 3))
    return [{"x": x, "reps": 2}, {"x": x, "reps": (2, 1)}, {"x": x, "reps": (2, 1, 3)},
            {"x": uniform(rng, (3,)), "reps": (2, 2)}, {"x": float(rng.uniform(-1, 1)),
                                                      "reps": 3}]


def repeat(rng):
    x = uniform(rng, (2, 3))
    return [{"x": x, "repeats": 2}, {"x": x, "repeats": 2, "axis": 1},
            {"x": x, "repeats": [1, 0, 3], "axis": 1}, {"x": x, "repeats": [2, 1], "axis": -2},
            {"x": uniform(rng, (4,)), "repeats": [0, 2, 1, 0]}]


def flip(rng):
    x = uniform(rng, (2, 3, 2))
    return [{"x": x}, {"x": x, "axis": 1}, {"x": x, "axis": (0, -1)}]


def roll(rng):
    x = uniform(rng, (3, 4))
    return [{"x": x, "shift": 2}, {"x": x, "shift": -1, "axis": 1},
            {"x": x, "shift": (1, 2), "axis": (0, 1)}, {"x": x, "shift": 5, "axis": 0}]


def pad(rng):
    x = uniform(rng, (3, 4))
    return [{"x": x, "pad_width": 1}, {"x": x, "pad_width": ((1, 0), (2, 3))},
            {"x": x, "pad_width": (2, 1), "mode": "constant"},
            {"x": x, "pad_width": ((1, 2), (0, 1)), "mode": "edge"},
            {"x": x, "pad_width": 2, "mode": "reflect"},
            {"x": x, "pad_width": ((3, 1), (1, 2)), "mode": "symmetric"},
            {"x": x, "pad_width": ((4, 1), (1, 5)), "mode": "wrap"}]


def adjoint_of(primal, rest):
    """Samples of an adjoint kernel ``f(v, *rest)`` from the samples of the `primal` rule:
    the primal's arguments named `rest` and a random cotangent `v` of its result."""
    def samples(rng):
        out = []
        for a in primal.samples(rng):
            seq = a.get("arrays", a.get("tup"))
            if seq is not None and len({np.shape(e) for e in seq}) > 1:
                continue    # a ragged tuple result: the checker compares stacked outputs
            y = primal.func(*[a[p] for p in primal.params if p in a])
            out.append(dict({"v": like(rng, y)}, **{p: a[p] for p in rest if p in a}))
        return out
    return samples


def flipud_fliplr(rng):
    return [{"m": uniform(rng, (3, 2))}, {"m": uniform(rng, (2, 3, 2))}]


def rot90(rng):
    x = uniform(rng, (2, 3, 4))
    return [{"m": uniform(rng, (2, 3))}, {"m": x, "k": 2}, {"m": x, "k": -1, "axes": (1, 2)},
            {"m": x, "k": 3, "axes": (2, 0)}]


def rollaxis(rng):
    x = uniform(rng, (2, 3, 4))
    return [{"a": x, "axis": 2}, {"a": x, "axis": 0, "start": 2},
            {"a": x, "axis": -1, "start": 1}, {"a": x, "axis": 1, "start": 3}]


def named_split(how):
    """Samples of np.hsplit ("h"), np.vsplit ("v") or np.dsplit ("d"): equal parts only
    (see `split`)."""
    def samples(rng):
        x = uniform(rng, (4, 6, 2))
        out = [{"ary": x, "indices_or_sections": 2}]
        if how == "h":
            out.append({"ary": uniform(rng, (6,)), "indices_or_sections": 3})
            out.append({"ary": uniform(rng, (2, 6)), "indices_or_sections": [2, 4]})
        if how == "v":
            out.append({"ary": uniform(rng, (4, 3)), "indices_or_sections": [2]})
        return out
    return samples


def column_stack(rng):
    return [{"tup": (uniform(rng, (3,)), uniform(rng, (3,)))},
            {"tup": (uniform(rng, (3,)), uniform(rng, (3, 2)))},
            {"tup": [uniform(rng, (2, 3)), uniform(rng, (2, 1))]},
            {"tup": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))}]


def dstack(rng):
    return [{"tup": (uniform(rng, (3,)), uniform(rng, (3,)))},
            {"tup": (uniform(rng, (2, 3)), uniform(rng, (2, 3)))},
            {"tup": [uniform(rng, (2, 3, 1)), uniform(rng, (2, 3, 2))]},
            {"tup": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))}]


def join_adjoint(rng):
    out = []
    for how, fn, base in (("column_stack", np.column_stack, column_stack),
                          ("dstack", np.dstack, dstack)):
        for a in base(rng):
            if len({np.shape(e) for e in a["tup"]}) > 1:
                continue    # a ragged tuple result: the checker compares stacked outputs
            out.append({"v": like(rng, fn(a["tup"])), "tup": a["tup"], "how": how})
    return out


def asarray(rng):
    return [{"x": uniform(rng, (2, 3))}, {"x": float(rng.uniform(-1, 1))},
            {"x": uniform(rng, (3,)), "dtype": np.float64},
            {"x": [float(v) for v in uniform(rng, 3)]}]


def shaped_like(rng):
    return [{"v": uniform(rng, ()), "like": np.zeros(1)},
            {"v": uniform(rng, (2, 3)), "like": np.zeros((3, 2))}]


def append(rng):
    return [{"arr": uniform(rng, (2, 3)), "values": uniform(rng, 4), "axis": None},
            {"arr": uniform(rng, (2, 3)), "values": uniform(rng, (1, 3)), "axis": 0},
            {"arr": uniform(rng, (2, 3)), "values": uniform(rng, (2, 2)), "axis": -1},
            {"arr": uniform(rng, 3), "values": float(rng.uniform(-1, 1)), "axis": None}]


def append_adjoint(rng):
    out = []
    for a in append(rng):
        y = np.append(a["arr"], a["values"], a["axis"])
        for which in (0, 1):
            out.append({"v": like(rng, y), "which": which, "arr": a["arr"],
                        "values": a["values"], "axis": a["axis"]})
    return out
