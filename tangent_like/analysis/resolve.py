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

from .. import rules, runtime
from ..errors import TransformError
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
    def __init__(self, key, parsed_or_func, bound, lifted=False):
        self.key = key              # what identifies the callee (function object or lifted def)
        self.callee = parsed_or_func
        self.bound = bound          # param name -> argument node
        self.lifted = lifted


class StackTarget:
    """``_stack.append(v)`` / ``_stack.pop()`` in generated reverse-mode code."""

    def __init__(self, op, stack="_stack"):
        self.op = op
        self.stack = stack


class UnknownTarget:
    def __init__(self, obj, description):
        self.obj = obj
        self.description = description


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


def resolve_call(call, parsed, local_vars, error):
    """Resolve a Call node; `error(node, message, hint)` raises a located TransformError."""
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
            found = rules.lookup_method(func.attr)
            if found is None:
                return UnknownTarget(None, f"method '.{func.attr}()'")
            rule, receiver = found
            bound = bind_rule(rule, call, error, receiver=(receiver, func.value))
            return RuleTarget(rule, bound)
    dotted = nodes.dotted_name(func)
    if dotted is None:
        return UnknownTarget(None, "a computed function")
    head = dotted.split(".")[0]
    if head in local_vars:
        error(func, f"calling the local variable {head!r} as a function is not supported",
              "call module-level or nested functions by name")
    ok, obj = parsed.namespace.lookup(head)
    if not ok and head in runtime.HELPERS:     # introduced by normalization (with_item...)
        ok, obj = True, runtime.HELPERS[head]
    if not ok:
        error(func, f"name {head!r} is not defined", "define or import it at module level")
    for part in dotted.split(".")[1:]:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            error(func, f"{dotted!r} does not exist", "check the name")
    rule = rules.lookup(obj)
    if rule is not None:
        return RuleTarget(rule, bind_rule(rule, call, error))
    if is_user_function(obj):
        bound = bind_function(obj, call, error)
        return UserTarget(obj, obj, bound)
    return UnknownTarget(obj, dotted)


def bind_rule(rule, call, error, receiver=None):
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
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args]
    kwonly = [a.id for a in fdef.args.kwonlyargs]
    bound = {}
    if len(call.args) > len(params):
        error(call, "too many positional arguments", "check the call")
    for p, a in zip(params, call.args):
        bound[p] = a
    for k in call.keywords:
        if k.arg not in params + kwonly:
            error(call, f"unexpected keyword argument {k.arg!r}", "check the call")
        bound[k.arg] = k.value
    return bound


def bind_function(func, call, error):
    sig = inspect.signature(func)
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            star = "*" if p.kind == p.VAR_POSITIONAL else "**"
            error(call, f"{func.__name__} takes '{star}{p.name}': functions with '*args' or "
                  "'**kwargs' parameters cannot be differentiated through yet",
                  "give each parameter a name")
    try:
        ba = sig.bind(*call.args, **{k.arg: k.value for k in call.keywords})
    except TypeError as exc:
        error(call, f"call does not match {func.__name__}{sig}: {exc}", "check the call")
    return dict(ba.arguments)


def is_module(obj):
    return isinstance(obj, types.ModuleType) or obj is sys
