"""Symbolic shapes (analysis/shapes.py): broadcasting is undone only where an operand may be
smaller than the result, and every derivative stays right where shapes are not provably
equal (finite differences in reverse, forward and second-order mode)."""
import types

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.analysis import shapes
from tangent_like.syntax import nodes

from finite_differences import gradient_differences, partial_gradient


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def head_and_first_three(x):
    # equal lengths for len(x) == 4 only: not provable
    return np.sum(x[1:] * x[:3] + np.sin(x[:-1]))


def column_times_row(a, b):
    # a (n, 1) and b (n,): the product is (n, n), both adjoints are summed back
    return np.sum(a * b + np.exp(b))


def reassigned(x):
    a = x[1:]
    b = x[:-1] * a
    a = x[:1]                   # now one element: `x * a` broadcasts it
    c = x * a
    return np.sum(b) + np.sum(c ** 2)


def loop_broadcast(x, w):
    y = x * 1.0
    for i in range(3):
        y = y * w               # w has one element: y keeps x's shape, w broadcasts
    return np.sum(y)


def loop_shrinks(x):
    y = x * 1.0
    s = 0.0
    for i in range(2):
        s = s + np.sum(y * x[-1])
        y = np.cos(y[1:])       # y gets shorter each time: its shape is not known
    return s


def ufuncs(x, y):
    # x[2:] and y[:-2] have one length only when x and y do: not provable
    return np.sum(np.multiply(np.sin(x[2:]), x[:-2]) + np.hypot(x[:-2], y[2:]))


def same_ufuncs(x):
    return np.sum(np.multiply(np.sin(x[2:]), x[:-2]) + np.hypot(x[:-2], x[2:]))


def products(a):
    # np.matmul is a ufunc, but not an elementwise one
    b = np.matmul(a, a[:, :1])
    return np.sum(b * a[:, 1:2]) + np.sum(np.add(a, a) * a)


def slices_2d(a):
    return np.sum(a[1:, :] * a[:-1]) + np.sum(a[:, 1:][1:] ** 2 * a[1:, :-1])


def heat_steps(u0, kappa):
    # zeros_like and a slice write keep u's shape through the loop: no unbroadcast left
    u = u0
    for step in range(4):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u = u + 0.1 * kappa * lap
    return np.sum(u * u)


def like_a_slice(x):
    # made like x[1:], which is shorter than x: x * z broadcasts nothing, z * x[1:] is exact
    z = np.ones_like(x[1:])
    w = np.copy(x)
    return np.sum(z * x[1:] * x[:-1]) + np.sum(w * x)


def layer(W, b, X):
    # z has a shape of its own (the bias may broadcast); h and h * z share it
    z = X @ W + b
    h = np.tanh(z)
    return np.sum(h * z + h)


def assigned_in_a_loop(x):
    s = 0.0
    for i in range(2):
        v = np.cumsum(x[i:])        # one shape per iteration: none known
        w = v * v
        s = s + np.sum(w * x[-1:])
    return s


def product_of_a_column(a, c):
    p = a @ c                       # (n, 1): its product with a broadcasts
    return np.sum(p * a)


W0 = np.array([[0.3, -0.2, 0.5], [0.1, 0.4, -0.6]])
X0 = np.array([[1.0, -0.5], [0.2, 0.7], [-0.3, 0.9], [0.6, 0.1]])

CASES = [
    (heat_steps, (np.array([0.3, -0.7, 1.1, 0.4, 0.2]), 0.8), 0, False),
    (heat_steps, (np.array([0.3, -0.7, 1.1, 0.4, 0.2]), 0.8), 1, None),
    (like_a_slice, (np.array([0.3, -0.7, 1.1, 0.4]),), 0, False),
    (layer, (W0, np.array([0.1, -0.2, 0.05]), X0), 0, True),
    (layer, (W0, np.array([0.1, -0.2, 0.05]), X0), 1, True),
    (layer, (W0, np.array([0.1]), X0), 1, True),
    (assigned_in_a_loop, (np.array([0.3, -0.7, 1.1, 0.4]),), 0, True),
    (product_of_a_column, (np.arange(6.0).reshape(3, 2) / 4 - 0.3, np.array([[0.5], [-0.2]])),
     0, True),
    (product_of_a_column, (np.arange(6.0).reshape(3, 2) / 4 - 0.3, np.array([[0.5], [-0.2]])),
     1, True),
    (rosenbrock, (np.linspace(-1.0, 1.5, 6),), 0, False),
    (head_and_first_three, (np.array([0.3, -0.7, 1.1, 0.4]),), 0, True),
    (column_times_row, (np.array([[0.5], [-1.2], [0.8]]), np.array([0.1, 0.7, -0.3])), 0, True),
    (column_times_row, (np.array([[0.5], [-1.2], [0.8]]), np.array([0.1, 0.7, -0.3])), 1, True),
    (reassigned, (np.array([0.3, -0.7, 1.1, 0.4]),), 0, True),
    (loop_broadcast, (np.array([0.3, -0.7, 1.1]), np.array([0.9])), 1, True),
    (loop_broadcast, (np.array([0.3, -0.7, 1.1]), np.array([0.9])), 0, True),
    (loop_shrinks, (np.array([0.3, -0.7, 1.1, 0.4]),), 0, None),
    (ufuncs, (np.array([0.3, -0.7, 1.1, 0.4, 0.2]), np.array([1.3, 0.7, -1.1, 0.5, 0.9])), 0,
     True),
    (same_ufuncs, (np.array([0.3, -0.7, 1.1, 0.4, 0.2]),), 0, False),
    (products, (np.arange(9.0).reshape(3, 3) / 5 - 0.3,), 0, None),
    (slices_2d, (np.arange(12.0).reshape(3, 4) / 7 - 0.5,), 0, False),
]


@pytest.mark.parametrize("f, args, wrt, summed", CASES,
                         ids=lambda c: getattr(c, "__name__", None))
def test_gradient(f, args, wrt, summed):
    source = tl.derivative_source(f, wrt=wrt, args=args)
    if summed is not None:
        assert ("unbroadcast" in source) == summed, source
    got = tl.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(got, partial_gradient(f, args, wrt), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("f, args, wrt, summed", CASES,
                         ids=lambda c: getattr(c, "__name__", None))
def test_forward(f, args, wrt, summed):
    rng = np.random.default_rng(7)
    v = rng.standard_normal(np.shape(args[wrt]))
    _, tangent = tl.jvp(f, args, v, wrt=wrt)
    want = np.sum(partial_gradient(f, args, wrt) * v)
    np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-6)
    if summed is False:
        assert "broadcast_tangent" not in tl.derivative_source(f, mode="forward", wrt=wrt,
                                                               args=args)


@pytest.mark.parametrize("f, args, wrt, summed", CASES,
                         ids=lambda c: getattr(c, "__name__", None))
def test_hessian(f, args, wrt, summed):
    got = tl.hessian(f, wrt=wrt)(*args)
    want = gradient_differences(tl.grad(f, wrt=wrt), args, wrt)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _shapes(source, kinds):
    fdef = nodes.parse(source).body[0]
    entry = {p.id: kinds[p.id] for p in nodes.parameters(fdef)}
    return shapes.of_function(fdef, kinds, entry, {})


def test_slices_of_one_length_have_one_shape():
    got = _shapes("def f(x):\n    a = x[2:]\n    b = x[1:-1]\n    c = x[:-2]\n"
                  "    t = x[1:]\n    d = t[1:]\n    e = x[-2:]\n    return a",
                  {k: ("array", 1) for k in "xabcdet"})
    assert got["a"] == got["b"] == got["c"] == got["d"] == (("minus", ("dim", "x", 0), 2),)
    assert got["e"] != got["a"]


def test_a_name_assigned_two_shapes_has_none():
    got = _shapes("def f(x, n):\n    a = x[1:]\n    for i in range(n):\n        a = x[:-1]\n"
                  "        a = a[1:]\n    return a",
                  {"x": ("array", 1), "a": ("array", 1), "n": "int", "i": "int"})
    assert got["a"] == shapes.UNKNOWN


def test_a_parameter_reassigned_keeps_its_entry_shape_only_if_equal():
    kinds = {"x": ("array", 1), "y": ("array", 1)}
    same = _shapes("def f(x, y):\n    x = x * 2.0\n    y = y[1:]\n    return x", kinds)
    assert same["x"] == (("dim", "x", 0),)
    assert same["y"] == shapes.UNKNOWN


def test_what_is_not_read_from_entry_shapes_is_its_own_or_unknown():
    kinds = {"x": ("array", 1), "a": ("array", 1), "b": ("array", 1), "c": ("array", 2),
             "d": ("array", 1), "n": "int", "i": "int", "e": ("array", 1)}
    got = _shapes("def f(x, n):\n    a = np.cumsum(x)\n    b = x[::2]\n    c = x[:, None]\n"
                  "    d = x[i]\n    for i in range(n):\n        e = np.cumsum(x)\n"
                  "    return a", kinds)
    # assigned once, outside loops: a shape of their own, unlike any other
    assert got["a"] == (("dim", "a", 0),)
    assert got["c"] == (("dim", "c", 0), ("dim", "c", 1))
    assert got["d"] == (("dim", "d", 0),)
    assert got["e"] == shapes.UNKNOWN          # one value per iteration
    assert got["b"] == (("slice", ("dim", "x", 0), None, None, 2),)


def test_names_computed_elementwise_from_a_fixed_name_share_its_shape():
    kinds = {"x": ("array", 1), "a": ("array", 1), "b": ("array", 1), "c": ("array", 1),
             "d": ("array", 1), "y": ("array", 1), "t": ("array", 1)}
    got = _shapes("def f(x, y):\n    a = np.cumsum(x)\n    t = a * a\n    b = t - 1.0\n"
                  "    c = b + y\n"
                  "    d = x * 2.0\n    d = np.cumsum(d)\n    return c", kinds)
    assert got["b"] == got["a"] == (("dim", "a", 0),)
    assert got["c"] == (("dim", "c", 0),)      # b + y may broadcast either
    assert got["d"] == shapes.UNKNOWN          # assigned twice


def test_matrix_products_of_vectors_and_matrices():
    kinds = {"A": ("array", 2), "B": ("array", 2), "v": ("array", 1), "S": ("array", 3),
             "c": ("array", 2), "d": ("array", 1), "e": ("array", 1), "s": "scalar",
             "t": ("array", 3)}
    got = _shapes("def f(A, B, v, S):\n    c = A @ B\n    d = A @ v\n    e = v @ B\n"
                  "    s = v @ v\n    t = S @ A\n    return c", kinds)
    assert got["c"] == (("dim", "A", 0), ("dim", "B", 1))
    assert got["d"] == (("dim", "A", 0),)
    assert got["e"] == (("dim", "B", 1),)
    assert got["s"] == ()
    assert got["t"] == (("dim", "t", 0), ("dim", "t", 1), ("dim", "t", 2))   # stacks


def test_np_matmul_calls_have_the_shapes_of_the_operator():
    fdef = nodes.parse("def f(A, B):\n    c = np.matmul(A, B)\n    d = np.matmul(A, B, "
                       "out=None)\n    return c").body[0]
    calls = [n for n in nodes.walk(fdef) if isinstance(n, nodes.Call)]
    matmul = types.SimpleNamespace(rule=types.SimpleNamespace(func=np.matmul))
    kinds = {"A": ("array", 2), "B": ("array", 2), "c": ("array", 2), "d": ("array", 2)}
    got = shapes.of_function(fdef, kinds, {"A": kinds["A"], "B": kinds["B"]},
                             {id(c): matmul for c in calls})
    assert got["c"] == (("dim", "A", 0), ("dim", "B", 1))
    assert got["d"] == (("dim", "d", 0), ("dim", "d", 1))     # a keyword: not read


def test_a_function_that_may_resize_in_place_has_no_shapes():
    kinds = {"x": ("array", 1), "a": ("array", 1)}
    assert _shapes("def f(x):\n    a = x[1:]\n    a.resize(3)\n    return a", kinds) == {}


def layer_at(W, x):
    return np.sum(np.tanh(W @ x) * 2.0)


def layer_matmul(W, x):
    return np.sum(np.tanh(np.matmul(W, x)) * 2.0)


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_np_matmul_has_the_kinds_and_shapes_of_the_operator(mode):
    # real operands of known ranks give a real array of known rank either way: no
    # conjugations, no casts back to the real parts
    W, x = np.arange(12.0).reshape(3, 4) / 10 - 0.4, np.array([0.3, -0.2, 0.5, 0.1])
    at = tl.derivative_source(layer_at, mode=mode, wrt=(0, 1), args=(W, x))
    call = tl.derivative_source(layer_matmul, mode=mode, wrt=(0, 1), args=(W, x))
    for source in (at, call):
        assert "cj(" not in source and "re_like(" not in source, source
    for f in (layer_at, layer_matmul):
        got = tl.grad(f, wrt=(0, 1))(W, x)
        for k in (0, 1):
            np.testing.assert_allclose(got[k], partial_gradient(f, (W, x), k), rtol=1e-6,
                                       atol=1e-7)
    v = np.array([0.5, -1.0, 0.25, 2.0])
    _, tangent = tl.jvp(layer_matmul, (W, x), v, wrt=1)
    np.testing.assert_allclose(tangent, partial_gradient(layer_matmul, (W, x), 1) @ v,
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(tl.hessian(layer_matmul, wrt=1)(W, x),
                               gradient_differences(tl.grad(layer_matmul, wrt=1), (W, x), 1),
                               rtol=1e-5, atol=1e-6)
