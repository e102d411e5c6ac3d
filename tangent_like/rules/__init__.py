"""Derivative rules: a registry of primitives and their tangent and adjoint templates.

Importing this package registers every built-in family of rules.  Rules are declarations:
the kernels their templates call are in `tangent_like.runtime`, the arguments that check
them in `tangent_like.rules.samples`.
"""
from . import registry, views, constants  # noqa: F401  (first: they mark rules as registered)
from . import operators, elementwise, builtin_rules, numpy_rules, runtime_rules  # noqa: F401
from . import numpy_reduce, numpy_shape, numpy_select, numpy_linalg  # noqa: F401
from . import structures, containers  # noqa: F401
from .registry import lookup, lookup_method, lookup_attribute, Rule  # noqa: F401
