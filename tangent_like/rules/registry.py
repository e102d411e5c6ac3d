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

A primitive whose result does not depend differentiably on its arguments (``len``, ``range``,
``int``, ``math.floor``, comparisons, ``np.shape``...) is registered with `inactive`; a
function with neither rule nor Python source is never silently treated as constant.
"""
from ..analysis import lattice

_RULES = {}       # primitive object -> Rule
_METHODS = {}     # method name -> (Rule, name of the receiver parameter)
_ATTRIBUTES = {}  # attribute name -> Rule or "inactive"
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
                 kink_when=None, real_vjp=None):
        self.func = func
        self.name = name
        self.params, self.defaults = _parse_params(params)
        self.varargs = _expand_varargs(self.params, self.defaults)
        self.vjp = dict(vjp or {})
        self.jvp = dict(jvp or {})
        self.broadcast = set(broadcast)
        self.kind = kind
        self.scalar_vjp = dict(scalar_vjp or {})
        self.real_vjp = dict(real_vjp or {})     # when no argument can be complex
        self.inactive = inactive
        self.kink = kink
        self.jvp_batch = dict(jvp_batch or {})   # tangents with a leading batch axis
        self.jvp_combine = jvp_combine   # a function name combining the terms instead of +
        self.domain = domain             # where to sample inputs when checking the rule
        self.samples = samples           # or a function rng -> list of argument dicts
        self.tested_by = tested_by       # or the test that checks it end to end
        self.kink_when = kink_when       # condition (template) true at a non-differentiable
        #                                  point: reported with kinks="warn"/"raise"
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
        from ..syntax import nodes
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


def _parse_params(spec):
    params, defaults = [], {}
    for part in [p.strip() for p in spec.split(",") if p.strip()]:
        if "=" in part:
            name, default = part.split("=", 1)
            params.append(name.strip())
            defaults[name.strip()] = default.strip()
        else:
            params.append(part)
    return params, defaults


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


def unary(func, derivative, name=None, scalar_derivative=None, **options):
    """Shorthand for ``y = f(x)`` with ``dy/dx = derivative`` (an expression in x and y)."""
    options.setdefault("kind", "elementwise")
    scalar = {"x": f"g * ({scalar_derivative})"} if scalar_derivative else None
    return defrule(func, "x", vjp={"x": f"g * ({derivative})"},
                   jvp={"x": f"dx * ({derivative})"}, name=name, scalar_vjp=scalar, **options)


def linear(func, params, vjp, jvp, **options):
    return defrule(func, params, vjp=vjp, jvp=jvp, **options)


def inactive(func, kind=lattice.ANY, name=None, kink=None, params="", kink_when=None):
    """Register `func` as non-differentiable: its result is a constant for derivatives."""
    return register(Rule(func, name or _name_of(func), params, kind=kind, inactive=True,
                         kink=kink, kink_when=kink_when))


def method(name, rule, receiver):
    """``x.name(...)`` is `rule` with ``x`` bound to parameter `receiver`."""
    _METHODS[name] = (rule, receiver)


def attribute(name, rule):
    _ATTRIBUTES[name] = rule


def lookup(obj):
    try:
        return _RULES.get(obj)
    except TypeError:
        return _RULES.get(id(obj))


def lookup_method(name):
    return _METHODS.get(name)


def lookup_attribute(name):
    return _ATTRIBUTES.get(name)


def all_rules():
    return list(_RULES.values())


def _name_of(func):
    mod = getattr(func, "__module__", None) or ""
    name = getattr(func, "__name__", repr(func))
    if mod in ("builtins", ""):
        return name
    if mod.startswith("numpy") or type(func).__name__ == "ufunc":
        return f"np.{name}"
    return f"{mod}.{name}"


def helper(func):
    """Make `func` callable from generated code and templates under its own name.

    Rule families use this for the adjoint helpers their templates call; give such a helper
    forward rules of its own (`defrule`) so that Hessians can differentiate through it."""
    from .. import runtime
    runtime.HELPERS[func.__name__] = func
    return func


def kink_at(func, when, convention=None, params=None):
    """Give the registered rule of `func` its non-differentiable points: `when` is a
    template (in the rule's parameter names) true there; `convention` says what is used.
    `params` names the parameters of a rule registered `inactive` (it has none)."""
    rule = lookup(func)
    if params is not None:
        rule.params, rule.defaults = _parse_params(params)
    rule.kink_when = when
    if convention:
        rule.kink = convention
    return rule
