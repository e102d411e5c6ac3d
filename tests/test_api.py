"""The public API: what `grad`, `value_and_grad`, `vjp`, `derivative_source` and
`differentiate` return, how they are called, and how they refuse what has no answer.

The numerical correctness of the derivatives themselves is covered by `test_corpus.py`;
here the expected values are derived by hand, so each test states the derivative it checks.
"""
import ast
import html
import inspect
import math
import os
import re
import sys

import numpy as np
import pytest

import tangent_like as tl

THIS_FILE = os.path.basename(__file__)


# --------------------------------------------------------------------------------------
# Functions under test.  Module level, so their source is readable and stable.

def poly(x, y=2.0, *, z=3.0):
    a = np.sin(x) * y
    b = a * z + x ** 2
    return b


def d_poly(x, y=2.0, z=3.0):
    """Hand-derived partial derivatives of `poly`: (d/dx, d/dy, d/dz)."""
    return (np.cos(x) * y * z + 2 * x, np.sin(x) * z, np.sin(x) * y)


def square(x):
    return x * x


def sum_of_squares(x):
    return np.sum(x ** 2)


def sin_twice(x):
    return np.sin(x) * 2.0


def matvec(W, x):
    return W @ x


def vector_out(x):
    return x * 3.0


def pair_out(x):
    return (x, x)


def posonly(x, /, y):
    return x * y


def straight_line(x, y):
    u = x * y + np.sin(x)
    v = u * u - y
    return v


# --------------------------------------------------------------------------------------
# The returned function: signature, wrapping, repr, display

def test_signature_is_preserved():
    assert inspect.signature(tl.grad(poly)) == inspect.signature(poly)
    assert inspect.signature(tl.value_and_grad(poly, wrt="z")) == inspect.signature(poly)
    assert inspect.signature(tl.grad(square)) == inspect.signature(square)


def test_defaults_and_keyword_only_arguments():
    g = tl.grad(poly)
    x = 0.7
    assert g(x) == pytest.approx(d_poly(x)[0])
    assert g(x, 1.5) == pytest.approx(d_poly(x, 1.5)[0])
    assert g(x, y=1.5, z=-2.0) == pytest.approx(d_poly(x, 1.5, -2.0)[0])
    assert g(x=x, z=0.5) == pytest.approx(d_poly(x, 2.0, 0.5)[0])
    assert g(z=0.5, y=4.0, x=x) == pytest.approx(d_poly(x, 4.0, 0.5)[0])


def test_keyword_only_argument_cannot_be_passed_positionally():
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(poly)(0.7, 2.0, 3.0)


def test_gradient_with_respect_to_a_default_argument_not_passed():
    assert tl.grad(poly, wrt="y")(0.7) == pytest.approx(d_poly(0.7)[1])
    assert tl.grad(poly, wrt="z")(0.7) == pytest.approx(d_poly(0.7)[2])


def test_wrapped_and_names():
    g = tl.grad(poly)
    assert g.__wrapped__ is poly
    assert inspect.unwrap(g) is poly
    assert g.__doc__ == poly.__doc__
    assert g.__module__ == poly.__module__


def test_repr_mentions_function_and_wrt():
    r = repr(tl.grad(poly, wrt=("x", "z")))
    assert "poly" in r
    assert "x" in r and "z" in r
    assert "grad" in r
    assert "value_and_grad" in repr(tl.value_and_grad(poly))


def test_repr_html_with_pygments():
    pytest.importorskip("pygments")
    g = tl.grad(poly)
    text = g._repr_html_()
    plain = html.unescape(re.sub(r"<[^>]+>", "", text))
    for name in ("value_and_grad_poly", "primal_poly", "adjoint_poly"):
        assert name in plain
    assert "<span" in text          # highlighted
    assert html.escape(repr(g)) in text


def test_repr_html_without_pygments(monkeypatch):
    # A None entry in sys.modules makes `import pygments` raise ImportError.
    for mod in [m for m in sys.modules if m == "pygments" or m.startswith("pygments.")]:
        monkeypatch.delitem(sys.modules, mod)
    monkeypatch.setitem(sys.modules, "pygments", None)
    g = tl.grad(poly)
    text = g._repr_html_()
    assert "<pre>" in text and "<span" not in text
    assert "primal_poly" in text and "adjoint_poly" in text
    assert html.unescape(text.split("<pre>", 1)[1].rsplit("</pre>", 1)[0]) == g.source


# --------------------------------------------------------------------------------------
# Generated source

def test_source_compiles_and_has_primal_and_adjoint():
    src = tl.grad(poly).source
    compile(src, "<generated>", "exec")
    assert "def primal_poly(" in src
    assert "def adjoint_poly(" in src
    assert re.search(r"^def \w*poly\w*\(x, y=2\.0, \*, z=3\.0\)", src, re.M), src


def test_source_comments_quote_user_lines_with_location():
    src = tl.grad(poly).source
    lines, start = inspect.getsourcelines(poly)
    for offset, line in enumerate(lines):
        stmt = line.strip()
        if stmt.startswith(("a =", "b =")):
            expected = f"{THIS_FILE}:{start + offset}"
            comments = [l for l in src.splitlines() if l.strip().startswith("#")
                        and expected in l]
            assert comments, f"no comment mentions {expected}:\n{src}"
            assert any(stmt in c for c in comments), (stmt, comments)


def test_source_for_specialized_arguments():
    g = tl.grad(sum_of_squares)
    for args in [(np.ones(3),), (np.ones((2, 2), dtype=np.float32),), (1.5,)]:
        src = g.source_for(*args)
        compile(src, "<generated>", "exec")
        assert "def adjoint_sum_of_squares(" in src


def test_source_before_a_call_names_the_kinds_it_assumes():
    """Before any call, `.source` is the code for 1-d arrays (parameters with defaults: the
    kinds of their defaults), and its second line says so; derivative_source agrees."""
    src = tl.grad(poly).source
    assert src.split("\n\n")[0].split("\n", 1)[1].replace("\n# ", " ") == (
        "# For arguments x: 1-d array, y: float, z: float (other kinds of arguments run "
        "other code).")
    assert src == tl.derivative_source(poly)
    assert "cj(" not in src                 # real arrays: no complex conjugates


def scaled_sum(x, y=2.0, *, z=3.0):
    return np.sum(x * y) * z


def test_source_after_a_call_is_the_code_it_ran():
    g = tl.grad(scaled_sum, wrt=1)
    g(1.5)
    assert g.source == g.source_for(1.5)
    assert "unbroadcast" not in g.source
    g(np.ones(3))
    assert g.source == g.source_for(np.ones(3)) != g.source_for(1.5)
    assert "unbroadcast" in g.source        # y is summed back over the shape of x
    g(2.5, z=1.0)                           # through the keyword path
    assert g.source == g.source_for(2.5)


def test_generated_entry_runs_from_source_text():
    """The printed source is the code that runs: exec it and call the entry point."""
    src = tl.grad(square).source
    import tangent_like.runtime as runtime
    namespace = dict(runtime.HELPERS, np=np, math=math)
    exec(compile(src, "<generated>", "exec"), namespace)
    value, (gx,) = namespace["value_and_grad_square"](3.0)
    assert value == 9.0 and gx == 6.0


# --------------------------------------------------------------------------------------
# wrt

def test_wrt_by_position_name_negative_index_and_tuple():
    x, y = 0.3, 1.7
    dx, dy, _ = d_poly(x, y)
    assert tl.grad(poly, wrt=0)(x, y) == pytest.approx(dx)
    assert tl.grad(poly, wrt=1)(x, y) == pytest.approx(dy)
    assert tl.grad(poly, wrt="y")(x, y) == pytest.approx(dy)
    assert tl.grad(poly, wrt=-1)(x, y) == pytest.approx(dy)   # last positional parameter
    assert tl.grad(poly, wrt=-2)(x, y) == pytest.approx(dx)
    both = tl.grad(poly, wrt=(0, "y"))(x, y)
    assert isinstance(both, tuple) and len(both) == 2
    assert both == pytest.approx((dx, dy))
    with_kwonly = tl.grad(poly, wrt=("x", "z"))(x, y, z=0.5)
    assert with_kwonly == pytest.approx(d_poly(x, y, 0.5)[::2])


def linear2(x, y):
    return x * 2.0 + y * 3.0


def test_wrt_tuple_order_is_the_order_of_the_result():
    assert tl.grad(linear2, wrt=(1, 0))(1.0, 1.0) == (3.0, 2.0)
    assert tl.grad(linear2, wrt=("y", "x"))(1.0, 1.0) == (3.0, 2.0)
    assert tl.value_and_grad(poly, wrt=("z", "x"))(0.3, 1.7)[1] == \
        pytest.approx(d_poly(0.3, 1.7)[::-2])
    _, pullback = tl.vjp(linear2, 1.0, 1.0, wrt=(1, 0))
    assert pullback(1.0) == (3.0, 2.0)


def test_wrt_one_element_tuple_gives_a_tuple():
    g = tl.grad(poly, wrt=("x",))(0.3)
    assert isinstance(g, tuple) and len(g) == 1
    assert g[0] == pytest.approx(d_poly(0.3)[0])


@pytest.mark.parametrize("wrt", [1, -2, 5])
def test_wrt_out_of_range(wrt):
    with pytest.raises(tl.DerivativeUsageError) as info:
        tl.grad(square, wrt=wrt)
    assert "square" in str(info.value)


def test_wrt_unknown_name():
    with pytest.raises(tl.DerivativeUsageError) as info:
        tl.grad(square, wrt="y")
    assert "'y'" in str(info.value) and "x" in str(info.value)


@pytest.mark.parametrize("wrt", [(), ("x", "x"), (0, "x"), True, 1.0, None])
def test_wrt_invalid(wrt):
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(poly, wrt=wrt)


def test_usage_error_is_a_value_error():
    with pytest.raises(ValueError):
        tl.grad(square, wrt="nope")
    assert issubclass(tl.DerivativeUsageError, tl.TangentLikeError)


def test_positional_only_parameters():
    assert inspect.signature(tl.grad(posonly)) == inspect.signature(posonly)
    assert tl.grad(posonly, wrt=1)(2.0, 3.0) == pytest.approx(2.0)
    assert tl.grad(posonly, wrt=(0, 1))(2.0, 3.0) == pytest.approx((3.0, 2.0))


# --------------------------------------------------------------------------------------
# value_and_grad

def test_value_and_grad():
    x, y = 0.4, 1.1
    value, g = tl.value_and_grad(poly)(x, y)
    assert value == pytest.approx(poly(x, y))
    assert g == pytest.approx(d_poly(x, y)[0])
    value, (gx, gz) = tl.value_and_grad(poly, wrt=("x", "z"))(x, y, z=0.5)
    assert value == pytest.approx(poly(x, y, z=0.5))
    assert (gx, gz) == pytest.approx(d_poly(x, y, 0.5)[::2])


def test_value_and_grad_array():
    x = np.array([1.0, -2.0, 0.5])
    value, g = tl.value_and_grad(sum_of_squares)(x)
    assert value == pytest.approx(5.25)
    np.testing.assert_allclose(g, 2 * x)


# --------------------------------------------------------------------------------------
# vjp

def test_vjp_elementwise_array_output():
    x = np.array([0.1, 0.5, 1.0, -2.0])
    out, pullback = tl.vjp(sin_twice, x)
    np.testing.assert_allclose(out, np.sin(x) * 2.0)
    cot = np.array([1.0, 2.0, -3.0, 0.5])
    jacobian = np.diag(2.0 * np.cos(x))
    (bx,) = pullback(cot)
    assert isinstance(bx, np.ndarray) and bx.shape == x.shape
    np.testing.assert_allclose(bx, jacobian.T @ cot)


def test_vjp_matrix_vector_product():
    W = np.arange(6.0).reshape(2, 3) / 7.0
    x = np.array([1.0, 2.0, -3.0])
    cot = np.array([0.5, -1.0])
    out, pullback = tl.vjp(matvec, W, x, wrt=(0, 1))
    np.testing.assert_allclose(out, W @ x)
    bW, bx = pullback(cot)
    # d(Wx)/dW: the Jacobian-transpose product is the outer product cot x^T; d(Wx)/dx = W.
    np.testing.assert_allclose(bW, np.outer(cot, x))
    np.testing.assert_allclose(bx, W.T @ cot)
    assert bW.shape == W.shape and bx.shape == x.shape
    # wrt defaults to the first argument; the result is still a tuple
    _, pullback_w = tl.vjp(matvec, W, x)
    result = pullback_w(cot)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_allclose(result[0], np.outer(cot, x))
    # wrt by name
    _, pullback_x = tl.vjp(matvec, W, x, wrt="x")
    np.testing.assert_allclose(pullback_x(cot)[0], W.T @ cot)


def test_vjp_pullback_rows_give_the_jacobian():
    x = np.array([0.3, -0.2, 1.4])
    _, pullback = tl.vjp(sin_twice, x)
    rows = [pullback(e)[0] for e in np.eye(3)]
    np.testing.assert_allclose(np.array(rows), np.diag(2.0 * np.cos(x)))


def test_vjp_pullback_twice_gives_the_same_result():
    W = np.arange(6.0).reshape(2, 3)
    x = np.array([1.0, 2.0, 3.0])
    cot = np.array([1.0, -2.0])
    _, pullback = tl.vjp(matvec, W, x, wrt=(0, 1))
    first = pullback(cot)
    second = pullback(cot)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    # a different cotangent afterwards is still right
    bW, bx = pullback(2.0 * cot)
    np.testing.assert_allclose(bW, 2.0 * np.outer(cot, x))
    np.testing.assert_allclose(bx, 2.0 * W.T @ cot)


def test_vjp_tuple_output():
    out, pullback = tl.vjp(pair_out, 2.0)
    assert out == (2.0, 2.0)
    assert pullback((1.0, 2.0)) == pytest.approx((3.0,))


def test_vjp_scalar_output_matches_grad():
    x = np.array([1.0, 2.0])
    out, pullback = tl.vjp(sum_of_squares, x)
    assert out == pytest.approx(5.0)
    np.testing.assert_allclose(pullback(1.0)[0], tl.grad(sum_of_squares)(x))


def test_vjp_with_keyword_arguments():
    x = 0.5
    out, pullback = tl.vjp(poly, x, z=2.0, wrt=("x", "z"))
    assert out == pytest.approx(poly(x, z=2.0))
    assert pullback(1.0) == pytest.approx(d_poly(x, 2.0, 2.0)[::2])
    assert pullback(-2.0) == pytest.approx(tuple(-2.0 * d for d in d_poly(x, 2.0, 2.0)[::2]))


def test_vjp_source_attribute():
    _, pullback = tl.vjp(sin_twice, np.ones(2))
    assert "def adjoint_sin_twice(" in pullback.source


def weighted(x, w=np.array([1.0, 2.0]), *, c=np.array([3.0, 4.0])):
    return np.sum(w * x * c)


def test_array_defaults():
    x = np.ones(2)
    np.testing.assert_allclose(tl.grad(weighted)(x), [3.0, 8.0])
    np.testing.assert_allclose(tl.grad(weighted, wrt="w")(x), [3.0, 4.0])
    np.testing.assert_allclose(tl.grad(weighted, wrt="c")(x), [1.0, 2.0])
    np.testing.assert_allclose(tl.grad(weighted)(x, np.array([0.0, 1.0])), [0.0, 4.0])
    np.testing.assert_allclose(tl.grad(weighted)(x, c=np.array([1.0, 1.0])), [1.0, 2.0])
    compile(tl.grad(weighted).source, "<generated>", "exec")


def test_lambda():
    triple_square = lambda x: 3.0 * x * x  # noqa: E731
    g = tl.grad(triple_square)
    assert g(2.0) == pytest.approx(12.0)
    assert "lambda" in repr(g)
    assert inspect.signature(g) == inspect.signature(triple_square)


# --------------------------------------------------------------------------------------
# The decorator

def test_decorator_without_arguments():
    @tl.differentiate
    def cube(x, k=1.0):
        return k * x ** 3

    assert cube(2.0) == 8.0                       # still the plain function
    assert cube.grad(2.0) == pytest.approx(12.0)
    assert cube.grad(2.0, k=2.0) == pytest.approx(24.0)
    assert cube.value_and_grad(2.0) == pytest.approx((8.0, 12.0))
    src = cube.derivative_source()
    assert "def adjoint_cube(" in src
    compile(src, "<generated>", "exec")
    assert "return k * x ** 3" in cube.derivative_source(stage="parse")


def test_decorator_with_wrt():
    @tl.differentiate(wrt="y")
    def prod(x, y):
        return x * y * y

    assert prod(2.0, 3.0) == 18.0
    assert prod.grad(2.0, 3.0) == pytest.approx(12.0)
    assert prod.value_and_grad(2.0, 3.0) == pytest.approx((18.0, 12.0))
    assert "with respect to y" in prod.derivative_source()


def test_decorator_with_tuple_wrt():
    @tl.differentiate(wrt=(0, 1))
    def prod(x, y):
        return x * y * y

    assert prod.grad(2.0, 3.0) == pytest.approx((9.0, 12.0))


# --------------------------------------------------------------------------------------
# Errors

def test_non_scalar_output_mentions_vjp():
    with pytest.raises(tl.DerivativeUsageError) as info:
        tl.grad(vector_out)(np.ones(3))
    assert "vjp" in str(info.value)
    with pytest.raises(tl.DerivativeUsageError) as info:
        tl.grad(pair_out)(1.0)
    assert "vjp" in str(info.value)


@pytest.mark.parametrize("bad", [3, True, np.int64(3)], ids=["int", "bool", "np.int64"])
def test_integer_argument(bad):
    with pytest.raises(tl.DerivativeUsageError) as info:
        tl.grad(square)(bad)
    assert "integer" in str(info.value)


def test_integer_argument_not_differentiated_is_fine():
    def scaled(x, n):
        return x * n

    assert tl.grad(scaled)(2.0, 3) == pytest.approx(3.0)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(scaled, wrt="n")(2.0, 3)


def test_wrong_number_of_arguments():
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(square)(1.0, 2.0)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(square)()


def test_not_a_function():
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(3.0)


def test_derivative_of_derivative_is_forward_over_reverse():
    assert tl.grad(tl.grad(square))(3.0) == pytest.approx(2.0)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(tl.value_and_grad(square))


def test_bound_method_is_differentiated_with_respect_to_its_arguments():
    class Model:
        def loss(self, x):
            return x * x

    assert tl.grad(Model().loss)(3.0) == pytest.approx(6.0)


def test_unsupported_syntax_diagnostics():
    def refused(x):
        with open(os.devnull):
            pass
        y = [(z := x)]
        return x

    with pytest.raises(tl.UnsupportedSyntaxError) as info:
        tl.grad(refused)(1.0)
    err = info.value
    assert isinstance(err, tl.TransformError)
    assert len(err.diagnostics) == 2
    lines, start = inspect.getsourcelines(refused)
    with_line = start + next(i for i, l in enumerate(lines) if "with open" in l)
    walrus_line = start + next(i for i, l in enumerate(lines) if ':=' in l)
    formatted = [d.format() for d in err.diagnostics]
    for text, lineno, token in zip(formatted, (with_line, walrus_line), ("with", "z")):
        first, source, caret = text.split("\n")
        assert re.match(rf".*{re.escape(THIS_FILE)}:{lineno}:\d+: error: .+ -- .+", first), first
        assert source.strip() == lines[lineno - start].strip()
        assert caret.strip() == "^"
        assert source[caret.index("^")] == token[0]
    assert err.lineno == with_line
    assert str(err) == "\n".join(formatted)


# --------------------------------------------------------------------------------------
# Types of gradients

def test_float32_array_gives_float32_gradient():
    x = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    g = tl.grad(sum_of_squares)(x)
    assert isinstance(g, np.ndarray)
    assert g.dtype == np.float32 and g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)


def test_float64_array_gives_float64_gradient():
    x = np.arange(6.0).reshape(2, 3)
    g = tl.grad(sum_of_squares)(x)
    assert g.dtype == np.float64 and g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * x)


def test_zero_dim_array_gives_zero_dim_array():
    g = tl.grad(square)(np.array(3.0, dtype=np.float32))
    assert isinstance(g, np.ndarray) and g.shape == () and g.dtype == np.float32
    assert g == 6.0


def test_python_float_gives_python_float():
    g = tl.grad(square)(3.0)
    assert type(g) is float
    assert g == 6.0
    value, g = tl.value_and_grad(square)(3.0)
    assert type(g) is float


def test_float32_scalar_gives_float32_scalar():
    g = tl.grad(square)(np.float32(3.0))
    assert type(g) is np.float32
    assert g == 6.0


def test_float64_scalar_gives_float64_scalar():
    g = tl.grad(square)(np.float64(3.0))
    assert type(g) is np.float64
    assert g == 6.0


def test_list_and_tuple_arguments_keep_their_structure():
    def prod(xs):
        return xs[0] * xs[1]

    g = tl.grad(prod)([2.0, 3.0])
    assert type(g) is list and g == [3.0, 2.0]
    g = tl.grad(prod)((2.0, 3.0))
    assert type(g) is tuple and g == (3.0, 2.0)


# --------------------------------------------------------------------------------------
# derivative_source and its stages

@pytest.mark.parametrize("stage", [None, "parse", "normalized", "transformed", "optimized"])
def test_derivative_source_stages_return_text(stage):
    text = tl.derivative_source(straight_line, stage=stage)
    assert isinstance(text, str) and text.strip()
    compile(text, "<stage>", "exec")


def test_derivative_source_default_is_the_gradient_source():
    assert tl.derivative_source(straight_line) == tl.grad(straight_line).source
    assert tl.derivative_source(straight_line, stage="optimized") == \
        tl.grad(straight_line).source
    assert tl.derivative_source(straight_line, wrt="y") == \
        tl.grad(straight_line, wrt="y").source


def test_transformed_stage_is_the_code_before_optimization():
    # Documented: `transformed` is "what optimize=False gives".
    assert tl.derivative_source(straight_line, stage="transformed") == \
        tl.grad(straight_line, optimize=False).source


def test_parse_stage_has_the_original_statements():
    text = tl.derivative_source(straight_line, stage="parse")
    assert "def straight_line(x, y):" in text
    assert "u = x * y + np.sin(x)" in text
    assert "v = u * u - y" in text
    assert "return v" in text


def _operations(node):
    kinds = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Compare, ast.BoolOp, ast.Subscript,
             ast.IfExp)
    return [n for n in ast.walk(node) if isinstance(n, kinds)]


def test_normalized_stage_has_one_operation_per_line():
    text = tl.derivative_source(straight_line, stage="normalized")
    tree = ast.parse(text)
    (fdef,) = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert fdef.name == "straight_line"
    assert len(fdef.body) >= 5           # x * y, np.sin(x), +, u * u, - y
    for stmt in fdef.body:
        value = getattr(stmt, "value", None)
        if value is not None:
            assert len(_operations(value)) <= 1, ast.unparse(stmt)
    # every statement on its own line
    lines = [l for l in text.splitlines()[1:] if l.strip()]
    assert len(lines) == len(fdef.body)
    # still computes the same function
    import tangent_like.runtime as runtime
    namespace = dict(runtime.HELPERS, np=np)
    exec(compile(text, "<normalized>", "exec"), namespace)
    assert namespace["straight_line"](0.3, 1.2) == pytest.approx(straight_line(0.3, 1.2))


def test_derivative_source_bad_mode_and_stage():
    with pytest.raises(tl.DerivativeUsageError):
        tl.derivative_source(square, mode="sideways")
    with pytest.raises(tl.DerivativeUsageError):
        tl.derivative_source(square, stage="bogus")
    assert "def forward_square" in tl.derivative_source(square, mode="forward")


# ------------------------------------------------------------------ the driver and its options

def test_options_are_validated_once_and_hashable():
    from tangent_like.pipeline import Options
    assert Options() == Options(mode="reverse", optimize=True, kinks="ignore")
    assert hash(Options(kinks="warn")) == hash(Options(kinks="warn"))
    with pytest.raises(tl.DerivativeUsageError, match="kinks='loud'"):
        Options(kinks="loud")
    with pytest.raises(tl.DerivativeUsageError, match="mode='sideways'"):
        Options(mode="sideways")
    with pytest.raises(tl.DerivativeUsageError, match="forward-mode option"):
        Options(batch=True)
    assert Options().replace(mode="forward", batch=True).batch


def test_every_stage_can_be_dumped(monkeypatch, capsys):
    from tangent_like import pipeline
    from tangent_like.analysis import lattice

    def f(x):
        return np.sin(x) * x

    texts = pipeline.stages(f, ("x",), {"x": lattice.ANY}, pipeline.Options())
    assert set(texts) == set(pipeline.STAGES)
    assert "sin_x = np.sin(x)" in texts["normalized"].replace("sin_x_1", "sin_x")
    assert "def adjoint_f" in texts["transformed"]
    monkeypatch.setenv("TANGENT_LIKE_DUMP", "normalized")
    tl.derivative_source(f)
    assert "tangent_like stage: normalized" in capsys.readouterr().err


def mutual_even(x, n):
    if n == 0:
        return x
    return np.sin(mutual_odd(x, n - 1))


def mutual_odd(x, n):
    if n == 0:
        return x * x
    return mutual_even(x, n - 1) * 2.0


def test_mutual_recursion_is_analyzed_as_one_worklist():
    def ref(x, n):
        return np.sin(ref_odd(x, n - 1)) if n else x

    def ref_odd(x, n):
        return ref(x, n - 1) * 2.0 if n else x * x

    x, h = 0.3, 1e-6
    for n in range(5):
        fd = (ref(x + h, n) - ref(x - h, n)) / (2 * h)
        assert tl.grad(mutual_even)(x, n) == pytest.approx(fd, rel=1e-6)
        assert tl.jvp(mutual_even, (x, n), 1.0)[1] == pytest.approx(fd, rel=1e-6)


def scale_rows(a, k):
    return a * k


def uses_a_callee_result_as_a_matrix(x):
    m = scale_rows(np.outer(x, x), 2.0)
    return np.sum(m @ x)


def test_a_callers_analysis_reads_its_callees_result_kind():
    """The callee is analyzed first: the caller knows its result is a 2-D array, so the
    generated code needs no kind-generic helpers for the product."""
    x = np.array([0.5, -1.0, 2.0])
    g = tl.grad(uses_a_callee_result_as_a_matrix)(x)
    h = 1e-6
    fd = [(uses_a_callee_result_as_a_matrix(x + h * e) - uses_a_callee_result_as_a_matrix(
        x - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)


def test_kinks_reach_jacobians_hessians_and_the_decorator():
    def f(x):
        return np.sum(np.abs(x) * x)

    x = np.array([0.0, 1.0])
    with pytest.raises(tl.KinkError):
        tl.hessian(f, kinks="raise")(x)
    with pytest.raises(tl.KinkError):
        tl.jacobian(lambda x: np.abs(x) * x, kinks="raise")(x)
    decorated = tl.differentiate(f, kinks="raise")
    with pytest.raises(tl.KinkError):
        decorated.hessian(x)


_HIDDEN = {"np": np}
exec("def hidden_helper(y):\n    return y * 2.0\n", _HIDDEN)
hidden_helper = _HIDDEN["hidden_helper"]


def calls_a_function_without_source(x):
    return np.sum(hidden_helper(x) * x)


def test_checking_reports_a_callee_without_source_and_goes_on():
    report = tl.check(calls_a_function_without_source)
    assert len(report) == 1 and "source of 'hidden_helper'" in str(report)
    with pytest.raises(tl.TransformError, match="source of 'hidden_helper'"):
        tl.grad(calls_a_function_without_source)(np.ones(2))


def _with_try(x):
    try:
        return x * 2.0
    except ValueError:
        return 0.0


def _calls_later_helper(x):
    return _defined_later(x) * 2.0


def test_syntax_is_refused_when_the_derivative_is_asked_for():
    for ask in (tl.grad, tl.value_and_grad, tl.hessian,
                lambda f: tl.jacobian(f, mode="forward")):
        with pytest.raises(tl.UnsupportedSyntaxError, match="test_api.py"):
            ask(_with_try)
    report = tl.check(_with_try)        # tl.check reports instead of raising
    assert len(report.diagnostics) == 1


def test_functions_defined_after_the_request_are_found_at_the_first_call():
    df = tl.grad(_calls_later_helper)        # _defined_later does not exist yet
    globals()["_defined_later"] = lambda x: x * x
    try:
        assert df(3.0) == pytest.approx(12.0)
    finally:
        del globals()["_defined_later"]
