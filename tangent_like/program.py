"""A program: the units (one per differentiated function and activity pattern) that one
derivative request needs, transformed and emitted together.

The pipeline for each function: parse -> check -> normalize (once per function, cached) ->
analyze (per argument kinds and active arguments) -> reverse transform -> emit.  Calls to the
user's functions with active arguments create further units, transitively; recursion reuses
the unit being built.
"""
import inspect

import gast

from . import runtime
from .analysis import lattice
from .analysis.activity import analyze
from .errors import InternalError, TangentLikeError, TransformError
from .frontend.check import check, strip_refused
from .frontend.parse import parse_function
from .normalize import normalize
from .normalize.inline import inline_calls
from .optimize import optimize
from .normalize.lift import local_names
from .syntax import nodes
from .syntax.naming import Namer, hygiene, is_stack
from .transform.forward import ForwardTransform
from .transform.reverse import STACK, ReverseTransform

RESERVED = set(runtime.HELPERS) | {"np", "math", STACK, "_dstack", "_ddstack", "_dddstack",
                                   "reversed", "range", "slice", "len"}

STAGES = ("parse", "normalized", "transformed", "optimized")


class SkipStatement(Exception):
    """Checking mode: the statement's problem is recorded; go on with the next one."""


class Family:
    """A parsed function (and the functions lifted out of it), normalized once."""

    def __init__(self, parsed, lifted):
        self.parsed = parsed
        self.lifted = lifted


def _family(key, program):
    fam = program.families.get(key)
    if fam is not None:
        return fam
    if key in program.in_progress:
        raise InternalError("recursive normalization")
    if isinstance(key, tuple) and key[0] == "lifted":
        raise InternalError("lifted function requested before its parent")
    parsed = parse_function(key)
    try:
        check(parsed)
    except TransformError as exc:
        if not program.collecting:
            raise
        program.record(exc)          # checking mode: note them all, look past them
        strip_refused(parsed)
    program.parsed_sources[id(key)] = nodes.copy(parsed.node)
    hygiene(parsed, program)        # the user's names never meet generated ones
    taken = {n.id for n in gast.walk(parsed.node) if isinstance(n, gast.Name)} | RESERVED
    namer = Namer(taken | local_names(parsed.node))
    lifted = normalize(parsed, namer)
    for lp in lifted:
        lp.plain = nodes.copy(lp.node)
        normalize(lp, namer)
        program.families[("lifted", id(lp.node))] = Family(lp, [])
        lp.namer = namer
    parsed.namer = namer
    if program.options.get("inline", True):
        program.in_progress.add(key)
        try:
            inline_calls(parsed, namer, lambda f: _family(f, program), program.in_progress)
        finally:
            program.in_progress.discard(key)
    fam = Family(parsed, lifted)
    program.families[key] = fam
    return fam


class Unit:
    """One function transformed for one pattern of argument kinds and active arguments."""

    def __init__(self, program, key, parsed, kinds, mask):
        self.program = program
        self.key = key
        fdef = nodes.copy(parsed.node)
        self.parsed = _Copy(parsed, fdef)
        self.namer = Namer(parsed.namer.taken)
        self.namer.adjoints = {}
        self.kinds = kinds
        self.mask = mask
        name = parsed.name
        self.short_name = name
        self.mode = program.options.get("mode", "reverse")
        if self.mode == "forward":
            self.forward_name = program.namer.fresh(f"forward_{name}")
        else:
            self.primal_name = program.namer.fresh(f"primal_{name}")
            self.adjoint_name = program.namer.fresh(f"adjoint_{name}")
        self.result_kind = lattice.ANY
        self.analysis = None
        self.params = [a.id for a in fdef.args.posonlyargs + fdef.args.args
                       + fdef.args.kwonlyargs]
        self.active_params = [p for p in self.params if mask.get(p)]
        if self.mode == "forward":
            self.tangent_params = {p: self.namer.tangent(p) for p in self.active_params
                                   if not is_stack(p)}

    def build(self):
        fdef = self.parsed.node
        param_kinds = {}
        defaults = _defaults(self.parsed)
        for p in self.params:
            if p in self.kinds:
                param_kinds[p] = self.kinds[p]
            else:
                param_kinds[p] = defaults.get(p, lattice.ANY)
        self.analysis = analyze(self.parsed, param_kinds, self.active_params, self.program,
                                self.program.error_for(self.parsed))
        ret = fdef.body[-1]
        if isinstance(ret.value, gast.Name):
            self.result_kind = self.analysis.kinds.get(ret.value.id, lattice.ANY)
        else:
            self.result_kind = lattice.ANY
        self.program.stage_trees.setdefault("normalized", []).append(nodes.copy(fdef))
        if self.program.collecting:
            return
        if self.mode == "forward":
            return self._build_forward()
        rt = ReverseTransform(self)
        primal_body, adjoint_body, seed, active = rt.run()
        args = nodes.copy(fdef.args)
        if args.posonlyargs:
            args.posonlyargs = [nodes.name(STACK, "param")] + args.posonlyargs
        else:
            args.args = [nodes.name(STACK, "param")] + args.args
        args.defaults = [_display_default(d) for d in args.defaults]
        args.kw_defaults = [_display_default(d) if d is not None else None
                            for d in args.kw_defaults]
        self.primal_def = _fdef(self.primal_name, args, primal_body,
                                f"Primal sweep of {self.short_name}: runs it and records "
                                "what the adjoint needs.")
        adj_args = gast.arguments(args=[nodes.name(STACK, "param"), nodes.name(seed, "param")],
                                  posonlyargs=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                                  kwarg=None, defaults=[])
        self.adjoint_def = _fdef(self.adjoint_name, adj_args, adjoint_body,
                                 f"Adjoint sweep of {self.short_name}: adjoints of "
                                 f"{', '.join(active) or 'nothing'}, in that order.")
        if self.program.options.get("optimize", True):
            optimize(self.primal_def)
            optimize(self.adjoint_def)
        for f in (self.primal_def, self.adjoint_def):
            f.body = nodes.tidy_block(f.body)


    def _build_forward(self):
        fdef = self.parsed.node
        ft = ForwardTransform(self, batch=self.program.options.get("batch", False))
        body, self.tangent_params = ft.run()
        args = nodes.copy(fdef.args)
        args.defaults = [_display_default(d) for d in args.defaults]
        args.kw_defaults = [_display_default(d) if d is not None else None
                            for d in args.kw_defaults]
        for p, t in self.tangent_params.items():
            args.kwonlyargs.append(nodes.name(t, "param"))
            args.kw_defaults.append(None)
        for p in self.params:
            if is_stack(p):
                args.kwonlyargs.append(nodes.name(ft.tangent_stack(p), "param"))
                args.kw_defaults.append(None)
        names = ", ".join(self.tangent_params) or "nothing"
        self.forward_def = _fdef(self.forward_name, args, body,
                                 f"Forward mode of {self.short_name}: its value and tangent, "
                                 f"given tangents of {names}.")
        if self.program.options.get("optimize", True):
            optimize(self.forward_def)
        self.forward_def.body = nodes.tidy_block(self.forward_def.body)


class _Copy:
    """A ParsedFunction view with its own copy of the tree."""

    def __init__(self, parsed, node):
        self.__dict__.update(parsed.__dict__)
        self.node = node


def _defaults(parsed):
    out = {}
    func = parsed.func
    if func is not None:
        for name, p in inspect.signature(func).parameters.items():
            if p.default is not inspect.Parameter.empty:
                out[name] = lattice.of_value(p.default)
    return out


def _display_default(node):
    if isinstance(node, gast.Constant):
        return node
    return nodes.const(None)


def _fdef(name, args, body, doc):
    body = [nodes.expr_stmt(nodes.const(doc))] + body
    return gast.FunctionDef(name=name, args=args, body=body, decorator_list=[], returns=None,
                            type_comment=None, type_params=[])


class Program:
    """All units of one derivative request."""

    def __init__(self, options=None):
        self.options = dict(options or {})
        self.units = {}
        self.order = []
        self.families = {}
        self.in_progress = set()
        self.collecting = bool(self.options.get("collect"))   # tl.check: report, don't raise
        self.diagnostics = []
        self._seen_diagnostics = set()
        self.parsed_sources = {}
        self.stage_trees = {}
        self.namer = Namer(RESERVED)

    def error_for(self, parsed):
        def error(node, message, hint, cls=TransformError):
            lineno = getattr(node, "lineno", None)
            source = getattr(node, "_tl_source", None) or parsed.source
            exc = cls(message, filename=source.filename, lineno=lineno,
                      col_offset=getattr(node, "col_offset", None),
                      source_line=source.line(lineno), hint=hint)
            if self.collecting:
                self.record(exc)
                raise SkipStatement()
            raise exc
        return error

    def record(self, exc):
        """Collect the diagnostics of `exc` (checking mode), once each."""
        for d in exc.diagnostics:
            key = (d.filename, d.lineno, d.col_offset, d.message)
            if key not in self._seen_diagnostics:
                self._seen_diagnostics.add(key)
                self.diagnostics.append(d)

    def root(self, func, kinds, active):
        fam = self._family_or_record(func)
        if fam is None:
            return None
        mask = {p: p in active for p in kinds}
        return self._unit(func, fam.parsed, kinds, mask)

    def _unit(self, key, parsed, kinds, mask):
        ukey = (id(key) if not isinstance(key, tuple) else key,
                tuple(sorted((k, _hashable(v)) for k, v in kinds.items())),
                tuple(sorted(mask.items())))
        unit = self.units.get(ukey)
        if unit is not None:
            return unit
        unit = Unit(self, key, parsed, kinds, mask)
        self.units[ukey] = unit
        self.order.append(unit)
        unit.build()
        return unit

    def _family_or_record(self, key):
        try:
            return _family(key, self)
        except TransformError as exc:
            if not self.collecting:
                raise
            self.record(exc)
            return None

    def unit_for(self, target, kinds, mask):
        if target.lifted:
            parsed = target.callee
            fam = self.families[target.key]
            return self._unit(target.key, fam.parsed, kinds, mask)
        fam = self._family_or_record(target.callee)
        if fam is None:
            raise SkipStatement()
        return self._unit(target.callee, fam.parsed, kinds, mask)

    def result_kind(self, target, kinds, mask):
        return self.unit_for(target, kinds, mask).result_kind

    def lifted_plain(self):
        out = []
        for fam in self.families.values():
            for lp in fam.lifted:
                out.append(lp.plain)
        return out


def _hashable(kind):
    return kind if not isinstance(kind, list) else tuple(kind)


def build_entry(unit, name, params_node, cotangent=None):
    """``value_and_grad_f``: run both sweeps with seed 1.0, return (value, gradients).

    With a `cotangent` name, the seed is a keyword-only parameter of that name instead (the
    vector-Jacobian product of a function with any result, written to be differentiated
    again by derivatives of Jacobians)."""
    args = nodes.copy(params_node)
    args.defaults = [_display_default(d) for d in args.defaults]
    args.kw_defaults = [_display_default(d) if d is not None else None
                        for d in args.kw_defaults]
    seed = None
    if cotangent is not None:
        args.kwonlyargs = list(args.kwonlyargs) + [nodes.name(cotangent, "param")]
        args.kw_defaults = list(args.kw_defaults) + [None]
        seed = nodes.name(cotangent)
    call_args = [nodes.name(a.id) for a in args.posonlyargs + args.args]
    call_kw = [(a.id, nodes.name(a.id)) for a in args.kwonlyargs if a.id != cotangent]
    result = unit.namer.fresh("value")
    body = [nodes.assign(STACK, gast.List(elts=[], ctx=gast.Load())),
            nodes.assign(result, nodes.call(unit.primal_name, [nodes.name(STACK)] + call_args,
                                            call_kw))]
    outs = [unit.namer.fresh(f"b{p}") for p in unit.active_params]
    target = nodes.tuple_([nodes.name(o, "store") for o in outs], "store")
    body.append(nodes.assign(target, nodes.call(unit.adjoint_name, [
        nodes.name(STACK), seed or nodes.call("seed_for", [nodes.name(result)])])))
    body.append(gast.Return(value=nodes.tuple_([nodes.name(result),
                                                nodes.tuple_([nodes.name(o) for o in outs])])))
    return _fdef(name, args, body, f"Value of {unit.short_name} and its gradient with respect "
                 f"to {', '.join(unit.active_params)}.")


def emit(program, entry=None):
    """The generated module's source text, and the list of FunctionDefs per globals group."""
    defs = []
    if entry is not None:
        defs.append((program.order[0], entry))
    for unit in program.order:
        if unit.mode == "forward":
            defs.append((unit, unit.forward_def))
            continue
        defs.append((unit, unit.primal_def))
        defs.append((unit, unit.adjoint_def))
    for plain in program.lifted_plain():
        defs.append((program.order[0], plain))
    return defs
