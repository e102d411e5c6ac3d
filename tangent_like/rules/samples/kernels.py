"""Samples of the forward rules of the runtime kernels (rules/runtime_rules.py,
rules/numpy_rules.py, rules/operators.py), for derivatives of generated code.

A kernel is sampled where its finite differences are meaningful: `log_of` for a > 0 (its
value 0 at a == 0 is a convention), `select_adjoint` away from ties, `tangent_parts` and
`tangent_item` on array tangents (a tuple tangent, or the zero sentinel, cannot be
perturbed).
"""
import numpy as np

from . import randn
from .linalg import DOT_SHAPES, MATMUL_SHAPES


def unbroadcast(rng):
    pairs = [((2, 3), (3,)), ((2, 3), (1, 3)), ((2, 3), (2, 1)), ((2, 3), ()),
             ((4,), (4,)), ((2, 3, 4), (3, 1))]
    return [{"v": randn(rng, sv), "x": randn(rng, sx)} for sv, sx in pairs]


def reduction_adjoint(rng):
    """sum_adjoint / mean_adjoint(v, x, axis, keepdims): `v` shaped like the reduced `x`."""
    out = []
    for shape, axis in [((2, 3), None), ((2, 3), 0), ((2, 3), 1), ((2, 3), -1),
                        ((2, 3, 4), (0, 2)), ((2, 3, 4), -2), ((4,), None), ((4,), 0),
                        ((), None)]:
        x = randn(rng, shape)
        for keepdims in (False, True):
            v = randn(rng, np.shape(np.sum(x, axis=axis, keepdims=keepdims)))
            out.append({"v": v, "x": x, "axis": axis, "keepdims": keepdims})
    return out


def product_adjoint(op, pairs):
    """dot/matmul adjoints(v, a, b): `v` shaped like ``op(a, b)``."""
    def samples(rng):
        out = []
        for sa, sb in pairs:
            a, b = randn(rng, sa), randn(rng, sb)
            out.append({"v": randn(rng, np.shape(op(a, b))), "a": a, "b": b})
        return out
    return samples


dot_adjoint = product_adjoint(np.dot, DOT_SHAPES)
matmul_adjoint = product_adjoint(np.matmul, MATMUL_SHAPES)


def transpose_adjoint(rng):
    return [{"v": rng.standard_normal((2, 3, 4)), "axes": axes}
            for axes in (None, (1, 2, 0), (2, 0, 1), (0, 2, 1))] + \
        [{"v": rng.standard_normal((2, 3)), "axes": None}]


def log_of(rng):
    """log_of(a) is log(a) for a > 0 (its value 0 at a == 0 is a convention, not smooth)."""
    return [{"a": float(rng.uniform(0.5, 2.0))}, {"a": rng.uniform(0.5, 2.0, 3)},
            {"a": rng.uniform(0.5, 2.0, (2, 3))}]


def unpack_adjoint(rng):
    """unpack_adjoint(x, parts) for ``a, b, ... = x``: `parts` is the tuple of the parts'
    adjoints; given here as an array (the helper iterates over it the same way), so that
    the check perturbs it.  `x` only gives the structure."""
    return [{"x": rng.standard_normal(3), "parts": rng.standard_normal(3)},
            {"x": rng.standard_normal((2, 3)), "parts": rng.standard_normal((2, 3))},
            {"x": (0.5, -1.0), "parts": rng.standard_normal(2)}]


def select_adjoint(rng):
    """select_adjoint(v, result, a, b, c, which) for min/max of two or three floats, with
    `which` the winner's position or not.  Only the `v` template is a real check here: the
    helper is piecewise constant in result, a, b and c (it locates the winner), and a step in
    one of them alone leaves the tie it is used at, where it is 0 on both sides.  The
    one-argument form (a tuple `a`) cannot be perturbed and is not sampled."""
    out = []
    for n in (2, 3):
        vals = [float(v) for v in rng.permutation([-1.2, 0.4, 1.1][:n])]
        abc = vals + [None] * (3 - n)
        for win in range(n):
            for which in range(n):
                out.append({"v": float(rng.standard_normal()), "result": vals[win],
                            "a": abc[0], "b": abc[1], "c": abc[2], "which": which})
    return out


def tangent_parts(rng):
    """tangent_parts(t, n): `t` the tangent of an array unpacked into n parts (a tuple
    tangent, or the zero 0.0, cannot be perturbed and is not sampled)."""
    return [{"t": rng.standard_normal(3), "n": 3}, {"t": rng.standard_normal((2, 4)), "n": 2},
            {"t": rng.standard_normal((3, 2)), "n": 3}]


def tangent_item(rng):
    """tangent_item(t, index, batch): `t` an array tangent (a leading batch axis when batch);
    the integer, tuple and slice indices are fixed, only `t` is perturbed."""
    t3, t23, t234 = (rng.standard_normal(s) for s in ((3,), (2, 3), (2, 3, 4)))
    return [{"t": t3, "index": 1, "batch": False},
            {"t": t23, "index": (1, 2), "batch": False},
            {"t": t23, "index": slice(0, 2), "batch": False},
            {"t": t23, "index": 2, "batch": True},
            {"t": t234, "index": (1, 3), "batch": True},
            {"t": t234, "index": slice(1, 3), "batch": True}]


def batch_align(rng):
    """batch_align(t, x, like): `t` a batched tangent of `x` (batch axis first, here 2)."""
    cases = [((3,), (2, 3)), ((), (3,)), ((), ()), ((3,), (3,)), ((4,), (2, 3, 4)),
             ((2, 3), (3,))]
    return [{"t": rng.standard_normal((2,) + sx), "x": randn(rng, sx),
             "like": randn(rng, sy)} for sx, sy in cases]


def broadcast_tangent(rng):
    return [{"t": randn(rng, st), "like": randn(rng, sl)}
            for st, sl in [((), (3,)), ((3,), (3,)), ((1, 3), (2, 3)), ((2, 1), (2, 3)),
                           ((), ())]]


def batch_broadcast(rng):
    return [{"t": rng.standard_normal((2,) + st), "like": randn(rng, sl)}
            for st, sl in [((), (3,)), ((3,), (3,)), ((1, 3), (2, 3)), ((2, 1), (2, 3)),
                           ((), ())]]


def re_like(rng):
    r = rng.standard_normal
    return [{"v": r(3), "x": r(3)}, {"v": r((2, 3)), "x": 1.5}, {"v": 0.5, "x": r(2)}]


def refuse_complex(rng):
    return [{"name": "f", "value": rng.standard_normal(3), "result": rng.standard_normal((2, 3))}]


def pow_slope(rng):
    pos = lambda shape=(): rng.uniform(0.5, 2.0, shape)  # noqa: E731
    return [{"a": pos(3), "b": rng.uniform(-1.5, 1.5, 3), "power": np.power},
            {"a": pos((2, 3)), "b": float(rng.uniform(-1.5, 1.5)), "power": np.float_power},
            {"a": float(pos()), "b": float(rng.uniform(1.2, 2.5)), "power": np.power},
            {"a": pos(3), "b": 0.0, "power": np.power}]


def dense_cotangent(rng):
    return [{"v": rng.standard_normal((2, 3)), "like": rng.standard_normal((2, 3))},
            {"v": 0.0, "like": rng.standard_normal(3)},
            {"v": 1.5, "like": 2.0}]
