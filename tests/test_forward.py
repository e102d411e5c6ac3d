"""Forward mode on the whole corpus: every JVP agrees with the reverse-mode gradient
(dotted with the tangent) and with finite differences along the tangent."""
import copy

import numpy as np
import pytest

import tangent_like as tl
from corpus import CASES
from fd import numerical_grad, wrt_names, wrt_values

FORWARD_CASES = [c for c in CASES if not c.kwargs]


def _tangent_like(value, rng):
    if isinstance(value, np.ndarray):
        return rng.standard_normal(value.shape).astype(value.dtype)
    return float(rng.standard_normal())


def _dot(g, t):
    return float(np.sum(np.asarray(g, dtype=np.float64) * np.asarray(t, dtype=np.float64)))


@pytest.mark.parametrize("optimize", [True, False], ids=["optimized", "unoptimized"])
@pytest.mark.parametrize("c", [pytest.param(c, id=c.name) for c in FORWARD_CASES])
def test_jvp_matches_gradient_and_finite_differences(c, optimize):
    rng = np.random.default_rng(0)
    args = copy.deepcopy(c.args)
    values = wrt_values(c.func, args, {}, c.wrt)
    tangents = tuple(_tangent_like(v, rng) for v in values)
    out, out_tangent = tl.jvp(c.func, args, tangents if isinstance(c.wrt, tuple)
                              else tangents[0], wrt=c.wrt, optimize=optimize)
    assert out == pytest.approx(c.func(*copy.deepcopy(c.args)), rel=1e-10, abs=1e-12)
    grads = numerical_grad(c.func, c.args, {}, c.wrt)
    grads = grads if isinstance(c.wrt, tuple) else (grads,)
    expected = sum(_dot(g, t) for g, t in zip(grads, tangents))
    scale = max(1.0, abs(expected))
    tol = 2e-2 if any(getattr(v, "dtype", None) == np.float32 for v in values) else 1e-5
    assert float(out_tangent) == pytest.approx(expected, rel=tol, abs=tol * scale)
