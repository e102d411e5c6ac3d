"""Which non-differentiable primitives may receive differentiated values.

A primitive registered with `inactive` has no derivative rule.  Passing it a differentiated
value is sound only when its result cannot carry a derivative: an integer or a boolean, a
shape, a rounding (piecewise constant: its derivative is zero wherever it exists), an index
(``np.argmax``), or an array whose values do not depend on the argument's values
(``np.zeros_like``).  Those primitives are *discrete* and listed here (results of kind
``int`` are discrete by construction).  Any other inactive primitive that receives a
differentiated value is refused: ``float(str(x))`` would otherwise silently drop the
derivative that flows through the string.
"""
from . import registry
from .. import runtime

#: Inactive primitives (by rule name) whose results are piecewise constant in every argument.
DISCRETE = (
    "//", "np.floor_divide", "np.floor", "np.ceil", "np.trunc", "np.rint", "np.round",
    "np.sign", "np.signbit", "np.heaviside",
    "np.all", "np.any", "np.allclose", "np.array_equal", "np.isclose", "np.equal",
    "np.not_equal", "np.greater", "np.greater_equal", "np.less", "np.less_equal",
    "np.logical_and", "np.logical_or", "np.logical_not", "np.isfinite", "np.isinf",
    "np.isnan", "np.isneginf", "np.isposinf", "np.iscomplexobj", "np.isrealobj",
    "np.isscalar",
    "np.argmax", "np.argmin", "np.argsort", "np.argpartition", "np.argwhere", "np.lexsort",
    "np.nonzero", "np.flatnonzero", "np.digitize", "np.searchsorted",
    "np.shape", "np.zeros_like", "np.ones_like", "np.empty_like", "np.zeros", "np.ones",
    "np.empty", "np.eye", "np.identity", "np.tri", "np.indices", "np.diag_indices",
    "np.diag_indices_from", "np.tril_indices", "np.tril_indices_from", "np.triu_indices",
    "np.triu_indices_from", "np.ravel_multi_index", "np.unravel_index",
    "print", "type", "range",
)


def mark_discrete():
    """Mark the registered rules of `DISCRETE`; rules registered later are marked then."""
    registry.DISCRETE_NAMES.update(DISCRETE)
    for rule in registry.all_rules():
        rule.discrete = registry.is_discrete(rule)


mark_discrete()

# what a reverse sweep meant to be differentiated again records apart from its active values
registry.inactive(runtime.constants)
