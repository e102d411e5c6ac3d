"""The before/after examples in the optimizer passes' docstrings run as tests."""
import doctest
import importlib
import pkgutil

import pytest

import tangent_like.optimize as optimize_pkg

MODULES = [f"tangent_like.optimize.{m.name}" for m in pkgutil.iter_modules(optimize_pkg.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_pass_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module)
    assert result.attempted > 0, f"{name} has no example in its docstring"
    assert result.failed == 0
