"""Golden tests: the generated code of a few small functions, exactly.

They keep readability visible: a change to the generated code shows up as a diff of
tests/golden/*.py.  After an intended change, regenerate with
``TANGENT_LIKE_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""
import os
import pathlib

import pytest

import tangent_like as tl

from golden_functions import GOLDEN

HERE = pathlib.Path(__file__).parent / "golden"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_generated_code_matches_golden(name):
    func, args, wrt = GOLDEN[name]
    text = tl.grad(func, wrt=wrt).source_for(*args)
    path = HERE / f"{name}.py"
    if os.environ.get("TANGENT_LIKE_REGENERATE_GOLDEN"):
        path.write_text(text)
    assert path.exists(), f"no golden file {path}; regenerate (see module docstring)"
    assert text == path.read_text()


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_code_is_valid_python_and_runs(name):
    func, args, wrt = GOLDEN[name]
    compile((HERE / f"{name}.py").read_text(), f"{name}.py", "exec")
    tl.grad(func, wrt=wrt)(*args)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_optimized_code_is_at_most_four_times_the_primal(name):
    """Readable by design: the adjoint sweep stays small next to the function itself."""
    func, args, wrt = GOLDEN[name]
    text = tl.grad(func, wrt=wrt).source_for(*args)
    adjoint = text[text.index("def adjoint_"):]
    statements = [l for l in adjoint.splitlines()[2:] if l.strip()
                  and not l.strip().startswith(("#", '"""', "def "))]
    import inspect
    body = [l for l in inspect.getsource(func).splitlines()[1:] if l.strip()]
    assert len(statements) <= 4 * len(body) + 2
