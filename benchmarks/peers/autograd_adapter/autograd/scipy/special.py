"""autograd.scipy.special: scipy.special itself."""
import scipy.special as _m
from scipy.special import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_m, name)
