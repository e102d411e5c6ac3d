"""Samples of differences, convolutions, interpolation, polynomials, kron, cross, select,
partition and angle (rules/numpy_signal.py) and of the kernels their templates call.

``np.interp`` is sampled away from its knots; ``np.partition`` on distinct values (ties are
matched in order: a kink); ``np.angle`` at complex values away from 0 (its real samples
are the piecewise constant case).
"""
import numpy as np

from . import like, uniform


def diff(rng):
    x = uniform(rng, (3, 5))
    return [{"a": x}, {"a": x, "n": 2}, {"a": x, "n": 1, "axis": 0},
            {"a": uniform(rng, 6), "n": 3}]


def gradient(rng):
    x = uniform(rng, (4, 5))
    return [{"f": uniform(rng, 6)}, {"f": uniform(rng, 6), "spacing": 0.5, "edge_order": 2},
            {"f": x, "spacing": 0.5, "axis": 1},
            {"f": x, "spacing": 2.0, "spacing__1": 0.25},
            {"f": x, "axis": (1, 0), "edge_order": 2}]


def convolve(rng):
    out = []
    for n, m in ((5, 3), (3, 5), (4, 2), (4, 4)):
        for mode in ("full", "same", "valid"):
            out.append({"a": uniform(rng, n), "v": uniform(rng, m), "mode": mode})
    return out


def conv_adjoint(rng):
    out = []
    for s in convolve(rng)[:6]:
        y = np.convolve(s["a"], s["v"], s["mode"])
        for which in (0, 1):
            out.append({"v": like(rng, y), "which": which, "a": s["a"], "b": s["v"],
                        "mode": s["mode"]})
    return out


XP = np.array([-1.0, -0.2, 0.5, 1.3])


def interp(rng):
    fp = uniform(rng, 4)
    return [{"x": np.array([-1.4, -0.7, 0.1, 0.9, 1.6]), "xp": XP, "fp": fp},
            {"x": 0.3, "xp": XP, "fp": fp},
            {"x": np.array([[-1.5, 0.2], [0.7, 1.8]]), "xp": XP, "fp": fp, "left": -3.0,
             "right": 2.0}]


def polyder(rng):
    return [{"p": uniform(rng, 4)}, {"p": uniform(rng, 5), "m": 2}, {"p": uniform(rng, 2)}]


def polyder_adjoint(rng):
    out = []
    for s in polyder(rng):
        y = np.polyder(s["p"], s.get("m", 1))
        out.append({"v": like(rng, y), "p": s["p"], "m": s.get("m", 1)})
    return out


def polyval(rng):
    return [{"p": uniform(rng, 4), "x": uniform(rng, 3)}, {"p": uniform(rng, 3), "x": 0.7},
            {"p": uniform(rng, 1), "x": uniform(rng, (2, 2))}]


def polyval_adjoint_p(rng):
    out = []
    for s in polyval(rng):
        y = np.polyval(s["p"], s["x"])
        out.append({"v": like(rng, y), "p": s["p"], "x": s["x"]})
    return out


def kron(rng):
    return [{"a": uniform(rng, (2, 2)), "b": uniform(rng, (3, 2))},
            {"a": uniform(rng, 3), "b": uniform(rng, 2)},
            {"a": uniform(rng, (2, 3)), "b": uniform(rng, 2)}]


def kron_adjoint(rng):
    out = []
    for s in kron(rng):
        y = np.kron(s["a"], s["b"])
        for which in (0, 1):
            out.append({"v": like(rng, y), "which": which, "a": s["a"], "b": s["b"]})
    return out


def cross(rng):
    return [{"a": uniform(rng, 3), "b": uniform(rng, 3)},
            {"a": uniform(rng, (4, 3)), "b": uniform(rng, 3)},
            {"a": uniform(rng, 2), "b": uniform(rng, 2)},
            {"a": uniform(rng, (2, 2)), "b": uniform(rng, (2, 3))},
            {"a": uniform(rng, (3, 4)), "b": uniform(rng, (4, 3)), "axisa": 0},
            {"a": uniform(rng, (3, 2)), "b": uniform(rng, (3, 2)), "axis": 0}]


def cross_adjoint(rng):
    out = []
    for s in cross(rng):
        kw = {k: s[k] for k in ("axisa", "axisb", "axisc", "axis") if k in s}
        y = np.cross(s["a"], s["b"], **kw)
        for which in (0, 1):
            out.append(dict({"v": like(rng, y), "which": which, "a": s["a"], "b": s["b"]},
                            **{"axisa": -1, "axisb": -1, "axisc": -1, "axis": None, **kw}))
    return out


def select(rng):
    x = uniform(rng, (3, 4))
    conds = [x < -0.5, x > 0.5]
    return [{"condlist": conds, "choicelist": [uniform(rng, (3, 4)), uniform(rng, (3, 4))],
             "default": uniform(rng, (3, 4))},
            {"condlist": conds, "choicelist": [uniform(rng, (3, 4)), uniform(rng, (3, 4))],
             "default": 0.5}]


def partition(rng):
    x = uniform(rng, (3, 5)) + 0.01 * np.arange(15).reshape(3, 5)
    return [{"a": x, "kth": 2}, {"a": x, "kth": 1, "axis": 0}, {"a": x, "kth": 4, "axis": None},
            {"a": uniform(rng, 6), "kth": [1, 4]}]


def angle(rng):
    return [{"z": uniform(rng, (2, 3))}, {"z": uniform(rng, 3), "deg": True}]


def angle_weight(rng):
    z = uniform(rng, 4) + 1j * uniform(rng, 4)
    return [{"z": uniform(rng, 3)}, {"z": z.real, "deg": True}]


def real_if_close(rng):
    return [{"a": uniform(rng, (2, 3))}, {"a": uniform(rng, 3), "tol": 1000}]


def hypot(rng):
    v = [float(t) for t in uniform(rng, 4)]
    return [{"x1": v[0]}, {"x1": v[0], "x2": v[1]}, {"x1": v[0], "x2": v[1], "x3": v[2]},
            {"x1": v[0], "x2": v[1], "x3": v[2], "x4": v[3]}]


def dist(rng):
    v = [float(t) for t in uniform(rng, 6)]
    return [{"p": uniform(rng, 3), "q": uniform(rng, 3)},
            {"p": (v[0], v[1], v[2]), "q": (v[3], v[4], v[5])}]


def fsum(rng):
    return [{"seq": [float(t) for t in uniform(rng, 4)]}, {"seq": uniform(rng, 3)}]


def prod(rng):
    # (start is keyword-only: the checker passes parameters by position; tested end to end)
    return [{"seq": [float(t) for t in uniform(rng, 4)]}, {"seq": uniform(rng, 3)},
            {"seq": (0.0, 1.5, -0.5)}]


def diff_adjoint(rng):
    out = []
    for s in diff(rng):
        y = np.diff(s["a"], s.get("n", 1), s.get("axis", -1))
        out.append({"v": like(rng, y), "a": s["a"], "n": s.get("n", 1),
                    "axis": s.get("axis", -1)})
    return out


def gradient_adjoint(rng):
    out = []
    for s in gradient(rng):
        spacing = tuple(s[k] for k in ("spacing", "spacing__1") if k in s)
        kw = {k: s[k] for k in ("axis", "edge_order") if k in s}
        y = np.gradient(s["f"], *[int(4 * h) for h in spacing], **kw)
        v = like(rng, y)
        # (integer spacings: constants the checker does not perturb)
        out.append({"v": v if not isinstance(v, list) else tuple(v), "f": s["f"],
                    "spacing": tuple(int(4 * h) for h in spacing), "axis": kw.get("axis"),
                    "edge_order": kw.get("edge_order", 1)})
    return out
