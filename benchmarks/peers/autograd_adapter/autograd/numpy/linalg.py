"""autograd.numpy.linalg: numpy.linalg itself (autograd's additions are stubs)."""
import numpy.linalg as _la
from numpy.linalg import *  # noqa: F401,F403

from tl_adapter import stub as _stub


def __getattr__(name):
    if hasattr(_la, name):
        return getattr(_la, name)
    if name.startswith("__"):
        raise AttributeError(name)
    return _stub(f"autograd.numpy.linalg.{name}", "autograd-specific")
