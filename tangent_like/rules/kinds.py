"""What several rule families read from a call to give its result a kind: literal
arguments, dtypes written literally, whether a value may be complex.

A rule's ``kind`` is a kind (`tangent_like.analysis.lattice`) or a function of the argument
kinds and the bound argument nodes.  An array or scalar kind promises a real value: a result
that may be complex has kind ANY.
"""
import numpy as np

from ..analysis import lattice
from ..syntax import nodes

UNKNOWN = object()      # `literal` of an argument that is not a constant


def literal(bound, param, default):
    """The value of a constant argument, `default` when it is not given, else UNKNOWN."""
    node = bound.get(param)
    if node is None:
        return default
    if isinstance(node, nodes.Constant):
        return node.value
    if isinstance(node, nodes.UnaryOp) and isinstance(node.op, nodes.USub) \
            and isinstance(node.operand, nodes.Constant):
        return -node.operand.value
    return UNKNOWN


number = nodes.number        # the value of a numeric literal node, else None


def maybe_complex(kind):
    """May a value of this kind be complex?  Only ints, scalars and arrays are known real
    (and tuples of them)."""
    if kind in (lattice.INT, lattice.SCALAR, lattice.NONE) or lattice.is_array(kind):
        return False
    if lattice.is_tuple(kind):
        return any(maybe_complex(k) for k in kind[1])
    return True


def real_kind(kind, *params):
    """A kind function returning `kind` (a kind or a kind function) when the arguments
    `params` are known real, else ANY: an array or scalar kind promises a real value."""
    def result(arg_kinds, bound):
        if any(maybe_complex(arg_kinds.get(p, lattice.INT)) for p in params):
            return lattice.ANY
        return kind(arg_kinds, bound) if callable(kind) else kind
    return result


def dtype_kind_of_node(node):
    """'i', 'f', 'c'... for a dtype written literally (``int``, ``np.float32``, "f8")."""
    if node is None:
        return None
    if isinstance(node, nodes.Constant) and isinstance(node.value, str):
        try:
            return np.dtype(node.value).kind
        except TypeError:
            return None
    dotted = nodes.dotted_name(node)
    if dotted is None:
        return None
    parts = dotted.split(".")
    if len(parts) == 1 and parts[0] in ("int", "bool", "float", "complex"):
        return {"int": "i", "bool": "b", "float": "f", "complex": "c"}[parts[0]]
    if len(parts) == 2 and parts[0] in ("np", "numpy"):
        obj = getattr(np, parts[1], None)
        try:
            return np.dtype(obj).kind
        except TypeError:
            return None
    return None
