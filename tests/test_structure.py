"""The shape of the package, read from its imports.

* the import graph of tangent_like/ has no cycle (a module imported while it is being
  imported is a hidden order dependency);
* no module imports a private name (``_x``) of another;
* imports sit at the top of a module, except those of optional dependencies (a function
  importing scipy only when it runs) and of the package's own optional parts.
"""
import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "tangent_like"

# Modules a function may import when it runs: optional dependencies, and the heavy optional
# parts of the package that only some calls need.
OPTIONAL = {"scipy", "numba", "dask", "pygments", "IPython", "ipykernel", "nbformat",
            "torch", "jax", "autograd", "tangent_like.testing",
            "tangent_like.rules.scipy_special", "tangent_like.rules.scipy_stats",
            "tangent_like.rules.scipy_linalg", "tangent_like.runtime.special",
            "tangent_like.runtime.scipy_linalg", "tangent_like.display",
            "tangent_like.standalone", "tangent_like.persistent"}


def _modules():
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(module, node):
    """The absolute module name of an ImportFrom in `module`."""
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    is_package = MODULES[module].name == "__init__.py"
    base = package if is_package else package[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module):
    """(imported module, names, node, at top level?) of every import of `module`."""
    tree = ast.parse(MODULES[module].read_text())
    top = set(map(id, tree.body))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            yield _resolve(module, node), [a.name for a in node.names], node, id(node) in top


def _internal(name, imported_names):
    """The package modules an import names (``from . import x`` names module x)."""
    out = []
    if name in MODULES:
        out.append(name)
    for n in imported_names:
        if f"{name}.{n}" in MODULES:
            out.append(f"{name}.{n}")
    if not out and name.startswith("tangent_like"):
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name:
            out.append(name)
    return out


def _graph():
    graph = {m: set() for m in MODULES}
    for m in MODULES:
        for name, names, node, at_top in _imports(m):
            if not at_top:
                continue
            for target in _internal(name, names):
                if target != m:
                    graph[m].add(target)
    return graph


def _optional(name):
    return any(name == o or name.startswith(o + ".") for o in OPTIONAL)


def test_the_import_graph_has_no_cycle():
    graph = _graph()
    state, cycles = {}, []

    def visit(m, path):
        state[m] = "open"
        for t in sorted(graph[m]):
            # a package's __init__ importing its own submodules is how packages are made
            if m != t and t.startswith(m + "."):
                continue
            if state.get(t) == "open":
                cycles.append(" -> ".join(path[path.index(t):] + [t]))
            elif t not in state:
                visit(t, path + [t])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_module_imports_another_modules_private_names():
    found = []
    for m in MODULES:
        for name, names, node, _ in _imports(m):
            if not name.startswith("tangent_like"):
                continue
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    found.append(f"{m}:{node.lineno} imports {n} from {name}")
    assert not found, "\n".join(found)


def test_imports_sit_at_the_top_of_modules():
    found = []
    for m in MODULES:
        for name, names, node, at_top in _imports(m):
            if at_top or _optional(name) or (
                    names and all(_optional(f"{name}.{n}") for n in names)):
                continue      # (``from . import part``: the parts are optional)
            found.append(f"{m}:{node.lineno} imports {name} inside a function")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_holds(module):
    tree = ast.parse(MODULES[module].read_text())
    assert ast.get_docstring(tree), f"{module} has no docstring"


def test_gast_is_named_in_syntax_only():
    """The node classes live behind `tangent_like.syntax` (nodes, scopes): a change of gast
    touches one package."""
    found = [f"{m}:{node.lineno}" for m in MODULES if not m.startswith("tangent_like.syntax")
             for name, _, node, _ in _imports(m) if name.split(".")[0] == "gast"]
    assert not found, "gast imported outside syntax/: " + ", ".join(found)
