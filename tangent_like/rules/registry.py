"""The rule registry: each primitive's derivative as Python expression templates.

Template contract.  A rule for ``y = f(x0, x1, ...)`` names the primitive's parameters
(``params="x, axis=None"``) and gives, per differentiable parameter,

* ``vjp[p]``: the contribution to the adjoint of argument ``p``, an expression in ``g`` (the
  adjoint of ``y``), ``y`` and the parameter names;
* ``jvp[p]``: the contribution of argument ``p``'s tangent to ``y``'s tangent, an expression
  in ``dp`` (the tangent of ``p``), ``y`` and the parameter names.

The forward and reverse templates of a primitive sit side by side so they cannot drift apart.
Parameters listed in ``broadcast`` take part in NumPy broadcasting: their adjoint contribution
is summed back to the argument's shape (``unbroadcast``) unless the value kinds show it is
not needed.  Templates may use ``np``, ``math`` and the runtime helpers of
`tangent_like.runtime`, which generated code sees under their own names.  ``scalar_vjp``
optionally gives cheaper templates used when every argument is a Python/NumPy scalar;
``jvp_batch`` gives tangent templates for tangents with a leading batch axis (vector forward
mode) where the plain ones would mix the batch axis up (reductions, right matrix operands).
``real_vjp`` and ``real_jvp`` are used where the kinds prove every value real (rules that
refuse complex values, or conjugate for them, need no check there).

Most rules state each partial derivative once (`partials`, `unary`, `holomorphic`): the
reverse template ``g * E`` and the forward template ``dp * E`` both come from ``E``.
Explicit ``vjp``/``jvp`` templates (`defrule`) are for the rest: structural derivatives
(reductions, reshapes, linear algebra) and complex conventions that differ per mode.

A non-differentiable point of a primitive is part of its registration: ``kink`` says which
convention the rule follows there (docs/rules.md lists it) and ``kink_when`` is a template,
in the parameter names, true at such a point (``kinks="warn"``/``"raise"`` report it).

A parameter without templates refuses differentiated values at the call's line; ``refused``
says why for the parameters whose derivative exists but is not implemented (no closed form):
the call is refused at its line where such a parameter receives a differentiated value;
only in generated gradient code differentiated again (a Hessian), where every float that
comes back from the record counts as differentiated, their tangent template
``refuse_tangent`` checks at run time that the tangent is zero.  ``refused``
and ``refuse_call`` (a function of the bound argument nodes returning ``(message, hint)`` or
None) refuses the forms of a call whose derivative is not implemented (an option such as
``return_sign=True``) when a differentiated value reaches it.

A primitive whose result does not depend differentiably on its arguments (``len``, ``range``,
``int``, ``math.floor``, comparisons, ``np.shape``...) is registered with `inactive`; a
function with neither rule nor Python source is never silently treated as constant.

Rules are declarations: the kernels their templates call live in `tangent_like.runtime`,
the sample arguments that check them in `tangent_like.rules.samples`.
"""
import ast
import sys

from .. import runtime
from ..analysis import lattice
from ..syntax import nodes

_RULES = {}       # primitive object -> Rule
_METHODS = {}     # method name -> (Rule, name of the receiver parameter)
_ATTRIBUTES = {}  # attribute name -> Rule or "inactive"
_DEFERRED = {}    # module name -> function registering the rules of its objects
VIEW_NAMES = set()  # rules that may return a view of an argument (rules/views.py)
DISCRETE_NAMES = set()  # inactive rules whose results are piecewise constant (constants.py)


def is_discrete(rule):
    """May this inactive rule take differentiated arguments (its result is piecewise
    constant in them)?  Integer results are; tangent_like's own bookkeeping helpers are."""
    if not rule.inactive:
        return False
    module = getattr(rule.func, "__module__", "") or ""
    return (rule.kind == lattice.INT or rule.name in DISCRETE_NAMES
            or module.startswith("tangent_like"))


class Rule:
    """Derivative templates of one primitive."""

    def __init__(self, func, name, params, vjp=None, jvp=None, broadcast=(), kind="elementwise",
                 scalar_vjp=None, inactive=False, kink=None, jvp_batch=None,
                 jvp_combine=None, domain="any", samples=None, tested_by=None,
                 kink_when=None, real_vjp=None, real_jvp=None, refused=None,
                 refuse_call=None):
        self.func = func
        self.name = name
        self.params, self.defaults = parse_params(params)
        self.keyword_only = _keyword_only(params)   # the names after a bare "*"
        self.varargs = _expand_varargs(self.params, self.defaults)
        self.vjp = dict(vjp or {})
        self.jvp = dict(jvp or {})
        self.broadcast = set(broadcast)
        self.kind = kind
        self.scalar_vjp = dict(scalar_vjp or {})
        self.real_vjp = dict(real_vjp or {})     # when no argument can be complex
        self.real_jvp = dict(real_jvp or {})     # likewise, for tangents
        self.inactive = inactive
        self.kink = kink
        self.jvp_batch = dict(jvp_batch or {})   # tangents with a leading batch axis
        self.jvp_combine = jvp_combine   # a function name combining the terms instead of +
        self.domain = domain             # where to sample inputs when checking the rule
        self.samples = samples           # or a function rng -> list of argument dicts
        self.tested_by = tested_by       # or the test that checks it end to end
        self.kink_when = kink_when       # condition (template) true at a non-differentiable
        #                                  point: reported with kinks="warn"/"raise"
        self.refused = dict(refused or {})   # parameter -> why it has no derivative rule
        for p in self.refused:      # (generated code differentiated again: see the module)
            self.jvp.setdefault(p, f"refuse_tangent({name!r}, {p!r}, d{p})")
        self.refuse_call = refuse_call   # bound arguments -> (message, hint) for call forms
        #                                  whose derivative is not implemented, or None
        self.user = False                # registered by the user (tl.defrule)
        self.view = False                # may return (a view of) an argument's memory
        self.discrete = False            # inactive and piecewise constant: may take
        #                                  differentiated arguments (see rules/constants.py)

    def result_kind(self, arg_kinds, bound):
        """Kind of the result given the kinds of the bound arguments (param -> kind)."""
        kind = self.kind
        if callable(kind):
            return kind(arg_kinds, bound)
        if kind == "elementwise":
            ks = [k for p, k in arg_kinds.items() if p in self.params[:max(1, len(self.vjp))]
                  or p in self.vjp]
            return lattice.broadcast(ks) if ks else lattice.ANY
        return kind

    def substitutions(self, bound, target):
        """Template names -> nodes: ``y`` (the result: a name, or a tuple of names for a
        primitive returning several values) and every parameter (bound or default)."""
        subs = {}
        if type(target).__name__ == "Name":
            subs["y"] = nodes.name(target.id)
        elif type(target).__name__ == "Tuple":
            subs["y"] = nodes.tuple_([nodes.name(t.id) for t in target.elts])
        for p in self.params:
            if p in bound:
                subs[p] = bound[p]
            elif p in self.defaults:
                subs[p] = nodes.parse_expr(self.defaults[p])
        if self.varargs is not None and f"{self.varargs}__1" in bound:
            rest = [p for p in self.params if p.startswith(f"{self.varargs}__") and p in bound]
            subs[self.varargs] = nodes.tuple_([bound[self.varargs]] + [bound[p] for p in rest])
        return subs

    def template_for(self, param, bound, scalar, real=False):
        if scalar and param in self.scalar_vjp:
            t = self.scalar_vjp[param]
        elif (scalar or real) and param in self.real_vjp:
            t = self.real_vjp[param]
        else:
            t = self.vjp.get(param)
        if callable(t):
            t = t(bound)
        return t

    def __repr__(self):
        return f"Rule({self.name})"


def parse_params(spec):
    """The parameter names of a spec like ``"x, axis=None"`` and their defaults (as
    template text)."""
    params, defaults = [], {}
    for part in [p.strip() for p in _top_level_split(spec) if p.strip() not in ("", "*")]:
        if "=" in part:
            name, default = part.split("=", 1)
            params.append(name.strip())
            defaults[name.strip()] = default.strip()
        else:
            params.append(part)
    return params, defaults


def _keyword_only(spec):
    """The parameters after a bare ``*`` in `spec` (keyword-only in the primitive)."""
    parts = [p.strip() for p in _top_level_split(spec)]
    if "*" not in parts:
        return frozenset()
    return frozenset(p.split("=")[0].strip() for p in parts[parts.index("*") + 1:])


def _top_level_split(spec):
    """`spec` cut at its commas outside brackets (a default may be a tuple: ``axes=(0, 1)``)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(spec):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(spec[start:i])
            start = i + 1
    return parts + [spec[start:]]


VARARGS = 16      # positional arguments a ``*name`` parameter takes at most


def _expand_varargs(params, defaults):
    """A ``*name`` parameter (``x.reshape(*shape)``, ``x.transpose(*axes)``) takes the
    remaining positional arguments: `name` binds the first, hidden parameters ``name__1``,
    ``name__2``... the others, and templates see `name` as the tuple of all of them when
    there are several.  Returns `name` (None without such a parameter)."""
    for i, p in enumerate(params):
        if p.startswith("*"):
            name = p[1:]
            params[i:i + 1] = [name] + [f"{name}__{k}" for k in range(1, VARARGS)]
            if p in defaults:
                defaults[name] = defaults.pop(p)
            return name
    return None


def register(rule):
    if _DEFERRED:       # the built-in rules of its module first: this one replaces them
        load_deferred(rule.func)
    rule.view = rule.view or rule.name in VIEW_NAMES
    rule.discrete = is_discrete(rule)
    try:
        _RULES[rule.func] = rule
    except TypeError:
        _RULES[id(rule.func)] = rule
    return rule


def defrule(func, params, vjp=None, jvp=None, name=None, **options):
    """Register the tangent and adjoint templates of `func`."""
    name = name or _name_of(func)
    return register(Rule(func, name, params, vjp=vjp, jvp=jvp, **options))


def scaled(seed, derivative):
    """The template ``seed * derivative`` (`seed`: ``g`` or a tangent ``dp``), written the
    way the rules write it by hand, so that generated code reads naturally:

    * a derivative in parentheses stays one factor: ``g * (1.0 + y * y)``;
    * a product or quotient takes the seed as its first factor, ``g * b / (a * a + b * b)``,
      and a leading minus moves onto it, ``-g * a / (a * a + b * b)``;
    * ``1`` and ``-1`` give the seed itself and its negation: ``g``, ``-da``;
    * any other expression is parenthesized: ``g * (a % b)``."""
    text = derivative.strip()
    if text in ("1", "1.0"):
        return seed
    if text in ("-1", "-1.0"):
        return f"-{seed}"
    if _parenthesized(text):
        return f"{seed} * {text}"
    first = ast.parse(text, mode="eval").body
    while isinstance(first, ast.BinOp) and isinstance(first.op, (ast.Mult, ast.Div)):
        first = first.left
    if isinstance(first, ast.UnaryOp) and isinstance(first.op, ast.USub) \
            and text.startswith("-"):
        return f"-{seed} * {text[1:].lstrip()}"
    if isinstance(first, (ast.Name, ast.Constant, ast.Call, ast.Attribute, ast.Subscript)) \
            or (isinstance(first, ast.BinOp) and isinstance(first.op, ast.Pow)):
        return f"{seed} * {text}"
    return f"{seed} * ({text})"


def _parenthesized(text):
    """Is `text` one parenthesized expression, ``(...)``?"""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return i == len(text) - 1
    return False


def partials(func, params, name=None, conj=False, real=None, **options):
    """Register `func` from its partial derivatives, each stated once.

    ``partials(np.arctan2, "a, b", a="b / (a * a + b * b)", b="-a / (a * a + b * b)",
    broadcast=("a", "b"))`` gives each parameter the reverse template ``g * E`` and the
    forward template ``dp * E`` (see `scaled` for how they are written).  Keyword arguments
    named like a parameter are its partial derivative (an expression in the parameters and
    ``y``); the others are options of `defrule`.  A partial ``"0.0"`` (a parameter that
    only gives a sign or a shape) gives the templates ``"0.0"``.

    `conj`: the function is holomorphic for complex values: the adjoint conjugates the
    derivative (``g * cj(E)``) and ``real_vjp`` keeps ``g * E`` for code specialized to real
    values (see `tangent_like.runtime.core`).

    `real`: the parameters whose complex values the rule refuses (the function takes them,
    its derivatives are for real values): the seed is checked before the derivative is
    evaluated, ``refuse_complex(name, (a, b), g) * E``; ``real_vjp`` and ``real_jvp`` keep
    ``g * E`` and ``dp * E`` for code specialized to real values."""
    names, _ = parse_params(params)
    derivatives = {p: options.pop(p) for p in names if p in options}
    vjp, jvp, real_vjp, real_jvp = {}, {}, {}, {}
    refused = None
    if real:
        value = real[0] if len(real) == 1 else "(" + ", ".join(real) + ")"
        refused = f"refuse_complex({(name or _name_of(func))!r}, {value}, {{}})"
    for p, d in derivatives.items():
        if d.strip() == "0.0":
            vjp[p] = jvp[p] = "0.0"
            continue
        vjp[p] = f"g * cj({d})" if conj else scaled("g", d)
        jvp[p] = scaled(f"d{p}", d)
        if conj:
            real_vjp[p] = scaled("g", d)
        if refused:
            real_vjp[p], real_jvp[p] = vjp[p], jvp[p]
            vjp[p] = scaled(refused.format("g"), d)
            jvp[p] = scaled(refused.format(f"d{p}"), d)
    if real_vjp:
        options["real_vjp"] = real_vjp
    if real_jvp:
        options["real_jvp"] = real_jvp
    return defrule(func, params, vjp=vjp, jvp=jvp, name=name, **options)


def unary(func, derivative, name=None, scalar_derivative=None, **options):
    """Shorthand for ``y = f(x)`` with ``dy/dx = derivative`` (an expression in x and y),
    one factor of the templates: ``g * (derivative)``.  `scalar_derivative`, when given,
    is used where x is a Python or NumPy scalar."""
    options.setdefault("kind", "elementwise")
    if scalar_derivative:
        options["scalar_vjp"] = {"x": f"g * ({scalar_derivative})"}
    return partials(func, "x", name=name, x=f"({derivative})", **options)


def holomorphic(func, derivative, safe=None, complex_derivative=None, **options):
    """``y = func(x)`` with ``dy/dx = derivative``, also for complex x: the adjoint
    conjugates the derivative.  `safe` is the derivative written with NumPy's division
    (an IEEE inf at a pole, also for a Python float, where ``1.0 / x`` raises): used for
    scalars, complex values and tangents, `derivative` for real arrays.
    `complex_derivative`, when given, is the same function written so that it holds on the
    principal branches of complex arguments."""
    safe = safe or derivative
    rule = unary(func, safe, scalar_derivative=safe if safe != derivative else None,
                 **options)
    rule.real_vjp = {"x": f"g * ({derivative})"}
    rule.vjp = {"x": f"g * cj({complex_derivative or safe})"}
    return rule


def real_only(rule, *params):
    """Make `rule`'s templates refuse complex values of `params` when they run (the
    primitive takes complex arguments, its rule is for real ones); ``real_vjp`` and
    ``real_jvp`` keep the plain templates, for values the kinds prove real.  The check
    wraps each template, so the template must evaluate at complex values (`partials` with
    `real` checks before evaluating)."""
    value = params[0] if len(params) == 1 else "(" + ", ".join(params) + ")"

    def refuse(t):
        if callable(t):
            return lambda bound: refuse(t(bound))
        return t if t == "0.0" else f"refuse_complex({rule.name!r}, {value}, {t})"

    def refusing(table):
        return {p: refuse(t) for p, t in table.items()}
    rule.real_vjp, rule.real_jvp = dict(rule.vjp), dict(rule.jvp)
    rule.scalar_vjp = {}
    rule.vjp, rule.jvp = refusing(rule.vjp), refusing(rule.jvp)
    rule.jvp_batch = refusing(rule.jvp_batch)
    return rule


def inactive(func, kind=lattice.ANY, name=None, kink=None, params="", kink_when=None):
    """Register `func` as non-differentiable: its result is a constant for derivatives.
    `params` names the parameters a `kink_when` condition reads."""
    return register(Rule(func, name or _name_of(func), params, kind=kind, inactive=True,
                         kink=kink, kink_when=kink_when))


def linear_helper(func, params, samples, batch=True, tested_by=None):
    """Forward rules of a kernel linear in its first parameter; the others are constant
    (shapes, indices, axes) or only give shapes.  The vector forward template maps the
    kernel over the directions (`batch_at`), or is `batch` when that is a template."""
    names, _ = parse_params(params)
    first, rest = names[0], names[1:]
    args = ", ".join(rest)
    call = f"{func.__name__}(d{first}{', ' if rest else ''}{args})"
    jvp = {first: call}
    jvp.update({p: "0.0" for p in rest})
    if isinstance(batch, str):
        jvp_batch = {first: batch}
    else:
        jvp_batch = {first: f"batch_at({func.__name__}, 0, d{first}{', ' if rest else ''}"
                            f"{args})"} if batch else None
    return defrule(func, params, kind=lattice.ANY, jvp=jvp, jvp_batch=jvp_batch,
                   name=func.__name__, samples=samples, tested_by=tested_by)


def multilinear_helper(func, params, linear, samples, tested_by=None):
    """Forward rules of a kernel ``func(v, which, ...operands)`` linear in `v` and in every
    operand in `linear` except operand number ``which`` (which only gives a shape)."""
    names, _ = parse_params(params)
    first = names[0]
    fname = func.__name__

    def call(sub, dname):
        return f"{fname}({', '.join(dname if n == sub else n for n in names)})"

    jvp = {first: call(first, "d" + first)}
    jvp_batch = {first: f"batch_at({fname}, 0, {', '.join(['d' + first] + names[1:])})"}
    for k, p in enumerate(linear):
        jvp[p] = f"pick_unless(which, {k}, {call(p, 'd' + p)})"
        pos = names.index(p)
        batched = ", ".join("d" + n if n == p else n for n in names)
        jvp_batch[p] = f"pick_unless(which, {k}, batch_at({fname}, {pos}, {batched}))"
    for p in names[1:]:
        jvp.setdefault(p, "0.0")
    return defrule(func, params, kind=lattice.ANY, jvp=jvp, jvp_batch=jvp_batch, name=fname,
                   samples=samples, tested_by=tested_by)


def method(name, rule, receiver):
    """``x.name(...)`` is `rule` with ``x`` bound to parameter `receiver`."""
    _METHODS[name] = (rule, receiver)


def attribute(name, rule):
    _ATTRIBUTES[name] = rule


def _get(obj):
    try:
        return _RULES.get(obj)
    except TypeError:
        return _RULES.get(id(obj))


def lookup(obj):
    rule = _get(obj)
    if rule is None and _DEFERRED and load_deferred(obj):
        rule = _get(obj)
    return rule


def defer(module, load):
    """Register the rules of the objects of `module` when it is imported: `load()`
    registers them, the first time a lookup misses after `module` has been imported (or an
    object of it is looked up, or every rule is listed).  An optional dependency then costs
    its import time only to the programs that import it."""
    _DEFERRED[module] = load


def load_deferred(obj=None):
    """Register the deferred families of rules whose module is imported or holds `obj`
    (every one for None); returns whether any was."""
    try:
        owner = "" if obj is None else (getattr(obj, "__module__", None) or "")
    except Exception:           # an object whose attributes cannot be read
        owner = ""
    owner = owner if isinstance(owner, str) else ""
    due = [m for m in _DEFERRED if obj is None or m in sys.modules or owner == m
           or owner.startswith(m + ".")]
    for load in [_DEFERRED.pop(m) for m in due]:    # (taken first: loading registers)
        load()
    return bool(due)


def lookup_method(name):
    return _METHODS.get(name)


def lookup_attribute(name):
    return _ATTRIBUTES.get(name)


def all_rules():
    load_deferred()
    return list(_RULES.values())


def _name_of(func):
    mod = getattr(func, "__module__", None) or ""
    name = getattr(func, "__name__", repr(func))
    if mod in ("builtins", ""):
        return name
    if mod.startswith("numpy") or type(func).__name__ == "ufunc":
        return f"np.{name}"
    if mod.startswith("tangent_like.runtime."):
        mod = "tangent_like.runtime"        # a kernel, under its public name
    return f"{mod}.{name}"


def helper(func):
    """Make `func` callable from generated code and templates under its own name (the
    built-in kernels register themselves: `tangent_like.runtime.kernel`)."""
    return runtime.kernel(func)
