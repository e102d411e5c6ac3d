"""Primitives whose result may share memory with an argument.

The aliasing analysis (`analysis/aliasing.py`) needs to know which values can see a later
write into another: ``w = np.reshape(u, (2, 2)); u[0] = 5.0`` changes ``w`` too.  Every
registered primitive that can return its argument itself or a view of it is listed here and
marked ``rule.view``; every other primitive makes new memory.  Attributes (``x.T``,
``x.real``) and basic indexing (``x[1:]``, ``x[0]`` of a matrix) are views by construction.

When you register a primitive that can return a view, add its name here;
`tests/test_aliasing.py` checks this list against NumPy's behaviour.
"""
from . import registry

#: Names of registered rules (as in docs/rules.md) that may return a view of an argument.
VIEWS = (
    "np.reshape", "ndarray.reshape", "ndarray.transpose", "np.ravel", "np.transpose", "np.squeeze",
    "np.expand_dims", "np.swapaxes", "np.moveaxis", "np.diagonal", "np.atleast_1d",
    "np.atleast_2d", "np.atleast_3d", "np.broadcast_to", "np.flip", "np.real", "np.imag",
    "np.split", "np.array_split", "np.asarray", "np.asanyarray", "np.ascontiguousarray",
    "np.asfortranarray", "np.fliplr", "np.flipud", "np.rot90", "np.hsplit", "np.vsplit",
    "np.dsplit", "np.rollaxis", "np.real_if_close", "np.broadcast_arrays",
    "np.matrix_transpose", "np.permute_dims", "np.diag", "np.einsum",
    "np.linalg.matrix_power", "max", "min", "tuple",
)


def mark_views():
    """Mark the registered rules of `VIEWS`; rules registered later are marked then."""
    registry.VIEW_NAMES.update(VIEWS)
    for rule in registry.all_rules():
        if rule.name in registry.VIEW_NAMES:
            rule.view = True


mark_views()
