"""Read a Python function into a gast ``FunctionDef`` with the user's file positions.

Locations stay the user's: line numbers are those of the file the function lives in, column
offsets are those of the file's text (before dedenting).  The names the function can see come
along in a `Namespace`: its module globals (live), its closure cells, and the builtins.
"""
import builtins
import inspect
import linecache
import os
import re
import sys
import textwrap
import types

from ..errors import TransformError
from ..syntax import nodes


_DEFINITION = re.compile(r"^(\s*def\s)|(\s*async\s+def\s)|(.*(?<!\w)lambda(:|\s))|^(\s*@)")


def source_lines(code, exact=False):
    """The lines of the definition of `code` and the number of its first line, as
    `inspect.getsourcelines` gives them, read from `linecache` without `inspect.getmodule`
    (which scans every module the first time); `inspect` itself when `linecache` has no
    text for the file (OSError: no source).

    A ``def`` ends with the last line of its code (the positions of its instructions),
    extended over the lines indented more than the ``def`` that follow (an ``else:`` with a
    ``pass``, a ``finally:`` clause, a closing bracket) and cut before trailing comments:
    no tokenizing, whose first use costs milliseconds.  With `exact` (or for a lambda, or
    without positions), the block `inspect.getblock` finds, by tokenizing."""
    filename = code.co_filename
    linecache.checkcache(filename)
    lines = linecache.getlines(filename)
    if not lines:
        return inspect.getsourcelines(code)
    lnum = code.co_firstlineno - 1
    if lnum >= len(lines):
        raise OSError("the line of the function is past the end of its file")
    while lnum > 0 and not _DEFINITION.match(lines[lnum]):
        lnum -= 1
    head = lines[lnum].lstrip()
    if exact or not head.startswith(("def", "async", "@")) \
            or not hasattr(code, "co_positions"):
        return inspect.getblock(lines[lnum:]), lnum + 1
    indent = len(lines[lnum]) - len(head)
    start = lnum
    while start < len(lines) and not lines[start].lstrip().startswith(("def", "async")):
        start += 1          # (past the decorators)
    end = max(_last_line(code), start + 1)
    while end < len(lines) and not _outside(lines[end], indent):
        end += 1
    while end > start + 1 and _trailing(lines[end - 1], indent):
        end -= 1
    return lines[lnum:end], lnum + 1


def _outside(line, indent):
    """Is `line` a statement indented no more than the ``def`` (past its end)?"""
    text = line.strip()
    return bool(text) and not text.startswith("#") and len(line) - len(line.lstrip()) <= indent


def _trailing(line, indent):
    """Does `line`, after a function's last statement, stay out of its text (a blank line,
    a comment indented no more than the ``def``)?"""
    text = line.strip()
    return not text or (text.startswith("#") and len(line) - len(line.lstrip()) <= indent)


def _last_line(code):
    """The last line any instruction of `code` (or of a function nested in it) spans."""
    last, todo = 0, [code]
    while todo:
        c = todo.pop()
        for _, end, _, _ in c.co_positions():
            if end is not None and end > last:
                last = end
        todo.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return last


class Namespace:
    """What a function's free names refer to: closure cells, then globals, then builtins."""

    def __init__(self, globals_, closure=None):
        self.globals = globals_
        self.closure = dict(closure or {})
        self.seen = {}      # global name -> value looked up while transforming
        self.absent = set()     # names looked up that no global held (builtins, or none)
        self.attributes = {}    # (module name, attribute) -> (module, value): dotted reads
        b = globals_.get("__builtins__", builtins)
        self.builtins = b if isinstance(b, dict) else vars(b)

    _MISSING = object()

    def lookup(self, name):
        """(True, value) when `name` resolves, else (False, None)."""
        if name in self.closure:
            try:
                return True, self.closure[name].cell_contents
            except ValueError:
                return False, None
        if name in self.globals:
            value = self.globals[name]
            self.seen[name] = value
            return True, value
        self.absent.add(name)
        if name in self.builtins:
            return True, self.builtins[name]
        return False, None


    _RAISE = object()

    def attribute(self, obj, name, default=_RAISE):
        """``getattr(obj, name)`` for a dotted name the code reads (``config.SCALE``,
        ``helpers.rhs``); the value of an attribute of one of the user's modules is noted,
        like a global (`default`, when given, for a missing attribute)."""
        try:
            value = getattr(obj, name)
        except AttributeError:
            if default is self._RAISE:
                raise
            return default
        if isinstance(obj, types.ModuleType) and not _library(obj):
            self.attributes[(obj.__name__, name)] = (obj, value)
        return value


_LIBRARIES = frozenset({"numpy", "scipy", "math", "builtins", "tangent_like"})


def _library(module):
    """A module of NumPy, SciPy or the standard library: its attributes are constants."""
    top = module.__name__.split(".")[0]
    return top in _LIBRARIES or top in getattr(sys, "stdlib_module_names", ())


class SourceInfo:
    """Where a function's code came from, for diagnostics and comments."""

    def __init__(self, filename, lines):
        self.filename = filename
        self.lines = lines      # the whole file's lines, 1-based access through line()

    def line(self, lineno):
        if lineno is None or not (1 <= lineno <= len(self.lines)):
            return None
        return self.lines[lineno - 1].rstrip("\n")

    def short_name(self):
        return os.path.basename(self.filename)


class ParsedFunction:
    """A function's tree plus what it needs to be understood."""

    def __init__(self, node, name, namespace, source, func=None):
        self.node = node            # nodes.FunctionDef
        self.name = name
        self.namespace = namespace
        self.source = source        # SourceInfo
        self.func = func            # the Python function object, when there is one


def parse_function(func, exact=False):
    """Parse a Python function object into a `ParsedFunction` (`exact`: its lines found by
    tokenizing, see `source_lines`)."""
    if not isinstance(func, types.FunctionType):
        func = inspect.unwrap(func)      # a decorated function is read as the wrapper it is
    if isinstance(func, types.MethodType):
        raise TransformError(
            f"bound method {func.__qualname__!r} cannot be differentiated yet",
            hint="differentiate the plain function and pass the object as an argument")
    if not isinstance(func, types.FunctionType):
        raise TransformError(f"{func!r} is not a Python function",
                             hint="pass a function defined with def or lambda")
    code = func.__code__
    filename = code.co_filename
    try:
        lines, first = source_lines(code, exact)    # not unwrapped: this very function
    except (OSError, TypeError) as exc:
        raise TransformError(
            f"the source of {func.__qualname__!r} is not available ({exc})",
            filename=filename, lineno=code.co_firstlineno,
            hint="define the function in a file, a notebook cell or a module") from None
    file_lines = linecache.getlines(filename) or lines
    if first == 0:
        first = 1
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = _indent_width(text, dedented)
    try:
        module = nodes.parse(dedented)
    except SyntaxError:
        # A lambda in the middle of an expression: parse the smallest enclosing statement.
        module = _parse_fragment(dedented)
    _shift_locations(module, first - 1, indent)
    node = _find_definition(module, func, code)
    node.decorator_list = []
    closure = {}
    if func.__closure__:
        closure = dict(zip(code.co_freevars, func.__closure__))
    namespace = Namespace(func.__globals__, closure)
    source = SourceInfo(filename, file_lines)
    return ParsedFunction(node, node.name, namespace, source, func)


def parse_source(text, globals_=None, filename="<source>"):
    """Parse the text of one ``def`` into a `ParsedFunction`, without a function object.

    The function's free names resolve in the dict `globals_` (only builtins when it is None).
    Examples and tests of the passes start here::

        >>> parsed = parse_source("def f(x):\\n    return x * 2")
        >>> parsed.name, parsed.namespace.lookup("range")
        ('f', (True, <class 'range'>))
    """
    text = textwrap.dedent(text).strip("\n") + "\n"
    module = nodes.parse(text)
    defs = [n for n in module.body if isinstance(n, nodes.FunctionDef)]
    if len(defs) != 1:
        raise TransformError("the source must hold exactly one function definition")
    node = defs[0]
    namespace = Namespace(globals_ if globals_ is not None else {})
    source = SourceInfo(filename, text.splitlines(keepends=True))
    return ParsedFunction(node, node.name, namespace, source)


def _indent_width(text, dedented):
    first_text = next((l for l in text.splitlines() if l.strip()), "")
    first_ded = next((l for l in dedented.splitlines() if l.strip()), "")
    return len(first_text) - len(first_ded)


def _parse_fragment(text):
    """The source of a lambda as `inspect` gives it (the whole lines it is on) cut to
    something that parses: lines dropped from the end, and the last line cut before a
    closing bracket or a comma that belongs to the code around the lambda
    (``fs = [..., lambda x: g(x)]``)."""
    lines = text.splitlines()
    while lines:
        last = lines[-1]
        cuts = [len(last)] + [i for i in range(len(last) - 1, 0, -1) if last[i] in ")]},"]
        for cut in cuts:
            try:
                return nodes.parse(textwrap.dedent("\n".join(lines[:-1] + [last[:cut]])))
            except SyntaxError:
                continue
        lines = lines[:-1]
    raise TransformError("could not parse the function's source")


def _shift_locations(tree, line_delta, col_delta):
    if not line_delta and not col_delta:
        return
    for n in nodes.walk(tree):
        lineno = getattr(n, "lineno", None)
        if lineno is None:
            continue
        n.lineno = lineno + line_delta
        end = getattr(n, "end_lineno", None)
        if end is not None:
            n.end_lineno = end + line_delta
        if col_delta:
            col = getattr(n, "col_offset", None)
            if col is not None:
                n.col_offset = col + col_delta
            end_col = getattr(n, "end_col_offset", None)
            if end_col is not None:
                n.end_col_offset = end_col + col_delta


def _find_definition(module, func, code):
    if code.co_name == "<lambda>":
        lambdas = [n for n in nodes.walk(module) if isinstance(n, nodes.Lambda)
                   and n.lineno == code.co_firstlineno]
        argnames = list(code.co_varnames[:code.co_argcount])
        matching = [l for l in lambdas if [a.id for a in l.args.args] == argnames]
        if len(matching) != 1:
            raise TransformError(
                "cannot tell which lambda on this line is meant",
                filename=code.co_filename, lineno=code.co_firstlineno,
                hint="give the lambda its own line or use def")
        lam = matching[0]
        ret = nodes.return_(lam.body)
        nodes.set_location(ret, lam.lineno, lam.col_offset)
        ret.value = lam.body
        fdef = nodes.function_def("lambda_", lam.args, [ret])
        fdef.lineno, fdef.col_offset = lam.lineno, lam.col_offset
        return fdef
    for n in nodes.walk(module):
        if isinstance(n, (nodes.FunctionDef, nodes.AsyncFunctionDef)) and n.name == code.co_name \
                and n.lineno <= code.co_firstlineno + 0:
            return n
    for n in nodes.walk(module):
        if isinstance(n, (nodes.FunctionDef, nodes.AsyncFunctionDef)) and n.name == code.co_name:
            return n
    raise TransformError(f"could not find the definition of {code.co_name!r} in its source",
                         filename=code.co_filename, lineno=code.co_firstlineno)
