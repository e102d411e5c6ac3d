"""Every row of the "Refused" table of docs/supported-python.md is a test.

Each row is matched by one key of `EXAMPLES` (a phrase of the row); each example is a module
whose function `f` uses the construct (called with `ARG`, by default a 1-D array; `ask(tl)`
may ask for another derivative than ``tl.grad(f)``), and asking for and calling its gradient must raise a
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
    "comprehensions and generator expressions inside": [
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
    "Calls that unpack into named parameters a sequence whose length is not known": [
        """
        def g(a, b):
            return a * b

        def f(x):
            xs = []
            for i in range(2):
                xs.append(x * i)
            return g(*xs)
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
    "A `numpy.matrix` read by the function": [
        """
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            M = np.matrix([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 0.0, 1.0]])

        def f(x):
            return np.sum(x * M)
        """],
    "Dict unpacking in a display": [
        """
        def f(x):
            d = {"a": x}
            e = {**d, "b": x}
            return np.sum(e["b"])
        """],
    "`sorted(xs, key=lambda": [
        """
        def f(x):
            ys = sorted([x[0], x[1]], key=lambda v: -v)
            return ys[0]
        """],
    "Calling a local variable whose function is not known": [
        """
        ARG = 0.7

        def f(x):
            fn = np.sin if x > 0.0 else np.cos
            return fn(x)
        """],
    # -- the NoDerivativeError table
    "A set of differentiated values": [
        """
        def f(x):
            s = {x[0], x[1]}
            return sum(s)
        """],
    "A dict key, or an index written at, computed from a differentiated value": [
        """
        ARG = 0.7

        def f(x):
            d = {}
            d[x] = 1.0
            return x
        """],
    "`map(...)` kept for later": [
        """
        def g(a):
            return a * 2.0

        def f(x):
            m = map(g, x)
            return sum(m)
        """],
    "Reading an attribute that a descriptor other than a property computes": [
        """
        import functools

        class Model:
            def __init__(self, w):
                self.w = w

            @functools.cached_property
            def w2(self):
                return self.w * 2.0

            def loss(self, x):
                return np.sum(self.w2 * x)

        M = Model(np.ones(3))


        def ask(tl):
            return tl.grad(M.loss, wrt="self.w")
        """],
    "Calling a derivative other than a gradient inside the differentiated function": [
        """
        import tangent_like as tl

        def g(a):
            return np.sin(a)

        def f(x):
            return np.sum(tl.jacobian(g)(x) * x)
        """,
        """
        import tangent_like as tl

        def g(a):
            return np.sum(a ** 3), a

        def f(x):
            return np.sum(tl.grad(g, has_aux=True)(x)[0] * x)
        """],
    "Building an object of a class from differentiated values": [
        """
        class Model:
            def __init__(self, w):
                self.w = w

        def f(x):
            m = Model(x)
            return np.sum(x)
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
    """{first cell of a row: the error class its table names}, over the tables of the
    section (each introduced by a sentence naming the class its rows raise)."""
    section = PAGE.read_text().split("## Refused", 1)[1].split("\n## ", 1)[0]
    rows, error = {}, None
    for line in section.splitlines():
        if not line.startswith("|"):
            named = [c for c in ("UnsupportedSyntaxError", "NoDerivativeError") if c in line]
            error = getattr(tl, named[0]) if named else error
        elif not line.startswith(("| Construct", "| ---")):
            rows[line.split("|")[1].strip()] = error
    return rows


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
    error = next(e for row, e in refused_rows().items() if key in row)
    module, path = _load(tmp_path, EXAMPLES[key][i], f"{abs(hash(key))}_{i}")
    x = getattr(module, "ARG", np.array([0.5, -1.0, 2.0]))
    ask = getattr(module, "ask", lambda tl: tl.grad(module.f))
    with pytest.raises(error) as info:      # the class the page says
        ask(tl)(x)
    assert info.value.filename == str(path), info.value
    assert info.value.lineno is not None
