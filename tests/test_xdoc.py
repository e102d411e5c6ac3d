"""The before/after examples in the passes' docstrings run as tests.

Every pass of normalize/ (lift, desugar, jumps, anf, inline) and optimize/ (fold, copies,
negations, dead) shows in its module docstring what it does to a small function; so do the
helpers the examples use (`parse_source`, `local_names`) and the shape analysis.
"""
import doctest
import importlib
import pkgutil

import pytest

import tangent_like.normalize as normalize_pkg
import tangent_like.optimize as optimize_pkg

PASSES = [f"{pkg.__name__}.{m.name}" for pkg in (normalize_pkg, optimize_pkg)
          for m in pkgutil.iter_modules(pkg.__path__)]
MODULES = PASSES + ["tangent_like.frontend.parse", "tangent_like.syntax.scopes",
                    "tangent_like.analysis.shapes"]


@pytest.mark.parametrize("name", MODULES)
def test_pass_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module)
    assert result.attempted > 0, f"{name} has no example in its docstring"
    assert result.failed == 0


def test_every_pass_module_is_covered():
    assert {m.rsplit(".", 1)[1] for m in PASSES} >= {
        "lift", "desugar", "jumps", "anf", "inline", "fold", "copies", "negations", "dead"}
