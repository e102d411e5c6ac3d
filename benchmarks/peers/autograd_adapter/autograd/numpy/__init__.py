"""autograd.numpy for the adapter: NumPy itself.

tangent_like differentiates calls of NumPy's own functions, so every name is NumPy's
object (``autograd.numpy.sin is numpy.sin``).  Names autograd adds to NumPy are stubs that
raise NotAdaptedError when used.
"""
import importlib as _importlib
import sys as _sys

import numpy as _np
import numpy.fft as fft  # noqa: F401
import numpy.random as random  # noqa: F401
from numpy import *  # noqa: F401,F403
from numpy import __version__  # noqa: F401

from tl_adapter import stub as _stub

# the star import bound numpy.linalg: load the adapter's own submodule instead
linalg = _importlib.import_module(__name__ + ".linalg")

_sys.modules[__name__ + ".random"] = _np.random
_sys.modules[__name__ + ".fft"] = _np.fft


def __getattr__(name):
    if hasattr(_np, name):
        return getattr(_np, name)
    if name.startswith("__"):
        raise AttributeError(name)
    return _stub(f"autograd.numpy.{name}",
                 f"autograd-specific, or not in NumPy {_np.__version__}")
