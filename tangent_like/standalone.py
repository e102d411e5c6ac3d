"""Standalone derivative modules: the generated code with everything it reads, importable
without tangent_like (``tangent-like f.py:f --standalone``, ``tl.derivative_source(f,
standalone=True)``).

Generated code runs in the user's module, with the runtime kernels, ``np`` and ``math``
handed to it by the loader.  A standalone module holds, besides the generated functions,
each name they read, found from the loaded functions themselves (their closure cells and
globals, so it is the very value that runs), and, for what is copied, each name that reads
in turn:

* modules (``np``, ``math``, the user's imports): an import;
* tangent_like's runtime (kernels such as ``unbroadcast`` and ``seed_for``, the functions,
  constants and error classes they read) and the user's own functions and classes (code
  outside the standard library and site-packages): their source, copied, without the
  decorators that register kernels;
* functions and classes of installed libraries: an import from their module;
* other values (the user's constants): ``NAME = value``, written as Python that gives the
  value back exactly (numbers, strings, tuples, lists, dicts, NumPy arrays), refused
  otherwise with the global's name.

The module reads top to bottom: a header saying what it computes, the imports, ``__all__``
(the entry points), the user's constants and functions, the generated code, then the
runtime.  Copied definitions follow what they read, so what is needed while the module is
imported (base classes, decorators, defaults) is defined first.
"""
import ast
import builtins
import importlib
import inspect
import math
import os
import symtable
import sys
import sysconfig
import textwrap
import types

import numpy as np

from .analysis import lattice
from .errors import DerivativeUsageError, InternalError
from .runtime import HELPERS
from .values import describe_kinds

# What a standalone module gives a runtime constant instead of its value: the warnings of
# `kinks="warn"` skip the frames of the runtime (`core._PACKAGE`, a directory) to reach
# the user's call; in a standalone module the runtime is the module itself.
_RUNTIME_VALUES = {"_PACKAGE": "__file__"}

# The code generated for some kinds of arguments differentiates only arguments of those
# kinds (a float where an array may broadcast has no `unbroadcast`): the entry of a
# standalone module checks them, as the choice of a variant by `tl.grad` does.
_GUARD = '''\
_KINDS = {kinds!r}


def _check_kinds(arguments):
    """Refuse arguments of other kinds than those the code above was generated for."""
    for name, value in arguments.items():
        kind = _KINDS[name]
        if kind != "any" and of_value(value) != kind:
            raise TypeError(
                f"this module was generated for {{name}}: {{words(kind)}}, not "
                f"{{words(of_value(value))}}; generate one for such arguments "
                "(tangent-like FILE.py:FUNC --standalone --args ...)")'''

_MISSING = object()


def module_source(compiled, func, wrt, kinds):
    """The text of a standalone module for `compiled` (a `pipeline.Compiled`), the
    derivative of `func` with respect to `wrt` (names) for arguments of `kinds`
    (parameter -> kind)."""
    module = _Module()
    generated = compiled.functions
    for name, reader in _generated_reads(compiled.source, generated):
        module.provide(name, _value_read(generated[reader], name),
                       _Reader.generated(func, compiled.user_functions, generated[reader]))
    guarded = any(kind != lattice.ANY for kind in kinds.values())
    body = _generated_text(compiled, module, func, list(kinds) if guarded else None)
    if guarded:
        for name, value in (("of_value", lattice.of_value), ("words", lattice.words)):
            module.provide(name, value, _Reader.generated(func))
        body += "\n\n\n" + _GUARD.format(kinds=kinds)
    module.import_submodules(body)
    entries = _entry_points(compiled)
    parts = [_header(compiled, func, wrt, describe_kinds(kinds), module), module.import_lines(),
             f"__all__ = {entries!r}"]
    parts += module.section("user")
    parts.append(body)
    runtime = module.section("runtime")
    if runtime:
        parts.append("# " + "-" * 86 + "\n# The helpers of tangent_like the code above calls "
                     "(from tangent_like/runtime/).")
        parts += runtime
    return "\n\n\n".join(p for p in parts if p) + "\n"


def kernels_source(names):
    """The runtime kernels `names` (names generated code calls), with what they read, as
    the text of a module that imports without tangent_like: the runtime part of a
    standalone module."""
    module = _Module()
    reader = _Reader("runtime", "the runtime")
    for name in names:
        module.provide(name, HELPERS[name], reader)
    return "\n\n\n".join([module.import_lines()] + module.section("runtime")) + "\n"


# ------------------------------------------------------------------------ the generated code

def _generated_reads(source, generated):
    """(name, generated function reading it) for each name the generated code reads from
    outside, in order of appearance (functions of two user modules may read one name:
    the module binds it once, when both mean the same)."""
    out = []
    top = symtable.symtable(source, "<generated>", "exec")
    for table in top.get_children():
        reader = table.get_name()
        if reader not in generated:
            raise InternalError(f"generated code defines {reader!r}, which was not loaded")
        out += [(name, reader) for name in _free_names(table) if name not in generated]
    return out


def _value_read(function, name):
    """What `name` means inside the loaded generated `function`: a cell of its closure (the
    loader's helpers, the user's closure), else its globals (the user's module), else a
    builtin."""
    code = function.__code__
    if name in code.co_freevars:
        cell = function.__closure__[code.co_freevars.index(name)]
        try:
            return cell.cell_contents
        except ValueError:
            return _MISSING
    value = function.__globals__.get(name, _MISSING)
    if value is _MISSING:
        value = getattr(builtins, name, _MISSING)
    return value


def _generated_text(compiled, module, func, checked):
    """The generated code without its header comment; a default the text shows as None
    (the loader sets the real ones on the loaded functions) is written out, and the root's
    primal (or forward) function checks the kinds of the parameters `checked`."""
    lines = compiled.source.splitlines()
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    tree = ast.parse("\n".join(lines))
    root = compiled.root
    for node in reversed(tree.body):
        if not isinstance(node, ast.FunctionDef):
            continue
        if checked and node.name in (getattr(root, "primal_name", None),
                                     getattr(root, "forward_name", None)):
            lines.insert(node.body[0].end_lineno, _check_call(node, checked, root))
        header = _header_with_defaults(node, compiled.functions[node.name], module, func)
        if header is not None:
            start, end = node.lineno - 1, node.body[0].lineno - 1
            lines[start:end] = [header]
    return "\n".join(lines)


def _check_call(node, params, root):
    """``_check_kinds({'x': x, ...})`` for the parameters `params` of the user's function,
    named as `node` (a primal or forward function) names them."""
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args]
    if root.mode == "reverse":
        names = names[1:]           # the stack
    if args.vararg:
        names.append(args.vararg.arg)
    tangents = getattr(root, "tangent_params", {}).values()
    names += [a.arg for a in args.kwonlyargs if a.arg not in tangents]
    if args.kwarg:
        names.append(args.kwarg.arg)
    pairs = ", ".join(f"{p!r}: {n}" for p, n in zip(params, names))
    indent = " " * node.body[0].col_offset
    return f"{indent}_check_kinds({{{pairs}}})"


def _header_with_defaults(node, function, module, func):
    """The ``def`` line of `node` with the defaults `function` has, or None when its text
    shows them already."""
    args = node.args
    positional = args.posonlyargs + args.args
    values = list(function.__defaults__ or ())
    kw = function.__kwdefaults__ or {}
    changed = False
    new_defaults = []
    for arg, shown in zip(positional[len(positional) - len(args.defaults):], args.defaults):
        value = values[len(new_defaults)] if len(new_defaults) < len(values) else _MISSING
        new, differs = _default_node(arg.arg, shown, value, module, func)
        new_defaults.append(new)
        changed |= differs
    new_kw = []
    for arg, shown in zip(args.kwonlyargs, args.kw_defaults):
        if shown is None and arg.arg not in kw:
            new_kw.append(None)
            continue
        new, differs = _default_node(arg.arg, shown, kw.get(arg.arg, _MISSING), module, func)
        new_kw.append(new)
        changed |= differs
    if not changed:
        return None
    args.defaults, args.kw_defaults = new_defaults, new_kw
    stub = ast.FunctionDef(name=node.name, args=args, body=[ast.Pass()], decorator_list=[])
    return ast.unparse(ast.fix_missing_locations(stub)).splitlines()[0]


def _default_node(param, shown, value, module, func):
    """(the default's expression, whether it differs from the `shown` one)."""
    if value is _MISSING:
        return shown, False
    try:
        if shown is not None and _same(ast.literal_eval(shown), value):
            return shown, False
    except ValueError:
        pass
    text = _literal(value)
    if text is None:
        raise DerivativeUsageError(
            f"{_where(func)}: the default value of {param!r} ({_describe(value)}) cannot be "
            "written in a standalone module (Python source does not give it back); make it "
            "a number, a string, a tuple or an array, or pass it as an argument")
    if "np." in text:
        module.provide("np", np, _Reader.generated(func))
    return ast.parse(text, mode="eval").body, True


def _entry_points(compiled):
    root = compiled.root
    if root.mode == "forward":
        return [root.forward_name]
    return [compiled.entry.__name__, root.primal_name, root.adjoint_name]


def _header(compiled, func, wrt, kinds_text, module):
    root = compiled.root
    where = _short_file(func)
    params = ", ".join(root.params)
    lines = [f"# Standalone {root.mode} mode of {func.__qualname__} ({where}) with respect "
             f"to {', '.join(wrt)},",
             f"# generated by tangent_like for arguments {kinds_text}",
             "# (other kinds of arguments need code generated for them)."]
    if root.mode == "forward":
        tangents = ", ".join(f"{t}=..." for t in root.tangent_params.values())
        lines.append(f"# {root.forward_name}({params}, {tangents}) returns "
                     f"({func.__name__}({params}), its tangent),")
        lines.append("# given the tangents of " + ", ".join(root.tangent_params) + ".")
    else:
        grads = ", ".join(f"d/d{w}" for w in wrt) + ("," if len(wrt) == 1 else "")
        lines.append(f"# {compiled.entry.__name__}({params}) returns ({func.__name__}({params}),"
                     f" ({grads})).")
    needs = sorted({line.split()[1].split(".")[0] for line in module.imports} - _STDLIB_NAMES)
    lines.append(f"# It imports {', '.join(needs) or 'the standard library only'}, not "
                 "tangent_like.")
    return "\n".join(lines)


# --------------------------------------------------------------------- what the module binds

class _Reader:
    """Who reads a name: generated code, the runtime, or the user's code (for messages);
    `functions` are the user's functions behind it, where a read is looked for."""

    def __init__(self, section, label, functions=()):
        self.section = section
        self.label = label
        self.functions = functions

    @classmethod
    def generated(cls, func, functions=(), function=None):
        """Generated code (and what the module adds to it) of the derivative of `func`;
        `function`, a generated function, names the user's module it runs in."""
        label = f"the derivative of {func.__qualname__} ({_short_file(func)})"
        where = (function.__globals__.get("__file__") or "") if function is not None else ""
        if where and os.path.basename(where) != _short_file(func):
            label += f", in its code from {os.path.basename(where)},"
        return cls("user", label, [f for f in functions if f is not None])

    def where(self, name):
        """``model.py:12: `` where one of the user's functions reads `name`, else ``""``."""
        for func in self.functions:
            try:
                lines, start = inspect.getsourcelines(func)
                tree = ast.parse(textwrap.dedent("".join(lines)))
            except (OSError, TypeError, SyntaxError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Name) and node.id == name:
                    return f"{_short_file(func)}:{start + node.lineno - 1}: "
        return ""


class _Definition:
    """A function or class whose source the module holds, or an alias of one."""

    def __init__(self, name, text, reads, section):
        self.name = name
        self.text = text
        self.reads = reads          # the names of the module it reads
        self.section = section


class _Module:
    """The names of the standalone module, each bound once, and what binds them."""

    def __init__(self):
        self.bound = {}         # name -> (value, reader label)
        self.imports = []
        self.constants = {"user": [], "runtime": []}
        self.definitions = []

    def provide(self, name, value, reader):
        """Bind `name` to `value` in the module (an import, a constant, a copied
        definition), and what a copied definition reads in turn."""
        if value is _MISSING:
            return          # undefined where it is read: fails there as in the original
        if getattr(value, "needs_tangent_like", False):
            raise DerivativeUsageError(
                f"a standalone module cannot hold {name!r}, which {reader.label} calls: it "
                "differentiates a gradient called inside the function with tangent_like "
                "itself -- import tangent_like in that module, or pass the gradient's value "
                "in as an argument")
        if name in self.bound:
            old, label = self.bound[name]
            if old is not value and not (_plain(old) and _plain(value) and _same(old, value)):
                if _in_tangent_like(old) and _in_tangent_like(value):
                    raise InternalError(f"two functions of tangent_like named {name!r} "
                                        f"({_describe(old)}, {_describe(value)}) cannot be "
                                        "copied into one standalone module: rename one")
                raise DerivativeUsageError(
                    f"a standalone module cannot bind {name!r} twice: {label} reads one "
                    f"{name!r} ({_describe(old)}) and {reader.label} another "
                    f"({_describe(value)}); rename one of them")
            return
        if getattr(builtins, name, _MISSING) is value:
            return
        self.bound[name] = (value, reader.label)
        if isinstance(value, types.ModuleType):
            if _in_tangent_like(value) and reader.section == "user":
                raise DerivativeUsageError(
                    f"{reader.where(name)}{reader.label} reads tangent_like (as {name!r}), "
                    "which a standalone module runs without: keep the calls of tangent_like "
                    "out of the functions it differentiates and calls")
            if _in_tangent_like(value):
                raise InternalError(f"{reader.label} reads the module {value.__name__} "
                                    f"as {name!r}: code copied into a standalone module "
                                    "reads the functions of tangent_like by their names")
            self.imports.append(_import_module(name, value))
        elif _copied(value):
            self._copy(name, value, reader)
        elif callable(value):
            self.imports.append(_import_object(name, value, reader))
        else:
            self._constant(name, value, reader)

    def _constant(self, name, value, reader):
        if reader.section == "runtime" and name in _RUNTIME_VALUES:
            text = _RUNTIME_VALUES[name]
        else:
            text = _literal(value)
        if text is None:
            raise DerivativeUsageError(
                f"{reader.where(name)}a standalone module cannot hold the global {name!r} "
                f"that {reader.label} "
                f"reads: {_describe(value)} has no source form (Python does not give it "
                "back from its repr); make it a number, a string, or a tuple, list, dict or "
                f"NumPy array of those, or pass {name!r} as an argument")
        if "np." in text:
            self.provide("np", np, reader)
        self.constants[reader.section].append(f"{name} = {text}")

    def _copy(self, name, value, reader):
        section = "runtime" if _in_tangent_like(value) else "user"
        label = f"{_kind_word(value)} {value.__qualname__} ({_short_file(value)})"
        me = _Reader(section, label, [value] if isinstance(value, types.FunctionType) else [])
        if getattr(value, "__name__", None) == "<lambda>":
            raise DerivativeUsageError(
                f"a standalone module cannot hold the lambda {name!r} that {reader.label} "
                "reads: define it with def")
        if getattr(value, "__closure__", None):
            raise DerivativeUsageError(
                f"a standalone module cannot hold {label}, which {reader.label} reads: it "
                "reads variables of the function around it "
                f"({', '.join(value.__code__.co_freevars)}); define it at module level")
        namespace = _namespace_of(value)
        text = _source_without_registration(value, namespace)
        defined = value.__name__
        if defined != name:
            self.provide(defined, value, reader)
            self.definitions.append(_Definition(name, f"{name} = {defined}", [defined],
                                                section))
            return
        reads = [n for n in _free_names(symtable.symtable(text, "<copied>", "exec"))]
        self.definitions.append(_Definition(name, text, reads, section))
        for read in reads:
            value_read = namespace.get(read, _MISSING)
            if value_read is _MISSING:
                value_read = getattr(builtins, read, _MISSING)
            self.provide(read, value_read, me)

    def import_submodules(self, generated):
        """``import pkg.sub`` for ``pkg.sub.f`` read through ``pkg``, when the package may
        not import its submodule (it has no module ``__getattr__`` loading it lazily, as
        NumPy and SciPy have)."""
        texts = [generated] + [d.text for d in self.definitions]
        for text in texts:
            for node in ast.walk(ast.parse(text)):
                if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
                    continue
                value = self.bound.get(node.value.id, (None,))[0]
                sub = getattr(value, node.attr, None) if isinstance(value, types.ModuleType) \
                    else None
                if isinstance(sub, types.ModuleType) and "__getattr__" not in vars(value) \
                        and sub.__name__ == f"{value.__name__}.{node.attr}":
                    line = f"import {sub.__name__}"
                    if line not in self.imports:
                        self.imports.append(line)

    def import_lines(self):
        """The imports, plain ones first, each group in alphabetical order."""
        return "\n".join(sorted(self.imports, key=lambda i: (i.startswith("from"), i)))

    def section(self, which):
        """The constants, then the definitions of one section, each after what it reads."""
        defs = [d for d in self.definitions if d.section == which]
        by_name = {d.name: d for d in defs}
        order, state = [], {}

        def visit(d):
            if state.get(d.name):
                return
            state[d.name] = "visiting"
            for read in d.reads:
                if read in by_name:
                    visit(by_name[read])
            state[d.name] = "done"
            order.append(d)

        for d in defs:
            visit(d)
        parts = ["\n".join(self.constants[which])] if self.constants[which] else []
        return parts + [d.text for d in order]


# -------------------------------------------------------------------------- copied source

def _free_names(table):
    """The global names a symbol table (and the scopes in it) reads, minus those its top
    level binds, in order of appearance."""
    out, bound = [], set()
    if table.get_type() == "module":
        bound = {s.get_name() for s in table.get_symbols() if s.is_assigned()
                 or s.is_imported()}
    tables = [table]
    while tables:
        t = tables.pop(0)
        for s in t.get_symbols():
            name = s.get_name()
            if s.is_global() and s.is_referenced() and name not in bound and name not in out:
                out.append(name)
        tables.extend(t.get_children())
    return out


def _source_without_registration(value, namespace):
    """The dedented source of a function or class, without decorators that register it
    with tangent_like (``@kernel``, ``@tl.helper``): a copy needs no registration."""
    try:
        text = textwrap.dedent(inspect.getsource(value))
    except (OSError, TypeError) as exc:
        raise DerivativeUsageError(f"a standalone module needs the source of "
                                   f"{value.__qualname__}, which is not available: "
                                   f"{exc}") from None
    node = ast.parse(text).body[0]
    kept = [d for d in node.decorator_list if not _in_tangent_like(_evaluate(d, namespace))]
    if len(kept) == len(node.decorator_list):
        return text.rstrip("\n")
    lines = text.splitlines()
    head = [ast.get_source_segment(text, d) for d in kept]
    return "\n".join([f"@{h}" for h in head] + lines[node.lineno - 1:]).rstrip("\n")


def _evaluate(expr, namespace):
    """The value of a decorator that is a name or a dotted name (else None)."""
    if isinstance(expr, ast.Name):
        return namespace.get(expr.id, getattr(builtins, expr.id, None))
    if isinstance(expr, ast.Attribute):
        base = _evaluate(expr.value, namespace)
        return getattr(base, expr.attr, None)
    return None


def _namespace_of(value):
    if isinstance(value, types.FunctionType):
        return value.__globals__
    module = inspect.getmodule(value)
    return vars(module) if module is not None else {}


def _in_tangent_like(value):
    module = getattr(value, "__module__", None) or ""
    if isinstance(value, types.ModuleType):
        module = value.__name__
    return module == "tangent_like" or module.startswith("tangent_like.")


def _copied(value):
    """Is `value` a function or class whose source goes into the module: tangent_like's
    own, or the user's (code outside the standard library and the installed packages)?"""
    if not isinstance(value, (types.FunctionType, type)):
        return False
    if _in_tangent_like(value):
        return True
    try:
        path = inspect.getsourcefile(value)
    except TypeError:
        return False
    if path is None:
        return False
    path = os.path.realpath(path)
    return not any(path.startswith(lib + os.sep) for lib in _LIBRARY_PATHS)


def _library_paths():
    paths = sysconfig.get_paths()
    return sorted({os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib",
                                                        "platlib") if k in paths})


_LIBRARY_PATHS = _library_paths()
_STDLIB_NAMES = frozenset(getattr(sys, "stdlib_module_names", ()))   # Python 3.10+


def _kind_word(value):
    return "class" if isinstance(value, type) else "function"


def _short_file(value):
    try:
        path = inspect.getsourcefile(value) or "?"
    except TypeError:
        return "?"
    return os.path.basename(path)


def _where(func):
    try:
        _, line = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return func.__qualname__
    return f"{_short_file(func)}:{line}: {func.__qualname__}"


# ------------------------------------------------------------------------------- imports

def _import_module(name, module):
    full = module.__name__
    if full == name:
        return f"import {full}"
    if "." in full and full.rsplit(".", 1)[1] == name:
        return f"from {full.rsplit('.', 1)[0]} import {name}"
    return f"import {full} as {name}"


def _import_object(name, value, reader):
    """``from MODULE import NAME`` for a function or class of an installed library, checked
    to give this very object back."""
    module_name = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None) or getattr(value, "__name__", None)
    found = _MISSING
    if module_name and qualname and "." not in qualname:
        try:
            found = getattr(importlib.import_module(module_name), qualname, _MISSING)
        except ImportError:
            pass
    if found is not value:
        raise DerivativeUsageError(
            f"a standalone module cannot import {name!r} ({_describe(value)}), which "
            f"{reader.label} reads: it is not a module-level name of an importable module; "
            "import it in the module of the function under its own name")
    if qualname == name:
        return f"from {module_name} import {name}"
    return f"from {module_name} import {qualname} as {name}"


# ------------------------------------------------------------------------------ constants

def _literal(value):
    """Python source that evaluates (with ``np`` NumPy) to `value`, checked; None when
    there is none."""
    text = _text(value)
    if text is None:
        return None
    try:
        back = eval(text, {"np": np, "__builtins__": builtins})   # noqa: S307 -- our text
    except Exception:       # noqa: BLE001 -- any failure means: no source form
        return None
    return text if _same(back, value) else None


def _text(value):
    if value is None or isinstance(value, (bool, int, str, bytes)) and \
            type(value) in (bool, int, str, bytes):
        return repr(value)
    if type(value) is float:
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if type(value) is complex:
        return f"complex({_text(value.real)}, {_text(value.imag)})"
    if type(value) in (tuple, list, set, frozenset):
        items = [_text(v) for v in value]
        if any(i is None for i in items):
            return None
        if type(value) is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if type(value) is list:
            return "[" + ", ".join(items) + "]"
        inner = "{" + ", ".join(items) + "}" if items else ""
        return f"{type(value).__name__}({inner})"
    if type(value) is dict:
        items = [(_text(k), _text(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in items):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if type(value) is np.ndarray:
        if value.dtype.kind not in "biufc":
            return None
        data = _text(value.tolist())
        if data is None:
            return None
        text = f"np.array({data}, dtype=np.{value.dtype.name})"
        return text if value.size else f"{text}.reshape({value.shape!r})"
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return f"np.{value.dtype.name}({_text(value.item())})"
    return None


def _plain(value):
    return not callable(value) and not isinstance(value, types.ModuleType)


def _same(a, b):
    """Equal values of the same types (arrays: dtype, shape and elements; NaN is NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and \
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (float, complex, np.inexact)):
        return bool(a == b or (a != a and b != b))
    try:
        return bool(a == b)
    except Exception:       # noqa: BLE001
        return False


def _describe(value):
    if isinstance(value, types.ModuleType):
        return f"the module {value.__name__}"
    if isinstance(value, (types.FunctionType, type)):
        return f"{_kind_word(value)} {value.__module__}.{value.__qualname__}"
    text = repr(value)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"a value of type {type(value).__name__}: {text}"
