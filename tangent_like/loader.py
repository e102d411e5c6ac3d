"""Compile generated code into functions, with source that tracebacks, ``inspect`` and pdb show.

The generated functions of one program are compiled inside a factory function whose
parameters are what they need besides the user's module globals (runtime helpers, NumPy,
math, and generated functions of other modules).  They run with the user's own module
globals, so globals stay live; the user's closure cells are shared, not copied.  The source
is registered with `linecache` under a file name of its own.
"""
import ast as pyast
import builtins
import itertools
import linecache
import math
import os
import re
import textwrap
import types

import numpy as np

from . import runtime
from .errors import TransformError
from .syntax import anno, nodes

_BUILTINS = frozenset(dir(builtins)) - {"__builtins__", "__name__", "__doc__"}

_counter = itertools.count(1)
ORIGINS = {}    # generated file name -> {line: (user file, user line)}, for error messages


def _origin_lines(unit, fdef, text, first_line):
    """Map lines of `text`, the unparsed `fdef` (starting at `first_line`), to the user's
    lines."""
    tree = pyast.parse(text).body[0]
    source = unit.parsed.source
    out = {}

    def walk(g_stmts, a_stmts):
        g_stmts = [g for g in g_stmts if not nodes.is_comment(g)]     # comments in `text`
        for g, a in zip(g_stmts, a_stmts):
            origin = anno.get(g, anno.Anno.ORIGIN)
            if origin and origin[0]:
                src = getattr(g, "_tl_source", None) or source
                out[first_line + a.lineno - 1] = (src.filename, origin[0])
            for field in ("body", "orelse"):
                gs, as_ = getattr(g, field, None), getattr(a, field, None)
                if isinstance(gs, list) and isinstance(as_, list):
                    walk(gs, as_)

    walk(fdef.body, tree.body)
    return out


class _Group:
    """Generated functions compiled in one factory: they share the user's module globals and
    the closure cells of the user functions they come from (merged, one cell per name)."""

    def __init__(self, namespace):
        self.globals = namespace.globals
        self.closure = dict(namespace.closure)
        self.fdefs = []
        self.namespaces = []

    def accepts(self, namespace):
        return namespace.globals is self.globals and all(
            self.closure.get(name, cell) is cell for name, cell in namespace.closure.items())


def _group(defs):
    """Group generated functions by globals and by closure: two user functions whose
    closures bind one name to different cells are compiled in different factories."""
    groups = []
    for unit, fdef in defs:
        namespace = unit.parsed.namespace
        group = next((g for g in groups if g.accepts(namespace)), None)
        if group is None:
            group = _Group(namespace)
            groups.append(group)
        group.closure.update(namespace.closure)
        group.fdefs.append(fdef)
        if all(ns is not namespace for ns in group.namespaces):
            group.namespaces.append(namespace)
    return [(g, g.fdefs) for g in groups]


def source_of(defs, header=None, texts=None):
    """The readable module text of generated definitions (`texts`, when given, collects
    each definition's text by ``id(fdef)`` for `load`)."""
    parts = [header] if header else []
    for _, fdef in defs:
        text = nodes.unparse(fdef)
        if texts is not None:
            texts[id(fdef)] = text
        parts.append(text)
    return "\n\n\n".join(parts) + "\n"


def load(defs, title, texts=None):
    """Compile `defs` ((unit, FunctionDef) pairs); returns {name: function}.  `texts`: the
    definitions' texts by ``id(fdef)``, when `source_of` made them already."""
    return load_groups(plan(defs, texts), title)


class Group:
    """The generated functions one factory compiles: the user's module globals and closure
    cells they run with, their names and texts, the names they read (`used`) and the user
    line behind each of their lines (`origins`, line in the group's text -> (file, line)).
    Everything but the globals and the cells is plain data (the persistent cache stores
    it)."""

    def __init__(self, globals_, closure, names, texts, used, origins, namespaces=()):
        self.namespaces = namespaces    # the user functions' namespaces (when generated)
        self.globals = globals_
        self.closure = closure
        self.names = names
        self.texts = texts
        self.used = used
        self.origins = origins


def plan(defs, texts=None):
    """The `Group`s of `defs` ((unit, FunctionDef) pairs), in order."""
    texts_of = texts or {}
    units = {id(f): u for u, f in defs}
    out = []
    for namespace, fdefs in _group(defs):
        texts = [texts_of.get(id(f)) or nodes.unparse(f) for f in fdefs]
        used = {n.id for f in fdefs for n in nodes.walk(f) if isinstance(n, nodes.Name)}
        origins, line = {}, 2
        for f, t in zip(fdefs, texts):
            try:
                origins.update(_origin_lines(units[id(f)], f, t, line))
            except Exception:       # the map only improves messages
                pass
            line += t.count("\n") + 2
        out.append(Group(namespace.globals, namespace.closure, [f.name for f in fdefs],
                         texts, used, origins, namespace.namespaces))
    return out


def load_groups(groups, title):
    """Compile every `Group` in a factory of its own; returns {name: function}."""
    all_names = {n for g in groups for n in g.names}
    helpers = dict(runtime.HELPERS)
    helpers["np"] = np
    helpers["math"] = math
    made = {}
    for group in groups:
        own = group.names
        closure_names = sorted(group.closure)
        # builtins too: a global of the user's module that shadows one must not reach the
        # generated code (the user's own reads of such a global go through an alias, see
        # syntax/naming.py)
        used = group.used
        shadowable = {n for n in used & _BUILTINS if n not in group.closure
                      and n not in all_names and n not in helpers}
        params = sorted((all_names - set(own)) | (set(helpers) & used) | set(closure_names)
                        | shadowable)
        body = "\n\n".join(group.texts)
        filename = f"<tangent_like generated {title} #{next(_counter)}>"
        ORIGINS[filename] = dict(group.origins)
        text = (f"def __tangent_like_factory__({', '.join(params)}):\n"
                + textwrap.indent(body, "    ")
                + "\n    return {" + ", ".join(f"{n!r}: {n}" for n in own) + "}\n")
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        code = compile(text, filename, "exec")
        scope = {}
        exec(code, group.globals, scope)
        factory = scope.pop("__tangent_like_factory__")
        args = []
        for p in params:
            if p in helpers:
                args.append(helpers[p])
            elif p in shadowable:
                args.append(getattr(builtins, p))
            elif p in group.closure:
                try:
                    args.append(group.closure[p].cell_contents)
                except ValueError:
                    args.append(None)
            else:
                args.append(None)      # filled in below, once every group exists
        funcs = factory(*args)
        funcs = _share_user_cells(funcs, group.closure)
        made.update(funcs)
    for f in made.values():
        for name, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
            if name in made:
                cell.cell_contents = made[name]
    return made


def _share_user_cells(funcs, user_cells):
    """Rebuild functions that read the user's closure so they use the user's own cells."""
    if not user_cells:
        return funcs
    out = {}
    for name, f in funcs.items():
        if any(v in user_cells for v in f.__code__.co_freevars):
            cells = tuple(user_cells[v] if v in user_cells else c
                          for v, c in zip(f.__code__.co_freevars, f.__closure__))
            g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__, cells)
            g.__kwdefaults__ = f.__kwdefaults__
            out[name] = g
        else:
            out[name] = f
    # other generated functions reach these through the factory's cells
    for f in list(out.values()):
        for v, cell in zip(f.__code__.co_freevars, f.__closure__ or ()):
            if v in out and v not in user_cells:
                cell.cell_contents = out[v]
    return out


def user_line(filename, lineno):
    """The user's line behind line `lineno` of generated file `filename`, as
    ``("model.py:12", "its source text")``; None when `filename` is not generated code or
    the line has no known origin.  A primal statement knows its own origin; a derivative
    statement takes the one in the comment heading its block."""
    if not filename.startswith("<tangent_like generated"):
        return None
    mapped = ORIGINS.get(filename, {}).get(lineno)
    if mapped is not None:
        deeper = user_line(*mapped)         # generated code differentiated again
        if deeper is not None:
            return deeper
        text = (linecache.getline(mapped[0], mapped[1]) or "").strip()
        return f"{os.path.basename(mapped[0])}:{mapped[1]}", text
    lines = linecache.getlines(filename)
    for i in range(min(lineno or 0, len(lines)) - 1, -1, -1):
        m = re.match(r"\s*# (.*)  \((.+):(\d+)\)\s*$", lines[i])
        if m:
            return user_line(m.group(2), int(m.group(3))) or (
                f"{m.group(2)}:{m.group(3)}", m.group(1))
        if lines[i].lstrip().startswith("def "):
            break
    return None


def _locate(exc, origin):
    """Give a refusal raised at run time (by a kernel, which knows no line) the user's line
    `origin` (``("model.py:12", "its text")``)."""
    where, text = origin
    filename, _, line = where.rpartition(":")
    first = exc.diagnostics[0]
    first.filename, first.lineno, first.source_line = filename, int(line), text
    exc.filename, exc.lineno = first.filename, first.lineno
    exc.args = ("\n".join(d.format() for d in exc.diagnostics),)


def note_origin(exc):
    """Point an error raised inside generated code back at the user's line (a note)."""
    tb, frame_info = exc.__traceback__, None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<tangent_like generated"):
            frame_info = (name, tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    if frame_info is None or getattr(exc, "_tl_origin_noted", False):
        return
    name, lineno, func = frame_info
    origin = user_line(name, lineno)
    if isinstance(exc, TransformError) and exc.filename is None and origin is not None:
        _locate(exc, origin)        # a refusal of the runtime: at the user's line
    where = f"in generated {func}, line {lineno}"
    if origin is not None:
        where += f", from {origin[0]}: {origin[1]}"
    try:
        exc.add_note(f"tangent_like: raised {where}")
        exc._tl_origin_noted = True
    except (AttributeError, TypeError):
        pass
