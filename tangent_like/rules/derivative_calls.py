"""Rules for calls of derivatives inside differentiated code.

``dg = tl.grad(g)`` is a primitive of the functions that call it: ``dg(x)`` (or
``tl.grad(g)(x)`` written in place) gets a rule made for that derivative object, whose
templates call the kernels of `tangent_like.runtime.nested` (second derivatives of ``g``
by forward mode over its generated gradient code).  The rules are made when a call is
resolved, one per derivative object, and are not in the registry: they name the object
through the pseudo-parameter ``_derivative``, bound to the call's own callee expression.
"""
import inspect
import weakref

from .. import runtime as rt
from ..analysis import lattice
from ..runtime.nested import as_derivative
from ..targets import Differentiable
from .registry import Rule, defrule

CALLEE = "_derivative"      # the parameter the callee expression is bound to
_MADE = weakref.WeakKeyDictionary()     # derivative object -> its Rule


def is_maker(obj):
    """Is `obj` a function making derivatives (``tl.grad``, ``tl.jacobian``..., or a
    library's own spelling of one, which declares ``__tangent_like_derivative_maker__``),
    evaluated when a call ``maker(g)(x)`` is resolved?"""
    return getattr(obj, "__tangent_like_derivative_maker__", False) is True


def derivative_rule(obj):
    """The rule of calls of `obj` when it is a gradient made by tangent_like (or stands for
    one), else None."""
    try:
        d = as_derivative(obj)
    except Exception:       # a hook that cannot answer for these arguments
        return None
    if not isinstance(d, Differentiable) or not callable(d):
        return None
    try:
        return _MADE[obj]
    except (KeyError, TypeError):
        pass
    rule = _make(d) if _is_gradient(d) else _refusing(
        d, repr(d), f"a call of {d!r}: calls of derivatives are differentiated for "
        "gradients (tl.grad) with respect to one whole argument, without has_aux")
    try:
        _MADE[obj] = rule
    except TypeError:       # not weakly referable: made again at each resolution
        pass
    return rule


def _is_gradient(d):
    """Is `d` what ``tl.grad`` returns (not a Jacobian, a Hessian, a gradient of a
    gradient)?"""
    return getattr(d, "_what", None) == "grad" and hasattr(d, "_has_aux")


def _make(d):
    name = f"tl.grad({d._func.__qualname__})"
    params = list(d._sig.parameters.values())
    spec = [CALLEE]
    keyword_only = False
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD, p.POSITIONAL_ONLY):
            return _refusing(d, name, f"a call of {name}, whose function has '*args', "
                             "'**kwargs' or positional-only parameters")
        if p.kind == p.KEYWORD_ONLY and not keyword_only:
            spec.append("*")
            keyword_only = True
        spec.append(p.name if p.default is p.empty else f"{p.name}=None")
    why = None
    if d._what != "grad" or not d._single or d._has_aux or not d.nestable:
        why = (f"a call of {d!r}: calls of derivatives are differentiated for gradients "
               "(tl.grad) with respect to one whole argument, without has_aux")
    elif "g" in d._sig.parameters:
        why = f"a call of {name}, whose function has a parameter named 'g'"
    if why is not None:
        return _refusing(d, name, why)
    wrt = d._wrt[0]
    names = [p.name for p in params]

    def arguments(bound):
        return "{" + ", ".join(f"{n!r}: {n}" for n in names if n in bound) + "}"

    vjp, jvp, jvp_batch = {}, {}, {}
    for p in names:
        vjp[p] = (lambda p: lambda bound: f"derivative_vjp({CALLEE}, g, {wrt!r}, {p!r}, "
                  f"{arguments(bound)})")(p)
        jvp[p] = (lambda p: lambda bound: f"derivative_jvp({CALLEE}, {p!r}, d{p}, "
                  f"{arguments(bound)})")(p)
        jvp_batch[p] = (lambda p: lambda bound: f"derivative_jvp({CALLEE}, {p!r}, d{p}, "
                        f"{arguments(bound)}, True)")(p)
    # (terms of tuple and dict values are added part by part: cot_add, not +)
    return Rule(d, name, ", ".join(spec), vjp=vjp, jvp=jvp, jvp_batch=jvp_batch,
                jvp_combine="cot_add", kind=lambda kinds, bound: kinds.get(wrt, lattice.ANY),
                tested_by=__name__)


def _refusing(d, name, why):
    names = [p.name for p in inspect.signature(d._func, follow_wrapped=False).parameters.values()
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    names += [f"_more{i}" for i in range(4)]        # (a direction, or *args, is bound too)
    rule = Rule(d, name, ", ".join([CALLEE] + [f"{n}=None" for n in names]), kind="any",
                refuse_call=lambda bound: (
                    f"{why} is not supported with differentiated arguments",
                    "call tl.grad of a function of plain parameters with respect to one of "
                    "them, or compute the gradient outside the differentiated function"))
    return rule


# The kernels the templates above call, differentiated again (tl.hessian of a function that
# calls a gradient: forward mode over its gradient code).  The adjoint is linear in `g`; its
# tangent along the arguments is a third derivative, by forward mode once more.
TESTS = "tests/test_derivative_calls.py"
defrule(rt.derivative_vjp, "d, g, wrt, p, arguments, batch=False", kind=lattice.ANY,
        jvp={"g": "derivative_vjp(d, dg, wrt, p, arguments)",
             "arguments": "derivative_vjp_tangent(d, g, wrt, p, arguments, darguments)"},
        jvp_batch={"g": "derivative_vjp(d, dg, wrt, p, arguments, True)",
                   "arguments": "derivative_vjp_tangent(d, g, wrt, p, arguments, "
                                "darguments, True)"},
        jvp_combine="cot_add", tested_by=TESTS)
defrule(rt.derivative_jvp, "d, p, dp, arguments, batch=False", kind=lattice.ANY,
        jvp={"dp": "derivative_jvp(d, p, ddp, arguments, batch)"},
        refused={"arguments": "a third derivative in forward mode over forward mode"},
        tested_by=TESTS)
