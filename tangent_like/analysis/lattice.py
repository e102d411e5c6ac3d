"""The kinds of values the transforms distinguish.

``INT`` (ints and bools: never differentiated) < ``SCALAR`` (a float or a NumPy scalar: no
broadcasting to undo) < ``("array", ndim)`` (an array of known rank) < ``ANY`` (anything).  A tuple or list of known length
has kind ``("tuple", (k0, k1, ...))``.  `join` is the least upper bound.
"""
import numbers

import numpy as np

INT = "int"
SCALAR = "scalar"
ANY = "any"
NONE = "none"      # the value None (a function falling off its end)

_ORDER = {NONE: -1, INT: 0, SCALAR: 1, ANY: 2}


def is_tuple(kind):
    return isinstance(kind, tuple) and kind[0] == "tuple"


LIST = ("list",)     # a list or tuple of unknown length (built with append)


def is_sequence(kind):
    """Tuples and lists: their adjoints are tuples, added element by element."""
    return is_tuple(kind) or kind == LIST


def is_array(kind):
    return isinstance(kind, tuple) and kind[0] == "array"


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
    if is_sequence(a) or is_sequence(b) or is_array(a) or is_array(b):
        return ANY
    if NONE in (a, b):
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


def is_scalar(kind):
    """True for kinds that never need an unbroadcast (ints and scalars)."""
    return kind in (INT, SCALAR)


def of_value(value):
    """The kind of a runtime value (used to specialize on argument kinds)."""
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return INT
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
    return ANY


def words(kind):
    """A kind in words: ``float``, ``int``, ``1-d array``, ``tuple (float, int)``."""
    if is_array(kind):
        return f"{kind[1]}-d array"
    if is_tuple(kind):
        return "tuple (" + ", ".join(words(k) for k in kind[1]) + ")"
    return {SCALAR: "float", INT: "int", ANY: "any value", NONE: "None",
            LIST: "list"}.get(kind, str(kind))
