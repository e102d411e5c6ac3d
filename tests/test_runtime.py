"""The layout of rules and kernels: the runtime package, its zero sentinel, and the
shorthands that state a derivative once (`partials`, twins of `math` and NumPy).

Rules are declarations (tangent_like/rules/), the kernels generated code calls are runtime
(tangent_like/runtime/): the runtime never imports the rules or the analysis.
"""
import ast
import math
import pathlib

import numpy as np
import pytest

from tangent_like import runtime
from tangent_like.runtime.core import dense, dense_cotangent, is_zero
from tangent_like.rules import registry
from tangent_like.rules.registry import scaled

PACKAGE = pathlib.Path(runtime.__file__).parent.parent
RUNTIME = sorted((PACKAGE / "runtime").glob("*.py"))
RULES = sorted((PACKAGE / "rules").rglob("*.py"))


# ---------------------------------------------------------------- the zero sentinel
@pytest.mark.parametrize("value", [0.0, -0.0, np.float64(0.0), None])
def test_the_zero_sentinel(value):
    assert is_zero(value)


@pytest.mark.parametrize("value", [0, np.int64(0), False, 0j, np.float32(0.0), 1.0,
                                   np.asarray(0.0), np.zeros(3), (0.0,), [0.0]],
                         ids=repr)
def test_values_that_happen_to_be_zero_are_not_the_sentinel(value):
    assert not is_zero(value)


def test_dense_makes_zeros_of_the_sentinel():
    assert dense(0.0, (2, 3)).shape == (2, 3) and not np.any(dense(None, (2,)))
    g = np.ones((2, 3))
    assert dense(g, (2, 3)) is g
    assert dense_cotangent(0.0, np.ones(3, dtype=np.float32)).dtype == np.float64
    assert dense_cotangent((0.0, 1.0), np.ones(2)) == (0.0, 1.0)


# ---------------------------------------------------------------- the runtime package
OPTIONAL_FAMILIES = ("tangent_like.runtime.special", "tangent_like.runtime.scipy_linalg")


def test_every_kernel_is_an_attribute_of_the_package():
    """(The SciPy families are loaded with SciPy's rules, when SciPy is first imported.)"""
    for name, func in runtime.HELPERS.items():
        module = getattr(func, "__module__", None) or ""    # (generated code sees `scipy`)
        if module.startswith("tangent_like.runtime.") and module not in OPTIONAL_FAMILIES:
            assert getattr(runtime, name) is func, name


def test_kernels_keep_their_public_rule_names():
    assert registry.lookup(runtime.sum_adjoint).name == "tangent_like.runtime.sum_adjoint"


def _imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or ""), node, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node, [alias.name]


@pytest.mark.parametrize("path", RUNTIME, ids=lambda p: p.name)
def test_the_runtime_imports_neither_rules_nor_analysis(path):
    for module, _, _ in _imports(path):
        assert not module.lstrip(".").startswith(("rules", "analysis", "tangent_like.")), \
            f"{path.name} imports {module}"
        assert not module.startswith("..") or module == "..errors", module


@pytest.mark.parametrize("path", RUNTIME + RULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_say_what_lives_there_and_share_no_private_names(path):
    tree = ast.parse(path.read_text())
    assert ast.get_docstring(tree), f"{path} has no docstring"
    assert len(path.read_text().splitlines()) < 1000
    for module, node, names in _imports(path):
        assert not any(n.startswith("_") and not n.startswith("__") for n in names), \
            f"{path.name} imports a private name of {module}"
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for f in functions:
        local = [n for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))
                 and not _optional_family(n)]
        assert not local, f"{path.name}: {f.name} imports inside the function"


def _optional_family(node):
    """The deferred import of a SciPy family (rules/__init__.py loads each one when SciPy's
    module is first imported)."""
    return isinstance(node, ast.ImportFrom) and node.module is None and node.level == 1 and \
        all(a.name.startswith("scipy_") for a in node.names)


# ---------------------------------------------------------------- partials and twins
@pytest.mark.parametrize("derivative, template", [
    ("np.cos(x)", "g * np.cos(x)"),
    ("(1.0 + y * y)", "g * (1.0 + y * y)"),
    ("1.0 + y * y", "g * (1.0 + y * y)"),
    ("b / (a * a + b * b)", "g * b / (a * a + b * b)"),
    ("-a / (a * a + b * b)", "-g * a / (a * a + b * b)"),
    ("-(a // b)", "-g * (a // b)"),
    ("a % b", "g * (a % b)"),
    ("a @ b", "g * (a @ b)"),
    ("x ** 2", "g * x ** 2"),
    ("1", "g"), ("-1", "-g")])
def test_a_partial_derivative_times_the_seed(derivative, template):
    assert scaled("g", derivative) == template
    # the same value as g * (derivative), for numbers where the forms may differ
    env = dict(g=1.7, a=0.3, b=-1.1, x=0.9, y=0.4, np=np)
    if "@" not in derivative:
        assert eval(template, env) == pytest.approx(eval(f"g * ({derivative})", env))


def test_partials_give_both_templates():
    rule = registry.lookup(np.arctan2)
    assert rule.vjp == {"a": "g * b / (a * a + b * b)", "b": "-g * a / (a * a + b * b)"}
    assert rule.jvp == {"a": "da * b / (a * a + b * b)", "b": "-db * a / (a * a + b * b)"}
    power = registry.lookup(pow)
    assert power.vjp["b"] == "g * cj(y * log_of(a))"
    assert power.real_vjp["b"] == power.jvp["b"].replace("db", "g") == "g * y * log_of(a)"


@pytest.mark.parametrize("math_func, np_func", [(math.atan2, np.arctan2),
                                                (math.sqrt, np.sqrt), (math.asin, np.arcsin),
                                                (math.log2, np.log2),
                                                (math.fmod, np.fmod), (math.pow, pow)])
def test_math_twins_have_one_derivative(math_func, np_func):
    m, n = registry.lookup(math_func), registry.lookup(np_func)
    assert m.kind == "scalar" and m.params == n.params and set(m.jvp) == set(n.jvp)
    args = dict(zip(m.params, (0.6, 1.3)))
    env = dict(runtime.HELPERS, np=np, math=math, y=math_func(*args.values()), **args)
    for p in m.jvp:
        env.update({"d" + q: 1.0 for q in m.params})
        assert eval(m.jvp[p], env) == pytest.approx(eval(n.jvp[p], env), rel=1e-12)


def test_kink_conventions_are_part_of_the_registration():
    assert registry.lookup(abs).kink_when == "x == 0"
    floor = registry.lookup(np.floor)
    assert floor.inactive and floor.params == ["x"] and floor.kink_when == "x == np.floor(x)"
