"""A program: the units (one per differentiated function and pattern of argument kinds and
active arguments) that one derivative request needs, and the functions they come from.

`Program` holds the normalized functions (`Family`, one per function, normalized once) and
the units; `Unit.transform` turns one analyzed unit into generated functions.  The driver
(`tangent_like.pipeline`) decides what runs when: this module only holds the parts.
"""
import inspect

from . import runtime
from .analysis import lattice
from .errors import InternalError, TransformError
from .frontend.check import check, strip_refused
from .frontend.parse import parse_function
from .loader import user_line
from .normalize import normalize
from .normalize.inline import inline_calls
from .syntax import nodes
from .syntax.scopes import local_names
from .normalize.hygiene import hygiene
from .syntax.naming import Namer, is_stack
from .transform.forward import ForwardTransform
from .transform.reverse import STACK, ReverseTransform

_GENERATED_NAMES = {"np", "math", "scipy", STACK, "_dstack", "_ddstack", "_dddstack", "reversed",
                    "range", "slice", "len"}


def reserved():
    """The names generated code reads from its own scope: the runtime helpers (those the
    user registers later with tl.helper too), modules, stacks and builtins it calls."""
    return set(runtime.HELPERS) | _GENERATED_NAMES


RESERVED = reserved()        # as at import; `reserved()` is current


class SkipStatement(Exception):
    """Checking mode: the statement's problem is recorded; go on with the next one."""


class Family:
    """A parsed function (and the functions lifted out of it), normalized once."""

    def __init__(self, parsed, lifted):
        self.parsed = parsed
        self.lifted = lifted


def _normalize_family(key, program):
    """Parse, check and normalize function `key` (and inline the calls it may inline)."""
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
    taken = {n.id for n in nodes.walk(parsed.node) if isinstance(n, nodes.Name)} | reserved()
    namer = Namer(taken | local_names(parsed.node))
    lifted = normalize(parsed, namer)
    for lp in lifted:
        lp.plain = nodes.copy(lp.node)
        normalize(lp, namer)
        program.families[("lifted", id(lp.node))] = Family(lp, [])
        lp.namer = namer
    parsed.namer = namer
    if program.options.inline:
        program.in_progress.add(key)
        try:
            inline_calls(parsed, namer, program.family_or_raise, program.in_progress)
        finally:
            program.in_progress.discard(key)
    return Family(parsed, lifted)


def unit_key(key, kinds, mask):
    """What identifies a unit: its function, argument kinds and active arguments."""
    return (id(key) if not isinstance(key, tuple) else key,
            tuple(sorted((k, _hashable(v)) for k, v in kinds.items())),
            tuple(sorted(mask.items())))


class Unit:
    """One function transformed for one pattern of argument kinds and active arguments."""

    def __init__(self, program, key, parsed, kinds, mask):
        self.program = program
        self.function = key
        self.key = unit_key(key, kinds, mask)
        fdef = nodes.copy(parsed.node)
        self.parsed = _Copy(parsed, fdef)
        self.namer = Namer(parsed.namer.taken)
        self.namer.adjoints = {}
        self.parsed.unit_namer = self.namer     # (names the analysis adds to the tree)
        self.kinds = kinds
        self.mask = mask
        name = parsed.name
        self.short_name = name
        self.mode = program.options.mode
        if self.mode == "forward":
            self.forward_name = program.namer.fresh(f"forward_{name}")
        else:
            self.primal_name = program.namer.fresh(f"primal_{name}")
            self.adjoint_name = program.namer.fresh(f"adjoint_{name}")
        self.result_kind = lattice.ANY
        self.analysis = None
        self.normalized = None
        self.params = [a.id for a in nodes.parameters(fdef)]
        self.active_params = [p for p in self.params if mask.get(p)]
        if self.mode == "forward":
            self.tangent_params = {p: self.namer.tangent(p) for p in self.active_params
                                   if not is_stack(p)}

    def param_kinds(self):
        """The kind of every parameter: given, or that of its default value."""
        defaults = _defaults(self.parsed)
        return {p: self.kinds[p] if p in self.kinds else defaults.get(p, lattice.ANY)
                for p in self.params}

    def set_analysis(self, analysis):
        """The unit's analysis is final: its result kind is its callers' summary."""
        self.analysis = analysis
        fdef = self.parsed.node
        ret = fdef.body[-1]
        if isinstance(ret.value, nodes.Name):
            self.result_kind = analysis.kinds.get(ret.value.id, lattice.ANY)
        else:
            self.result_kind = lattice.ANY
        self.normalized = nodes.copy(fdef)

    def callees(self):
        """The units this unit's active calls run, in the order of the calls."""
        out = []
        for target, kinds, mask in self.analysis.calls.values():
            callee = self.program.unit_for(target, kinds, mask)
            if callee is not None and callee not in out:
                out.append(callee)
        return out

    def callee_of(self, call):
        """The unit a call of this unit's code runs (analysis decided which)."""
        target, kinds, mask = self.analysis.calls[id(call)]
        callee = self.program.unit_for(target, kinds, mask)
        if callee is None or callee.analysis is None:
            raise InternalError(f"{self.short_name} calls a unit that was not analyzed")
        return callee

    def transform(self):
        """The generated functions of this unit (not optimized yet)."""
        if self.mode == "forward":
            return [self._transform_forward()]
        fdef = self.parsed.node
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
        adj_args = nodes.positional_args([STACK, seed])
        self.adjoint_def = _fdef(self.adjoint_name, adj_args, adjoint_body,
                                 f"Adjoint sweep of {self.short_name}: adjoints of "
                                 f"{', '.join(active) or 'nothing'}, in that order.")
        return [self.primal_def, self.adjoint_def]

    def _transform_forward(self):
        fdef = self.parsed.node
        ft = ForwardTransform(self, batch=self.program.options.batch)
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
        return self.forward_def


class _Copy:
    """A ParsedFunction view with its own copy of the tree."""

    def __init__(self, parsed, node):
        self.__dict__.update(parsed.__dict__)
        self.node = node


def _defaults(parsed):
    out = {}
    func = parsed.func
    if func is not None:
        for name, p in inspect.signature(func, follow_wrapped=False).parameters.items():
            if p.default is not inspect.Parameter.empty:
                out[name] = lattice.of_value(p.default)
    return out


def _display_default(node):
    if isinstance(node, nodes.Constant):
        return node
    return nodes.const(None)


def _fdef(name, args, body, doc):
    body = [nodes.expr_stmt(nodes.const(doc))] + body
    return nodes.function_def(name, args, body)


class Program:
    """All units of one derivative request, and the functions they come from."""

    def __init__(self, options):
        self.options = options
        self.units = {}           # unit key -> Unit
        self.order = []           # the units to emit, root first (set by the driver)
        self.families = {}        # function (or ("lifted", id)) -> Family
        self.failed_families = set()   # checking mode: functions that could not be read
        self.in_progress = set()
        self.collecting = options.collect   # tl.check: report, don't raise
        self.diagnostics = []
        self._seen_diagnostics = set()
        self.parsed_sources = {}
        self.namer = Namer(reserved())
        self.cotangent = None

    def error_for(self, parsed, sink=None):
        """The error function of the analysis of `parsed`: raises a located TransformError;
        in checking mode, records it (into `sink` when given) and skips the statement."""
        def error(node, message, hint, cls=TransformError):
            lineno = getattr(node, "lineno", None)
            source = getattr(node, "_tl_source", None) or parsed.source
            origin = user_line(source.filename, lineno)
            if origin is not None:      # generated code differentiated again
                message += f" (in the derivative code of {origin[0]})"
            exc = cls(message, filename=source.filename, lineno=lineno,
                      col_offset=getattr(node, "col_offset", None),
                      source_line=source.line(lineno), hint=hint)
            if self.collecting:
                if sink is not None:
                    sink.extend(exc.diagnostics)
                else:
                    self.record(exc)
                raise SkipStatement()
            raise exc
        return error

    def record(self, exc):
        """Collect the diagnostics of `exc` (checking mode), once each."""
        self.record_all(exc.diagnostics)

    def record_all(self, diagnostics):
        for d in diagnostics:
            key = (d.filename, d.lineno, d.col_offset, d.message)
            if key not in self._seen_diagnostics:
                self._seen_diagnostics.add(key)
                self.diagnostics.append(d)

    def family_or_raise(self, key):
        """The normalized function `key` (normalized now if it was not yet)."""
        fam = self.families.get(key)
        if fam is None:
            fam = self.families[key] = _normalize_family(key, self)
        return fam

    def family(self, key):
        """Like `family_or_raise`; in checking mode a function that cannot be read is
        recorded and gives None."""
        if id(key) in self.failed_families:
            return None
        try:
            return self.family_or_raise(key)
        except TransformError as exc:
            if not self.collecting:
                raise
            self.record(exc)
            self.failed_families.add(id(key))
            return None

    def failed(self, target):
        return not target.lifted and id(target.callee) in self.failed_families

    def new_unit(self, key, parsed, kinds, mask):
        unit = Unit(self, key, parsed, kinds, mask)
        self.units[unit.key] = unit
        return unit

    def unit_for(self, target, kinds, mask, create=False):
        """The unit of a call (`target`, a UserTarget) with arguments of `kinds` and
        activity `mask`; with `create`, made when there is none yet.  None if the callee
        cannot be read (checking mode)."""
        fkey = target.key if target.lifted else target.callee
        unit = self.units.get(unit_key(fkey, kinds, mask))
        if unit is not None or not create:
            return unit
        fam = self.families[target.key] if target.lifted else self.family(target.callee)
        if fam is None:
            return None
        return self.new_unit(fkey, fam.parsed, kinds, mask)

    def lifted_plain(self):
        out = []
        for fam in self.families.values():
            for lp in fam.lifted:
                out.append(lp.plain)
        return out


def _hashable(kind):
    return kind if not isinstance(kind, list) else tuple(kind)


def build_entry(unit, name, params_node, cotangent=None, value=True, seeded=True):
    """The entry ``value_and_grad_NAME``: run both sweeps with the seed 1.0 (shaped like the
    value), return ``(value, gradients)``.  Without the `value` (a real scalar: its seed is
    1.0), the entry ``grad_NAME`` returns the gradients alone; not `seeded`, the adjoint
    sweep takes no seed (it starts from 1.0 itself, `optimize.seed`).

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
    if args.vararg is not None:
        call_args.append(nodes.starred(nodes.name(args.vararg.id)))
    call_kw = [(a.id, nodes.name(a.id)) for a in args.kwonlyargs if a.id != cotangent]
    if args.kwarg is not None:
        call_kw.append((None, nodes.name(args.kwarg.id)))
    result = unit.namer.fresh("value")
    primal = nodes.call(unit.primal_name, [nodes.name(STACK)] + call_args, call_kw)
    body = [nodes.assign(STACK, nodes.list_()),
            nodes.assign(result, primal) if value else nodes.expr_stmt(primal)]
    outs = [unit.namer.fresh(f"grad_{p}") for p in unit.active_params]
    target = nodes.tuple_([nodes.name(o, "store") for o in outs], "store")
    if seed is None:
        seed = nodes.call("seed_for", [nodes.name(result)]) if value else nodes.const(1.0)
    body.append(nodes.assign(target, nodes.call(unit.adjoint_name, [nodes.name(STACK)] + (
        [seed] if seeded else []))))
    grads = nodes.tuple_([nodes.name(o) for o in outs])
    wrt = ", ".join(unit.active_params)
    if not value:
        body.append(nodes.return_(grads))
        return _fdef(name, args, body, f"Gradient of {unit.short_name} with respect to {wrt} "
                     "(its value is not computed).")
    body.append(nodes.return_(nodes.tuple_([nodes.name(result), grads])))
    return _fdef(name, args, body, f"Value of {unit.short_name} and its gradient with respect "
                 f"to {wrt}.")
