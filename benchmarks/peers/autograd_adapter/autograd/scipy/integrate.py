"""autograd.scipy.integrate: scipy.integrate itself."""
import scipy.integrate as _m
from scipy.integrate import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_m, name)
