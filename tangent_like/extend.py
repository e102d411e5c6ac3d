"""Extending tangent_like: your own derivative rules, in the same template style as the
built-in ones.

    import scipy.special
    import tangent_like as tl

    tl.defrule(scipy.special.dawsn, "x",                 # Dawson's integral
               vjp={"x": "g * (1.0 - 2.0 * x * y)"},
               jvp={"x": "dx * (1.0 - 2.0 * x * y)"})

Templates are Python expressions: ``g`` is the adjoint of the result, ``y`` the result,
``dp`` the tangent of parameter ``p``, and parameters are named as in `params`.  A rule for
a Python function replaces its transformation (for numerical stability or speed).
`nondifferentiable` declares a function constant for derivatives; `helper` makes a function
callable from templates by name; `check_rule` checks a rule against finite differences.
"""
from . import api, pipeline
from .rules import registry
from .rules.verify import check_rule  # noqa: F401  (re-exported)


def defrule(func, params, vjp=None, jvp=None, **options):
    """Register (or replace) the derivative rule of `func`; see the module docstring.

    `options`: ``broadcast`` (parameters that broadcast: adjoints are summed back to their
    shape), ``kind`` ("elementwise", "scalar", "any"), ``domain`` or ``samples`` (inputs for
    `check_rule`), ``kink``/``kink_when`` (the convention and condition at non-differentiable
    points), ``jvp_batch`` (tangent templates for a leading batch axis)."""
    options.setdefault("kind", "any")
    rule = registry.defrule(func, params, vjp=vjp, jvp=jvp, **options)
    rule.user = True
    pipeline.note_user_rules()   # (not part of the key)
    api.clear_cache()
    return rule


def nondifferentiable(func, kind="any"):
    """Declare `func` constant for derivatives: its result never carries a derivative
    (it is piecewise constant, like a rounding or a sign), so it may take differentiated
    arguments and its result is treated as a constant."""
    rule = registry.inactive(func, kind=kind)
    rule.discrete = True
    pipeline.note_user_rules()   # (not part of the key)
    api.clear_cache()
    return rule


def helper(func):
    """Make `func` callable by its name from rule templates and generated code."""
    registry.helper(func)
    pipeline.note_user_rules()   # (not part of the key)
    api.clear_cache()
    return func
