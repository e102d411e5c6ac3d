"""The command line: ``python -m tangent_like TARGET [options]``.

Every test runs the real program in a subprocess on files written to ``tmp_path``.  Exit
status: 0 with the generated module on stdout, 1 for a refused function (compiler-style
diagnostics on stderr), 2 for usage errors.
"""
import os
import pathlib
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MODEL = textwrap.dedent("""\
    import numpy as np


    def loss(w, b, X, y):
        residual = X @ w + b - y
        return np.mean(residual ** 2)


    def simple(x, k):
        u = np.sin(x) * k
        return u * x


    class Namespace:
        @staticmethod
        def inner(x):
            return x * x
    """)

REFUSED = textwrap.dedent("""\
    import numpy as np


    def refused(x):
        with open("data.txt") as fh:
            pass
        table = (n := x)
        return x * 2.0
    """)

DIAGNOSTIC = re.compile(r"^(?P<file>.+\.py):(?P<line>\d+):(?P<col>\d+): error: (?P<what>.+)$")


def run(*args, cwd=REPO, env=None):
    """Run ``python -m tangent_like *args``; return the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = REPO + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.pop("PYTHONSTARTUP", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "tangent_like", *args], cwd=cwd,
                          env=full_env, capture_output=True, text=True, timeout=60)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


@pytest.fixture
def refused(tmp_path):
    path = tmp_path / "refusals.py"
    path.write_text(REFUSED)
    return path


def assert_module(text, *functions):
    compile(text, "<cli output>", "exec")
    for name in functions:
        assert re.search(rf"^def {name}\(", text, re.M), f"no def {name}:\n{text}"


# --------------------------------------------------------------------------------------
# Success

def test_file_target(model):
    r = run(f"{model}:simple")
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert_module(r.stdout, "primal_simple", "adjoint_simple")
    assert "with respect to x" in r.stdout


def test_relative_file_target(model, tmp_path):
    r = run("model.py:simple", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_simple", "adjoint_simple")


def test_module_target(model, tmp_path):
    r = run("model:loss", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_loss", "adjoint_loss")


def test_dotted_module_target(tmp_path):
    pkg = tmp_path / "mypkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(MODEL)
    r = run("mypkg.models:loss", "--wrt", "w,b", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_loss", "adjoint_loss")
    assert "with respect to w, b" in r.stdout


def test_dotted_function_name(model):
    r = run(f"{model}:Namespace.inner")
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_inner", "adjoint_inner")


def test_file_target_with_sibling_import_and_main_block(tmp_path):
    (tmp_path / "helpers_mod.py").write_text("def twice(x):\n    return 2.0 * x\n")
    (tmp_path / "script.py").write_text(textwrap.dedent("""\
        from helpers_mod import twice


        def f(x):
            return twice(x) * x


        if __name__ == "__main__":
            raise SystemExit(7)
        """))
    r = run(f"{tmp_path / 'script.py'}:f")
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_f", "adjoint_f")


def test_output_matches_the_api(model):
    """The printed module is the text `tl.derivative_source` returns."""
    code = textwrap.dedent(f"""\
        import importlib.util, sys
        import tangent_like as tl
        spec = importlib.util.spec_from_file_location("m", {str(model)!r})
        m = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(m)
        sys.stdout.write(tl.derivative_source(m.simple, wrt="k"))
        """)
    env = dict(os.environ, PYTHONPATH=REPO)
    api = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=60)
    assert api.returncode == 0, api.stderr
    cli = run(f"{model}:simple", "--wrt", "k")
    assert cli.returncode == 0, cli.stderr
    # the generated file names differ (#N), the text does not
    assert cli.stdout == api.stdout


@pytest.mark.parametrize("wrt, names", [
    ("k", "k"),
    ("-1", "k"),
    ("0,k", "x, k"),
])
def test_wrt(model, wrt, names):
    r = run(f"{model}:simple", "--wrt", wrt)
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "adjoint_simple")
    assert f"with respect to {names}," in r.stdout.splitlines()[0]


def test_wrt_several_names_of_a_larger_function(model):
    r = run(f"{model}:loss", "--wrt", "w,b")
    assert r.returncode == 0, r.stderr
    assert "with respect to w, b" in r.stdout
    assert_module(r.stdout, "primal_loss", "adjoint_loss")


def test_stage_parse(model):
    r = run(f"{model}:simple", "--stage", "parse")
    assert r.returncode == 0, r.stderr
    assert "def simple(x, k):" in r.stdout
    assert "u = np.sin(x) * k" in r.stdout
    assert "return u * x" in r.stdout
    assert "adjoint" not in r.stdout
    compile(r.stdout, "<parse>", "exec")


def test_stage_normalized(model):
    r = run(f"{model}:simple", "--stage", "normalized")
    assert r.returncode == 0, r.stderr
    compile(r.stdout, "<normalized>", "exec")
    assert "def simple(x, k):" in r.stdout
    assert "u = np.sin(x) * k" not in r.stdout      # split into one operation per line
    body = [l.strip() for l in r.stdout.splitlines()[1:] if l.strip()]
    assert len(body) >= 4
    assert any(l.startswith("return ") for l in body)


@pytest.mark.parametrize("stage", ["transformed", "optimized"])
def test_stage_transformed_and_optimized(model, stage):
    r = run(f"{model}:simple", "--stage", stage)
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_simple", "adjoint_simple")


def test_no_optimize(model):
    r = run(f"{model}:simple", "--no-optimize")
    assert r.returncode == 0, r.stderr
    assert_module(r.stdout, "primal_simple", "adjoint_simple")


def test_help():
    r = run("--help")
    assert r.returncode == 0
    assert "--wrt" in r.stdout
    assert "--stage" in r.stdout
    assert "FILE.py:FUNC" in r.stdout


# --------------------------------------------------------------------------------------
# Usage errors: exit 2

def assert_usage_error(r, *fragments):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.strip()
    assert "Traceback" not in r.stderr
    for fragment in fragments:
        assert fragment in r.stderr, r.stderr


def test_unknown_function(model):
    assert_usage_error(run(f"{model}:no_such_function"), "no_such_function")


def test_bad_target_syntax(model):
    assert_usage_error(run(str(model)), "FILE.py:FUNC")
    assert_usage_error(run("just_a_name"), "just_a_name")


def test_missing_file(tmp_path):
    missing = tmp_path / "missing.py"
    assert_usage_error(run(f"{missing}:f"), "missing.py")


def test_unimportable_module(tmp_path):
    assert_usage_error(run("no_such_module_xyz:f", cwd=tmp_path), "no_such_module_xyz")


def test_unknown_wrt(model):
    assert_usage_error(run(f"{model}:simple", "--wrt", "nope"), "nope")
    assert_usage_error(run(f"{model}:simple", "--wrt", "7"))


@pytest.mark.parametrize("args", [
    ("--stage", "bogus"),
    ("--mode", "sideways"),
    ("--no-such-option",),
], ids=["stage", "mode", "option"])
def test_bad_options(model, args):
    r = run(f"{model}:simple", *args)
    assert r.returncode == 2
    assert "usage:" in r.stderr


def test_no_target():
    r = run()
    assert r.returncode == 2
    assert "usage:" in r.stderr


# --------------------------------------------------------------------------------------
# Refused functions: exit 1 with compiler-style diagnostics

def test_refused_function_reports_every_construct(refused):
    r = run(f"{refused}:refused")
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    source = REFUSED.splitlines()
    lines = r.stderr.rstrip("\n").split("\n")
    heads = [i for i, l in enumerate(lines) if DIAGNOSTIC.match(l)]
    assert len(heads) == 2, r.stderr
    expected = [("with open", "w"), ("(n := x)", "n")]
    for i, (snippet, token) in zip(heads, expected):
        m = DIAGNOSTIC.match(lines[i])
        assert os.path.basename(m["file"]) == "refusals.py"
        lineno, col = int(m["line"]), int(m["col"])
        assert snippet in source[lineno - 1]
        assert source[lineno - 1][col - 1] == token          # columns are 1-based
        assert " -- " in m["what"]                            # says what to do instead
        # the source line, then a caret under the construct
        shown, caret = lines[i + 1], lines[i + 2]
        assert shown.strip() == source[lineno - 1].strip()
        assert caret.strip() == "^"
        assert shown[caret.index("^")] == token
    assert heads[1] == heads[0] + 3
    assert re.match(r"^2 errors\b", lines[-1]), lines[-1]
    assert len(lines) == heads[1] + 4


def test_refused_lines_in_source_order(refused, tmp_path):
    r = run(f"{refused}:refused")
    numbers = [int(DIAGNOSTIC.match(l)["line"]) for l in r.stderr.splitlines()
               if DIAGNOSTIC.match(l)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 2


def test_example_args_select_the_specialized_code():
    import subprocess as sp
    import sys as _sys
    root = pathlib.Path(__file__).parent.parent
    generic = sp.run([_sys.executable, "-m", "tangent_like", "examples/ode.py:simulate",
                      "--wrt", "k"], cwd=root, capture_output=True, text=True, timeout=60)
    floats = sp.run([_sys.executable, "-m", "tangent_like", "examples/ode.py:simulate",
                     "--wrt", "k", "--args", "0.5"], cwd=root, capture_output=True, text=True,
                    timeout=60)
    assert generic.returncode == floats.returncode == 0
    assert "unbroadcast" in generic.stdout and "unbroadcast" not in floats.stdout
    bad = sp.run([_sys.executable, "-m", "tangent_like", "examples/ode.py:simulate",
                  "--args", "not a literal"], cwd=root, capture_output=True, text=True,
                 timeout=60)
    assert bad.returncode == 2


# --------------------------------------------------------------------------------------
# Kinds of arguments: --args and what is shown without it

def test_without_args_the_code_names_the_kinds_it_assumes(model):
    r = run(f"{model}:simple")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1] == ("# For arguments x: 1-d array, k: 1-d array (other "
                                        "kinds of arguments run other code).")


@pytest.mark.parametrize("values", [
    ["np.ones(3), 2.0"],
    ["np.ones(3)", "2.0"],
    ["f64[3], f64"],
    ["f64[3]", "0.5"],
])
def test_args_expressions_and_specs(model, values):
    """NumPy expressions and specs give the same kinds, so the same code; several values
    may share one argument of the command line."""
    r = run(f"{model}:simple", "--args", *values)
    assert r.returncode == 0, r.stderr
    assert r.stdout == run(f"{model}:simple", "--args", "np.zeros(5)", "1.5").stdout
    assert "For arguments" not in r.stdout       # kinds given, not assumed
    # (an array x and a float k give the code of floats: every array has x's shape; an
    # array k and a float x do not)
    assert r.stdout != run(f"{model}:simple", "--args", "0.5, np.ones(3)").stdout


def test_args_specs_of_matrices(model):
    r = run(f"{model}:loss", "--args", "f64[3], f64, f64[10,3], f64[10]")
    assert r.returncode == 0, r.stderr
    assert r.stdout == run(f"{model}:loss", "--args",
                           "np.ones(3), 0.5, np.eye(10, 3), np.arange(10.0)").stdout


@pytest.mark.parametrize("bad", ["f64[3", "np.nope(3)", "f99[3]"])
def test_bad_args_are_usage_errors(model, bad):
    assert_usage_error(run(f"{model}:simple", "--args", bad), "--args", bad)


def test_standalone_module(model, tmp_path):
    r = run(f"{model}:loss", "--standalone", "--args", "f64[3], f64, f64[10,3], f64[10]")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# Standalone reverse mode of loss (model.py) with respect "
                               "to w,\n# generated by tangent_like for arguments w: 1-d array, "
                               "b: float, X: 2-d array, y: 1-d array\n")
    assert "\nimport numpy as np\n" in r.stdout
    assert "\n__all__ = ['value_and_grad_loss', 'primal_loss', 'adjoint_loss']\n" in r.stdout
    assert not re.search(r"^\s*(import|from)\s+tangent_like", r.stdout, re.M)
    scope = {"__name__": "loss_grad"}
    exec(compile(r.stdout, "loss_grad.py", "exec"), scope)
    rng = np.random.default_rng(0)
    w, X, y = rng.normal(size=3), rng.normal(size=(10, 3)), rng.normal(size=10)
    value, (grad_w,) = scope["value_and_grad_loss"](w, 0.5, X, y)
    assert np.allclose(grad_w, 2.0 * X.T @ (X @ w + 0.5 - y) / 10)


def test_standalone_of_an_earlier_stage_is_a_usage_error(model):
    assert_usage_error(run(f"{model}:simple", "--standalone", "--stage", "parse"),
                       "standalone")
