"""What each call and attribute in a normalized function refers to.

A call resolves to one of: a `RuleTarget` (a primitive with derivative rules, or one
registered as non-differentiable), a `UserTarget` (a Python function with source, or a lifted
nested function: transformed too), or an `UnknownTarget` (anything else: an error if it
receives a differentiated value).
"""
import inspect
import sys
import sysconfig
import types

from . import lattice
from .. import rules, runtime
from ..errors import NoDerivativeError, TransformError, UnsupportedSyntaxError
from ..rules.derivative_calls import CALLEE, derivative_rule, is_maker
from ..syntax import nodes
from ..syntax.naming import is_stack

_LIBRARY_ROOTS = {"numpy", "scipy", "math", "builtins", "tangent_like", "gast", "jax",
                  "torch", "autograd", "pandas"}
_STDLIB = sysconfig.get_paths().get("stdlib", "\0")


class RuleTarget:
    def __init__(self, rule, bound):
        self.rule = rule
        self.bound = bound          # param name -> argument node


class UserTarget:
    def __init__(self, key, parsed_or_func, bound, lifted=False, receiver=None):
        self.key = key              # what identifies the callee (function object or lifted def)
        self.callee = parsed_or_func
        self.bound = bound          # param name -> argument node
        self.lifted = lifted
        # an argument the call does not write, passed first: the object of a method call
        # (``self.step(x)``), ``obj.__class__`` for a classmethod, ``fn.__self__`` for a
        # bound method passed as a value; or, for a property read, the Attribute node read
        self.receiver = receiver


class StackTarget:
    """``_stack.append(v)`` / ``_stack.pop()`` in generated reverse-mode code."""

    def __init__(self, op, stack="_stack"):
        self.op = op
        self.stack = stack


class UnknownTarget:
    def __init__(self, obj, description, pending=False):
        self.obj = obj
        self.description = description
        self.pending = pending      # a local whose value the analysis does not know yet


def is_user_function(obj):
    if not isinstance(obj, types.FunctionType):
        return False
    module = (getattr(obj, "__module__", None) or "").split(".")[0]
    if module in _LIBRARY_ROOTS:
        return False
    filename = obj.__code__.co_filename
    if filename.startswith(_STDLIB) and "site-packages" not in filename:
        return False
    return True


def resolve_call(call, parsed, local_vars, error, local_kind=None):
    """Resolve a Call node; `error(node, message, hint)` raises a located TransformError.
    `local_kind(name)` gives the kind of a local variable (None while it is not known): a
    function passed as a value (``fn(x)``) resolves to that function, a method of an object
    of a known class (``self.step(x)``) to the class's function."""
    func = call.func
    lifted = getattr(parsed, "lifted", {}) or {}
    if isinstance(func, nodes.Name) and func.id in lifted:
        callee = lifted[func.id]
        bound = bind_def(callee.node, call, error)
        return UserTarget(("lifted", id(callee.node)), callee, bound, lifted=True)
    if isinstance(func, nodes.Attribute) and isinstance(func.value, nodes.Name) \
            and is_stack(func.value.id) and func.attr in ("append", "pop"):
        return StackTarget(func.attr, func.value.id)
    if isinstance(func, nodes.Attribute):
        base = func.value
        while isinstance(base, nodes.Attribute):
            base = base.value
        if not (isinstance(base, nodes.Name) and base.id not in local_vars):
            # a method call on a value: x.sum(...)
            kind = local_kind(func.value.id) if local_kind is not None and isinstance(
                func.value, nodes.Name) else None
            if lattice.is_object(kind):
                target = method_target(kind[1], func, call, error)
                if target is not None:
                    return target
            found = rules.lookup_method(func.attr)
            if found is None:
                return UnknownTarget(None, f"method '.{func.attr}()'")
            rule, receiver = found
            bound = bind_rule(rule, call, error, receiver=(receiver, func.value))
            return RuleTarget(rule, bound)
    dotted = nodes.dotted_name(func)
    if dotted is None:
        made = _made_derivative(func, parsed, local_vars)
        if made is not None:
            return derivative_target(made, call, error)
        return UnknownTarget(None, "a computed function")
    head = dotted.split(".")[0]
    if head in local_vars:
        kind = local_kind(head) if local_kind is not None else lattice.ANY
        if isinstance(func, nodes.Name) and lattice.is_function(kind):
            return function_target(kind[1], call, error)
        if isinstance(func, nodes.Name) and lattice.is_object(kind):
            # an object with a __call__ method of the user's
            target = method_target(kind[1], nodes.attribute(func, "__call__"), call, error)
            if target is not None:
                return target
        if kind is None:        # not known yet (the analysis goes round again)
            return UnknownTarget(None, head, pending=True)
        error(func, f"calling the local variable {head!r} as a function is not supported "
              "here: its value is not one known function", "pass one function (its calls "
              "are specialized to it), or call module-level or nested functions by name",
              UnsupportedSyntaxError)
    if head in runtime.HELPERS:
        # introduced by normalization (with_item, sort_order...): the user's own reads of a
        # name a helper has go through an alias (normalize/hygiene.py)
        ok, obj = True, runtime.HELPERS[head]
    else:
        ok, obj = parsed.namespace.lookup(head)
    if not ok:
        error(func, f"name {head!r} is not defined", "define or import it at module level")
    for part in dotted.split(".")[1:]:
        try:
            obj = parsed.namespace.attribute(obj, part)
        except AttributeError:
            error(func, f"{dotted!r} does not exist", "check the name")
    rule = rules.lookup(obj)
    if rule is not None:
        return RuleTarget(rule, bind_rule(rule, call, error))
    if is_user_function(obj):
        bound = bind_function(obj, call, error)
        return UserTarget(obj, obj, bound)
    if derivative_rule(obj) is not None:
        return derivative_target(obj, call, error)
    return UnknownTarget(obj, dotted)


def derivative_target(obj, call, error):
    """The target of a call of the derivative `obj` (``dg(x)`` for ``dg = tl.grad(g)``, or
    ``tl.grad(g)(x)``): its rule, with the callee expression bound to ``_derivative``."""
    rule = derivative_rule(obj)
    return RuleTarget(rule, bind_rule(rule, call, error, receiver=(CALLEE, call.func)))


def _made_derivative(func, parsed, local_vars):
    """The gradient ``maker(g, ...)`` makes, for a callee written ``tl.grad(g, wrt)``: the
    maker and its arguments are module-level names and constants, so it is made once here
    (the generated code makes it again where it calls it); None for anything else."""
    if not isinstance(func, nodes.Call):
        return None
    values = []
    for node in [func.func] + list(func.args) + [k.value for k in func.keywords]:
        if isinstance(node, nodes.Constant):
            values.append(node.value)
            continue
        dotted = nodes.dotted_name(node)
        if dotted is None or dotted.split(".")[0] in local_vars:
            return None
        ok, obj = parsed.namespace.lookup(dotted.split(".")[0])
        if not ok:
            return None
        try:
            for part in dotted.split(".")[1:]:
                obj = parsed.namespace.attribute(obj, part)
        except AttributeError:
            return None
        values.append(obj)
    if not is_maker(values[0]) or any(isinstance(k.value, nodes.Starred) or k.arg is None
                                      for k in func.keywords):
        return None
    n = len(func.args)
    keywords = {k.arg: v for k, v in zip(func.keywords, values[1 + n:])}
    try:
        return values[0](*values[1:1 + n], **keywords)
    except Exception:       # not a gradient of these arguments: left to the call itself
        return None


def function_target(obj, call, error):
    """The target of ``fn(...)`` where the local `fn` holds the function `obj` (a parameter
    the derivative is specialized to)."""
    rule = rules.lookup(obj)
    if rule is not None:
        return RuleTarget(rule, bind_rule(rule, call, error))
    if isinstance(obj, types.MethodType) and is_user_function(obj.__func__):
        receiver = nodes.locate_missing(nodes.attribute(nodes.copy(call.func), "__self__"),
                                        call.lineno, call.col_offset)
        func = obj.__func__
        return UserTarget(func, func, bind_function(func, call, error, receiver), receiver=receiver)
    if is_user_function(obj):
        return UserTarget(obj, obj, bind_function(obj, call, error))
    return UnknownTarget(obj, call.func.id)


def method_target(cls, func, call, error):
    """The target of ``obj.name(...)`` for an object of class `cls` whose `name` is a
    function of the user's (a method, a staticmethod or a classmethod), else None."""
    try:
        attr = inspect.getattr_static(cls, func.attr)
    except AttributeError:
        return None         # an attribute of the instance: not known from the class
    at = (call.lineno, call.col_offset)
    if isinstance(attr, staticmethod):
        f, receiver = attr.__func__, None
    elif isinstance(attr, classmethod):
        f = attr.__func__
        receiver = nodes.locate_missing(nodes.attribute(nodes.copy(func.value), "__class__"),
                                        *at)
    elif isinstance(attr, types.FunctionType):
        f, receiver = attr, nodes.copy(func.value)
    else:
        return None
    if not is_user_function(f) or rules.lookup(f) is not None:
        return None
    return UserTarget(f, f, bind_function(f, call, error, receiver), receiver=receiver)


def property_target(cls, attribute, error):
    """The target of reading ``obj.name`` for an object of class `cls` whose `name` is a
    property with Python source (a call of its getter), else None (a field).  Attributes
    computed by other descriptors are refused: their derivative cannot be followed."""
    try:
        attr = inspect.getattr_static(cls, attribute.attr)
    except AttributeError:
        return None
    if isinstance(attr, property):
        if attr.fget is None or not is_user_function(attr.fget):
            error(attribute, f"the property {attribute.attr!r} of a differentiated "
                  f"{cls.__name__} has no Python source to differentiate", "read the "
                  "values it is computed from", NoDerivativeError)
        params = list(inspect.signature(attr.fget).parameters)
        return UserTarget(attr.fget, attr.fget, {params[0]: attribute.value},
                          receiver=attribute)
    if isinstance(attr, (types.FunctionType, staticmethod, classmethod)) or not hasattr(
            type(attr), "__get__"):
        return None
    error(attribute, f"the attribute {attribute.attr!r} of a differentiated {cls.__name__} "
          f"is computed by a descriptor ({type(attr).__name__}) whose derivative tangent_like "
          "cannot follow", "make it a property, or read the values it is computed from",
          NoDerivativeError)
    return None


def bind_rule(rule, call, error, receiver=None):
    if not rule.inactive and (any(isinstance(a, nodes.Starred) for a in call.args)
                              or any(k.arg is None for k in call.keywords)):
        error(call, f"{rule.name} called with unpacked arguments ('*args', '**kwargs')",
              "pass the arguments one by one", UnsupportedSyntaxError)
    bound = {}
    params = list(rule.params)
    if receiver is not None:
        name, node = receiver
        bound[name] = node
        params = [p for p in params if p != name]
    if rule.inactive and not rule.params:
        return bound
    if rule.inactive:       # constant results: bind what matches, ignore the rest
        for p, a in zip(params, call.args):
            bound[p] = a
        for k in call.keywords:
            if k.arg in rule.params:
                bound[k.arg] = k.value
        return bound
    if len(call.args) > len(params):
        error(call, f"{rule.name} takes at most {len(params)} positional arguments here",
              "check the call")
    for p, a in zip(params, call.args):
        bound[p] = a
    for k in call.keywords:
        if k.arg not in rule.params:
            error(call, f"{rule.name}: keyword {k.arg!r} is not supported by its derivative "
                  "rule", "call it without that keyword")
        bound[k.arg] = k.value
    return bound


def bind_def(fdef, call, error):
    if _unpacks(call):
        return _bind_unpacked([p.id for p in fdef.args.posonlyargs + fdef.args.args],
                              [p.id for p in fdef.args.kwonlyargs],
                              fdef.args.vararg.id if fdef.args.vararg else None,
                              fdef.args.kwarg.id if fdef.args.kwarg else None, call, error)
    a = fdef.args
    params = [p.id for p in a.posonlyargs + a.args]
    kwonly = [p.id for p in a.kwonlyargs]
    bound, rest, extra = {}, [], {}
    if len(call.args) > len(params) and a.vararg is None:
        error(call, "too many positional arguments", "check the call")
    for p, arg in zip(params, call.args):
        bound[p] = arg
    rest = list(call.args[len(params):])
    for k in call.keywords:
        if k.arg not in params + kwonly:
            if a.kwarg is None:
                error(call, f"unexpected keyword argument {k.arg!r}", "check the call")
            extra[k.arg] = k.value
            continue
        bound[k.arg] = k.value
    if a.vararg is not None:
        bound[a.vararg.id] = _variadic(rest, call)
    if a.kwarg is not None:
        bound[a.kwarg.id] = _variadic(extra, call)
    return bound


def bind_function(func, call, error, receiver=None):
    """The arguments of `call` by parameter of `func`; `receiver`, when given, is passed
    first (the object of a method call)."""
    sig = inspect.signature(func, follow_wrapped=False)
    first = [receiver] if receiver is not None else []
    if _unpacks(call):
        ps = list(sig.parameters.values())
        return _bind_unpacked(
            [p.name for p in ps if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)],
            [p.name for p in ps if p.kind == p.KEYWORD_ONLY],
            next((p.name for p in ps if p.kind == p.VAR_POSITIONAL), None),
            next((p.name for p in ps if p.kind == p.VAR_KEYWORD), None), call, error, first)
    try:
        ba = sig.bind(*first, *call.args, **{k.arg: k.value for k in call.keywords})
    except TypeError as exc:
        error(call, f"call does not match {func.__name__}{sig}: {exc}", "check the call")
    bound = dict(ba.arguments)
    for name, p in sig.parameters.items():
        if p.kind == p.VAR_POSITIONAL:
            bound[name] = _variadic(bound.get(name, ()), call)
        elif p.kind == p.VAR_KEYWORD:
            bound[name] = _variadic(bound.get(name, {}), call)
    return bound


def _unpacks(call):
    return any(isinstance(a, nodes.Starred) for a in call.args) or any(
        k.arg is None for k in call.keywords)


def _bind_unpacked(positional, kwonly, varargs, varkw, call, error, first=()):
    """A call that passes a ``*args`` (``**kwargs``) on: supported where it is exactly what
    the callee's own ``*args`` (``**kwargs``) receives, ``g(a, *xs)`` for ``def g(a, *rest)``
    (the items it would spread over named parameters are not known)."""
    plain = list(first) + [a for a in call.args if not isinstance(a, nodes.Starred)]
    starred = [a for a in call.args if isinstance(a, nodes.Starred)]
    double = [k for k in call.keywords if k.arg is None]
    named = [k for k in call.keywords if k.arg is not None]
    hint = ("pass the arguments one by one, or unpack only what the function's own '*args' "
            "or '**kwargs' parameter receives")
    if starred and (varargs is None or len(plain) != len(positional)):
        error(call, "this call unpacks '*args' into named parameters", hint,
              UnsupportedSyntaxError)
    if double and (varkw is None or any(k.arg not in positional + kwonly for k in named)):
        error(call, "this call unpacks '**kwargs' into named parameters", hint,
              UnsupportedSyntaxError)
    bound = dict(zip(positional, plain))
    for k in named:
        bound[k.arg] = k.value
    if varargs is not None:
        bound[varargs] = starred[0].value if starred else _variadic(
            plain[len(positional):], call)
    if varkw is not None:
        bound[varkw] = double[0].value if double else _variadic(
            {k.arg: k.value for k in named if k.arg not in positional + kwonly}, call)
        for k in named:
            if k.arg not in positional + kwonly:
                bound.pop(k.arg, None)
    return bound


def _variadic(parts, call):
    """The arguments a ``*args`` (a tuple display) or ``**kwargs`` (a dict display)
    parameter receives from `call`."""
    if isinstance(parts, dict):
        node = nodes.dict_([nodes.const(k) for k in parts], list(parts.values()))
    else:
        node = nodes.tuple_(list(parts))
    return nodes.locate_missing(node, getattr(call, "lineno", None),
                                getattr(call, "col_offset", None))


def is_module(obj):
    return isinstance(obj, types.ModuleType) or obj is sys
