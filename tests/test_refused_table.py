"""Every row of the "Refused" table of docs/supported-python.md is a test.

Each row is matched by one key of `EXAMPLES` (a phrase of the row); each example is a module
whose function `f` uses the construct (called with `ARG`, by default a 1-D array), and asking for and calling its gradient must raise a
`TransformError` located in that module.  A row without an example, or an example whose row
is gone, fails the test: the table and the behaviour cannot drift apart.
"""
import importlib.util
import pathlib
import sys
import textwrap

import numpy as np
import pytest

import tangent_like as tl

PAGE = pathlib.Path(__file__).parent.parent / "docs" / "supported-python.md"

EXAMPLES = {
    "Set and dict comprehensions": [
        """
        def f(x):
            s = {v for v in [1.0, 2.0]}
            return x * len(s)
        """,
        """
        ARG = 0.7

        def f(x):
            while sum([x for _ in range(2)]) > 10.0:
                x = x / 2.0
            return x
        """],
    "Writes that another variable or the caller would see": [
        """
        def f(x):
            x[0] = 1.0
            return np.sum(x)
        """,
        """
        def f(x):
            u = x * 1.0
            w = u[1:]
            u[1] = 5.0
            return np.sum(w * u)
        """,
        """
        def f(x):
            u = x * 1.0
            w = np.reshape(u, (3, 1))
            u[0] = 5.0
            return np.sum(w)
        """],
    "`eval`, `exec`": [
        """
        def f(x):
            return eval("x * x")
        """],
    "Chained subscript writes": [
        """
        ARG = 0.7

        def f(x):
            a = np.zeros((2, 2))
            a[0][1] = x
            return np.sum(a)
        """],
    "Assignment to an attribute": [
        """
        class Box:
            pass

        def f(x):
            b = Box()
            b.a = x
            return x
        """],
    "`try` / `except`": [
        """
        def f(x):
            try:
                return x * 2.0
            except ValueError:
                return 0.0
        """],
    "`with`": [
        """
        def f(x):
            with np.errstate(all="ignore"):
                y = x * 2.0
            return y
        """],
    "`yield`": [
        """
        def f(x):
            yield x
        """],
    "`global`, `nonlocal`": [
        """
        counter = 0

        def f(x):
            global counter
            counter = 1
            return x
        """],
    "`class` definitions inside": [
        """
        def f(x):
            class Local:
                pass
            return x
        """],
    "`del`": [
        """
        def f(x):
            y = x * 2.0
            del y
            return x
        """],
    "Assignment expressions": [
        """
        ARG = 0.7

        def f(x):
            if (y := x * 2.0) > 1.0:
                return y
            return x
        """],
    "`match`": [
        """
        def f(x):
            match 1:
                case 1:
                    return x
            return x
        """],
    "`async def`": [
        """
        def f(x):
            async def g():
                return 1.0
            return x
        """],
    "`import` inside the function": [
        """
        def f(x):
            import math
            return math.sin(x)
        """],
    "Calls with `*args` or `**kwargs`": [
        """
        def g(a, b):
            return a * b

        def f(x):
            xs = (x, 2.0)
            return g(*xs)
        """],
    "Functions with `*args` or `**kwargs` parameters": [
        """
        def f(*xs):
            return xs[0] * 2.0
        """],
    "Starred assignment targets": [
        """
        def f(x):
            a, *rest = [x, 1.0, 2.0]
            return a
        """],
    "`for ... else`": [
        """
        def f(x):
            for i in range(2):
                x = x * 2.0
            else:
                x = x + 1.0
            return x
        """],
    "Set and dict literals": [
        """
        def f(x):
            d = {"a": x}
            return d["a"]
        """],
    "Decorators on functions defined inside": [
        """
        import functools

        def f(x):
            @functools.lru_cache
            def g(a):
                return a * 2.0
            return g(x)
        """],
    "`a += b` (and `-=`, `*=`, ...) on an array": [
        """
        def f(x):
            a = x * 1.0
            c = a
            a += 1.0
            return np.sum(a * c)
        """],
    "Nested functions or lambdas used as values": [
        """
        def apply(fn, v):
            return v

        def f(x):
            g = lambda a: a * 2.0
            return apply(g, x)
        """],
    "Two nested functions of the same name": [
        """
        ARG = 0.7

        def f(x):
            if x > 0.0:
                def g(a):
                    return a * 2.0
            else:
                def g(a):
                    return a * 3.0
            return g(x)
        """],
}


def refused_rows():
    text = PAGE.read_text()
    table = text.split("## Refused", 1)[1].split("\n\n", 2)[2]
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    return [row.split("|")[1].strip() for row in rows[2:]]


def test_every_row_has_examples_and_every_example_a_row():
    rows = refused_rows()
    assert rows, "no Refused table found"
    for row in rows:
        keys = [k for k in EXAMPLES if k in row]
        assert len(keys) == 1, f"row {row[:60]!r} is matched by {keys}"
    for key in EXAMPLES:
        assert any(key in row for row in rows), f"no row for the example {key!r}"


def _load(tmp_path, source, index):
    path = tmp_path / f"refused_{index}.py"
    path.write_text("import numpy as np\n" + textwrap.dedent(source))
    name = f"_tl_refused_{index}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module, path


CASES = [(key, i) for key in EXAMPLES for i in range(len(EXAMPLES[key]))]


@pytest.mark.parametrize("key,i", CASES, ids=[f"{k[:30]}-{i}" for k, i in CASES])
def test_the_construct_is_refused_with_its_location(tmp_path, key, i):
    module, path = _load(tmp_path, EXAMPLES[key][i], f"{abs(hash(key))}_{i}")
    x = getattr(module, "ARG", np.array([0.5, -1.0, 2.0]))
    with pytest.raises(tl.UnsupportedSyntaxError) as info:      # as the page says
        tl.grad(module.f)(x)
    assert info.value.filename == str(path), info.value
    assert info.value.lineno is not None
