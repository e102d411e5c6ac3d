"""Kernels of Python containers: dicts, ``tuple(xs)`` and ``list(xs)``, ``sorted``.

A dict's adjoint and tangent are dicts of the adjoints and tangents of its values, by key
(a key missing is a zero), or the zero ``0.0``.  Keys are never differentiated: they are
indices.  ``d[k] = v`` on a dict is ``d = with_key(d, k, v)``, a new dict; ``d.get``,
``d.keys()``, ``d.values()`` and ``d.items()`` are read through `dict_get`, `dict_keys`,
`dict_values` and `dict_items`, which call the receiver's own methods (and give lists
rather than views, so that loops can index them).

``tuple(xs)`` and ``list(xs)`` of a sequence or an array give its items; their adjoint is
`items_adjoint` (a tuple of the items' adjoints, or an array of them for an array) and their
tangent `items_tangent`.  ``sorted(xs)`` is its items read in the order `sort_order` gives,
a constant: the derivative follows the permutation.
"""
import numpy as np

from .core import is_zero
from .kernels import kernel
from .structures import add_at, batch_add_at_zero, tangent_item

# ------------------------------------------------------------------------------------ dicts
@kernel
def with_key(d, key, v):
    """``d[key] = v`` as a new dict; `d` is unchanged."""
    out = dict(d)
    out[key] = v
    return out


@kernel
def dict_get(d, key, default=None):
    """``d.get(key)`` or ``d.get(key, default)`` (``d.get(key)`` is ``d.get(key, None)``)."""
    return d.get(key, default)


@kernel
def dict_keys(d):
    """``list(d.keys())``: the keys (constants for derivatives)."""
    return list(d.keys())


@kernel
def dict_key_at(d, i):
    """The key at position `i` of a dict (``for k in d`` reads the keys)."""
    return list(d)[i]


@kernel
def loop_item(seq, i):
    """Item `i` of what a ``for`` loop runs over, where its kind was not known: the key at
    position `i` of a dict (a loop over a dict reads its keys), else ``seq[i]``."""
    if isinstance(seq, dict):
        return list(seq)[i]
    return seq[i]


@kernel
def loop_item_adjoint(g, seq, i, batch=False):
    """Adjoint of ``loop_item(seq, i)`` with respect to `seq` (nothing for a dict's keys);
    with `batch`, of a tangent with a leading batch axis."""
    if is_zero(g) or isinstance(seq, dict):
        return 0.0
    return batch_add_at_zero(g, seq, i) if batch else add_at(0.0, seq, i, g)


@kernel
def loop_item_tangent(dseq, seq, i, batch=False):
    """Tangent of ``loop_item(seq, i)`` from the tangent of `seq`."""
    if is_zero(dseq) or isinstance(seq, dict):
        return 0.0
    return tangent_item(dseq, i, batch)


@kernel
def dict_values(d):
    """``list(d.values())``."""
    return list(d.values())


@kernel
def dict_items(d):
    """``list(d.items())``: the ``(key, value)`` pairs."""
    return list(d.items())


def _part(t, key):
    if is_zero(t):
        return 0.0
    if isinstance(t, dict):
        return t.get(key, 0.0)
    return t[key]


@kernel
def get_adjoint(g, d, key):
    """Adjoint of ``y = d.get(key, default)`` with respect to `d`: `g` at `key` when `d`
    has it, else nothing."""
    if is_zero(g) or key not in d:
        return 0.0
    return {key: g}


@kernel
def default_adjoint(g, d, key):
    """Adjoint of ``y = d.get(key, default)`` with respect to `default`: `g` when `d` has no
    `key`."""
    return 0.0 if key in d else g


@kernel
def get_tangent(dd, d, key):
    """Tangent of ``d.get(key, default)`` from the tangent of `d`."""
    return _part(dd, key) if key in d else 0.0


@kernel
def default_tangent(ddefault, d, key):
    """Tangent of ``d.get(key, default)`` from the tangent of `default`."""
    return 0.0 if key in d else ddefault


@kernel
def values_adjoint(g, d):
    """Adjoint of ``dict_values(d)`` (a tuple, one part per value): a dict by key."""
    if is_zero(g):
        return 0.0
    return {k: gi for k, gi in zip(d, g) if not is_zero(gi)}


@kernel
def values_tangent(dd, d):
    """Tangent of ``dict_values(d)``: the values' tangents, in the dict's order."""
    if is_zero(dd):
        return 0.0
    return tuple(_part(dd, k) for k in d)


@kernel
def pairs_adjoint(g, d):
    """Adjoint of ``dict_items(d)`` (a tuple of ``(key, value)`` adjoints): a dict by key
    (the keys' parts are zero: keys are constants)."""
    if is_zero(g):
        return 0.0
    out = {}
    for k, gi in zip(d, g):
        part = _part(gi, 1)
        if not is_zero(part):
            out[k] = part
    return out


@kernel
def pairs_tangent(dd, d):
    """Tangent of ``dict_items(d)``: ``(0.0, tangent of the value)`` per item."""
    if is_zero(dd):
        return 0.0
    return tuple((0.0, _part(dd, k)) for k in d)


@kernel
def without_key(g, key):
    """A dict adjoint or tangent without its part at `key` (that part was overwritten)."""
    if is_zero(g):
        return 0.0
    return {k: v for k, v in g.items() if k != key}


@kernel
def key_placed(dv, key):
    """The tangent (or adjoint) of a dict that only the part at `key` carries."""
    if is_zero(dv):
        return 0.0
    return {key: dv}


# ------------------------------------------------------------------------- tuple(), list()
@kernel
def items_adjoint(g, x, batch=False):
    """Adjoint of ``tuple(x)`` or ``list(x)`` with respect to `x`: for a sequence, the tuple
    of the items' adjoints; for an array, the items' adjoints stacked like its rows (after a
    leading batch axis, with `batch`: the tangent of this adjoint in vector forward mode);
    nothing for a dict (its keys are constants)."""
    if is_zero(g) or isinstance(x, dict):
        return 0.0
    if isinstance(x, np.ndarray):
        k = next((np.shape(gi)[0] for gi in g if not is_zero(gi) and np.ndim(gi) > x.ndim - 1),
                 1) if batch else None
        out = np.zeros(((k,) if batch else ()) + x.shape, dtype=np.result_type(x, 1.0))
        for i, gi in enumerate(g):
            if not is_zero(gi):
                gi = np.real(gi) if x.dtype.kind != "c" else gi
                if batch:
                    out[:, i] = out[:, i] + gi
                else:
                    out[i] = out[i] + gi
        return out
    return tuple(g)


@kernel
def items_tangent(dx, x, batch=False):
    """Tangent of ``tuple(x)`` or ``list(x)``: one tangent per item (the rows of an array's
    tangent, after its batch axis when `batch`)."""
    if is_zero(dx) or isinstance(x, dict):
        return 0.0
    if isinstance(x, np.ndarray):
        dx = np.asarray(dx)
        if batch and dx.ndim > x.ndim:
            return tuple(dx[:, i] for i in range(len(x)))
        return tuple(np.broadcast_to(dx, x.shape)[i] for i in range(len(x)))
    return tuple(dx)


# --------------------------------------------------------------------------------- sorting
@kernel
def sort_order(xs, reverse=False, key=None):
    """The positions of the items of `xs` in the order ``sorted(xs, key=key,
    reverse=reverse)`` gives them (stable: equal items keep their order)."""
    if isinstance(xs, dict):        # sorted(d) sorts the keys of a dict
        xs = list(xs)
    if key is None:
        return sorted(range(len(xs)), key=xs.__getitem__, reverse=reverse)
    keys = [key(v) for v in xs]
    return sorted(range(len(xs)), key=keys.__getitem__, reverse=reverse)


@kernel
def sort_ties(xs, key=None):
    """Do two items of `xs` sort equal (where the derivative of ``sorted`` follows Python's
    stable order)?"""
    if isinstance(xs, dict):
        return False
    keys = sorted(xs if key is None else [key(v) for v in xs])
    return any(a == b for a, b in zip(keys, keys[1:]))
