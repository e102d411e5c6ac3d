"""Structured parameters: tuples, lists, dicts, NamedTuples, dataclasses and bound methods.
Gradients mirror the argument's structure; both modes agree with finite differences."""
import dataclasses
from typing import NamedTuple

import numpy as np
import pytest

import tangent_like as tl


class Params(NamedTuple):
    w: np.ndarray
    b: float


@dataclasses.dataclass
class Config:
    scale: float
    offset: np.ndarray
    name: str = "cfg"


def namedtuple_loss(p, x):
    return np.sum(np.tanh(p.w * x) + p.b * x) + p.b ** 2


def dataclass_loss(c, x):
    return np.sum((c.scale * x - c.offset) ** 2)


def dict_loss(p, x):
    return np.sum(p["w"] * x) * p["b"]


def tuple_loss(p, x):
    w, b = p
    return np.sum(w * x) + b * b


def list_loss(ws, x):
    total = 0.0
    for w in ws:
        total = total + np.sum(w * x)
    return total * ws[0][0]


class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x, scale=1.0):
        return np.sum(np.sin(self.w * x)) * scale


X = np.array([0.3, -0.2, 0.8])


def _fd(f, build, flat, eps=1e-6):
    out = np.zeros_like(flat)
    for i in range(flat.size):
        p, m = flat.copy(), flat.copy()
        p[i] += eps
        m[i] -= eps
        out[i] = (f(build(p), X) - f(build(m), X)) / (2 * eps)
    return out


def test_namedtuple_gradient_is_a_namedtuple():
    p = Params(np.array([1.0, 2.0, -0.5]), 0.7)
    g = tl.grad(namedtuple_loss)(p, X)
    assert isinstance(g, Params) and isinstance(g.b, float)
    flat = np.concatenate([p.w, [p.b]])
    want = _fd(namedtuple_loss, lambda v: Params(v[:3], float(v[3])), flat)
    np.testing.assert_allclose(np.concatenate([g.w, [g.b]]), want, rtol=1e-6)
    _, t = tl.jvp(namedtuple_loss, (p, X), Params(np.ones(3), 1.0))
    assert t == pytest.approx(float(want.sum()), rel=1e-6)


def test_dataclass_gradient_is_a_dataclass_with_non_numeric_fields_kept():
    c = Config(1.5, np.array([0.1, 0.2, 0.3]))
    g = tl.grad(dataclass_loss)(c, X)
    assert isinstance(g, Config) and g.name == "cfg"
    flat = np.concatenate([[c.scale], c.offset])
    want = _fd(dataclass_loss, lambda v: Config(float(v[0]), v[1:]), flat)
    np.testing.assert_allclose(np.concatenate([[g.scale], g.offset]), want, rtol=1e-6)


def test_dict_gradient_is_a_dict():
    d = {"w": np.array([1.0, 2.0, 3.0]), "b": 0.5}
    g = tl.grad(dict_loss)(d, X)
    assert set(g) == {"w", "b"}
    flat = np.concatenate([d["w"], [d["b"]]])
    want = _fd(dict_loss, lambda v: {"w": v[:3], "b": float(v[3])}, flat)
    np.testing.assert_allclose(np.concatenate([g["w"], [g["b"]]]), want, rtol=1e-6)


def test_tuple_and_list_gradients_mirror_their_arguments():
    p = (np.array([1.0, -1.0, 0.5]), 0.3)
    g = tl.grad(tuple_loss)(p, X)
    assert isinstance(g, tuple) and len(g) == 2
    np.testing.assert_allclose(g[0], X)
    assert g[1] == pytest.approx(0.6)
    ws = [np.array([0.5, 1.0, -1.0]), np.array([2.0, 0.0, 1.0])]
    g = tl.grad(list_loss)(ws, X)
    assert isinstance(g, list) and len(g) == 2
    flat = np.concatenate(ws)
    want = _fd(list_loss, lambda v: [v[:3], v[3:]], flat)
    np.testing.assert_allclose(np.concatenate(g), want, rtol=1e-6)


def test_bound_method_reads_self_and_differentiates_its_arguments():
    m = Model(np.array([0.5, -1.0, 2.0]))
    np.testing.assert_allclose(tl.grad(m.loss)(X), np.cos(m.w * X) * m.w)
    np.testing.assert_allclose(tl.grad(m.loss, wrt="scale")(X, 2.0),
                               np.sum(np.sin(m.w * X)))
    value, g = tl.value_and_grad(m.loss)(X, scale=3.0)
    assert value == pytest.approx(m.loss(X, 3.0))


def integer_array_loss(x):
    return np.sum(x * 2.0)


def test_gradient_with_respect_to_an_integer_array_is_a_clear_error():
    with pytest.raises(tl.DerivativeUsageError, match="astype"):
        tl.grad(integer_array_loss)(np.array([1, 2, 3]))


def test_float32_parameters_stay_float32():
    p = Params(np.array([1.0, 2.0, -0.5], dtype=np.float32), 0.7)
    g = tl.grad(namedtuple_loss)(p, X.astype(np.float32))
    assert g.w.dtype == np.float32
