"""The kinds of values the transforms distinguish.

``INT`` (ints and bools: never differentiated) < ``SCALAR`` (a float or a NumPy scalar: no
broadcasting to undo) < ``("array", ndim)`` (an array of known rank) < ``ANY`` (anything);
``STR`` (strings) is never differentiated either.  A tuple or list of known length has
kind ``("tuple", (k0, k1, ...))``; a dict ``("dict", ((key, kind), ...))`` (its keys in
order; ``("dict", None)`` when they are not known), whose adjoints and tangents are dicts
too; a function or method passed as a value ``("function", obj)``: calls of it are
specialized to that very object; an instance of the user's own class ``("object", cls)``,
whose methods and properties are resolved from `cls`.  `join` is the least upper bound.
"""
import types
import numbers

import numpy as np

INT = "int"
SCALAR = "scalar"
ANY = "any"
NONE = "none"      # the value None (a function falling off its end)
STR = "str"        # a string: never differentiated (a name, a mode, a label)

_ORDER = {NONE: -1, INT: 0, SCALAR: 1, ANY: 2}


def is_tuple(kind):
    return isinstance(kind, tuple) and kind[0] == "tuple"


LIST = ("list",)     # a list or tuple of unknown length (built with append)


def is_sequence(kind):
    """Tuples and lists: their adjoints are tuples, added element by element."""
    return is_tuple(kind) or kind == LIST


def is_array(kind):
    return isinstance(kind, tuple) and kind[0] == "array"


def is_dict(kind):
    return isinstance(kind, tuple) and kind[0] == "dict"


def dict_kind(items):
    """The kind of a dict with these ``(key, kind)`` items (None: keys not known)."""
    return ("dict", None if items is None else tuple(items))


DICT = ("dict", None)     # a dict whose keys are not known


def is_function(kind):
    return isinstance(kind, tuple) and kind[0] == "function"


def is_object(kind):
    return isinstance(kind, tuple) and kind[0] == "object"


def is_structured(kind):
    """Tuples, lists, dicts and objects: their adjoints are added part by part (`cot_add`):
    an object's adjoint is a dict of its fields."""
    return is_sequence(kind) or is_dict(kind) or is_object(kind)


def item_kind(kind, key):
    """The kind of ``d[key]`` for a dict of `kind` (`key` a constant, or None: unknown)."""
    items = kind[1]
    if items is None:
        return ANY
    found = None
    for k, v in items:
        if key is None:
            found = join(found, v)
        elif type(k) is type(key) and k == key:
            return v
    return found or ANY


def tuple_kind(elts):
    return ("tuple", tuple(elts))


def join(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if a == b:
        return a
    if is_tuple(a) and is_tuple(b):
        if len(a[1]) == len(b[1]):
            return tuple_kind(join(x, y) for x, y in zip(a[1], b[1]))
        return LIST
    if is_sequence(a) and is_sequence(b):
        return LIST
    if is_dict(a) and is_dict(b):
        if a[1] is not None and b[1] is not None and [k for k, _ in a[1]] == \
                [k for k, _ in b[1]]:
            return dict_kind((k, join(x, y)) for (k, x), (_, y) in zip(a[1], b[1]))
        return DICT
    if any(f(k) for f in (is_dict, is_function, is_object) for k in (a, b)):
        return ANY
    if is_sequence(a) or is_sequence(b) or is_array(a) or is_array(b):
        return ANY
    if NONE in (a, b) or STR in (a, b):
        return ANY
    return a if _ORDER[a] >= _ORDER[b] else b


def broadcast(kinds):
    """Kind of an elementwise result of operands of these kinds (NumPy broadcasting): a
    scalar if every operand is one, else an array of the largest rank; ANY if unknown."""
    ndim = 0
    for k in kinds:
        if is_array(k):
            ndim = max(ndim, k[1])
        elif not is_scalar(k):
            return ANY
    return SCALAR if ndim == 0 else ("array", ndim)


def matmul(a, b):
    """Kind of ``a @ b`` (and of ``np.matmul(a, b)``) from the ranks of its operands."""
    if is_array(a) and is_array(b):
        na, nb = a[1], b[1]
        if na >= 1 and nb >= 1:
            nd = max(na, nb) if min(na, nb) >= 2 else na + nb - 2
            return ("array", nd) if nd > 0 else SCALAR
    return ANY


def is_scalar(kind):
    """True for kinds that never need an unbroadcast (ints and scalars)."""
    return kind in (INT, SCALAR)


def is_constant(kind):
    """Kinds whose values are never differentiated: integers, booleans, strings."""
    return kind in (INT, STR)


def of_value(value):
    """The kind of a runtime value (used to specialize on argument kinds)."""
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return INT
    if isinstance(value, str):
        return STR
    if isinstance(value, (float, np.floating)) or (
            isinstance(value, numbers.Real) and not isinstance(value, np.ndarray)):
        return SCALAR
    if isinstance(value, (tuple, list)):
        if len(value) > 32:
            return LIST
        return tuple_kind(of_value(v) for v in value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "c":
            return ANY          # complex: adjoints conjugate (see rules/operators.py)
        return ("array", value.ndim) if value.ndim else SCALAR
    if isinstance(value, dict):
        if len(value) > 32:
            return DICT
        return dict_kind((k, of_value(v)) for k, v in value.items())
    if is_function_value(value):
        return ("function", value)
    if _is_instance_of_a_users_class(value):
        return ("object", type(value))
    return ANY


def words(kind):
    """A kind in words: ``float``, ``int``, ``1-d array``, ``tuple (float, int)``."""
    if is_array(kind):
        return f"{kind[1]}-d array"
    if is_tuple(kind):
        return "tuple (" + ", ".join(words(k) for k in kind[1]) + ")"
    return {SCALAR: "float", INT: "int", ANY: "any value", NONE: "None",
            LIST: "list"}.get(kind, str(kind))


_LIBRARIES = ("builtins", "numpy", "tangent_like", "math", "scipy", "pandas", "jax", "torch")


def _is_instance_of_a_users_class(value):
    """An object whose class is not a type of Python, NumPy or another library: its methods
    and properties are the user's own (calls and reads of them are differentiated)."""
    cls = type(value)
    if isinstance(value, (type, types.ModuleType)) or cls.__module__ is None:
        return False
    return cls.__module__.split(".")[0] not in _LIBRARIES


def is_function_value(value):
    """Functions passed as values that calls are specialized to: Python functions, builtins,
    NumPy ufuncs and functions, bound methods (not classes, not other callable objects)."""
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, np.ufunc)):
        return True
    if isinstance(value, types.MethodType):
        return isinstance(value.__func__, types.FunctionType)
    return type(value).__name__ == "_ArrayFunctionDispatcher"
