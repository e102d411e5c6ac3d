"""Derivative rules: a registry of primitives and their tangent and adjoint templates.

Importing this package registers every built-in family of rules.  Rules are declarations:
the kernels their templates call are in `tangent_like.runtime`, the arguments that check
them in `tangent_like.rules.samples`.
"""
import importlib.util
import sys

from . import registry, views, constants  # noqa: F401  (first: they mark rules as registered)
from . import operators, elementwise, builtin_rules, numpy_rules, runtime_rules  # noqa: F401
from . import numpy_reduce, numpy_shape, numpy_select, numpy_linalg  # noqa: F401
from . import numpy_signal, numpy_stats  # noqa: F401
from . import structures, containers, derivative_calls  # noqa: F401
if importlib.util.find_spec("scipy") is not None:  # SciPy is optional: its rules when installed,
    # each family when its module is imported (importing SciPy takes a while); their kernels
    # now (generated code reserves the names of every kernel), given SciPy with the rules
    from ..runtime import scipy_linalg as linalg_kernels, special as special_kernels  # noqa

    def _scipy_special():
        from . import scipy_special  # noqa: F401
        special_kernels.provide_scipy(sys.modules["scipy"])

    def _scipy_linalg():
        from . import scipy_linalg  # noqa: F401
        special_kernels.provide_scipy(sys.modules["scipy"])

    def _scipy_stats():
        from . import scipy_special, scipy_stats  # noqa: F401  (stats calls special)
        special_kernels.provide_scipy(sys.modules["scipy"])

    for _module, _load in (("scipy.special", _scipy_special), ("scipy.linalg", _scipy_linalg),
                           ("scipy.stats", _scipy_stats)):
        registry.defer(_module, _load)
from .registry import lookup, lookup_method, lookup_attribute, Rule  # noqa: F401
