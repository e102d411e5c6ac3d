"""autograd.scipy.linalg: scipy.linalg itself."""
import scipy.linalg as _m
from scipy.linalg import *  # noqa: F401,F403


def __getattr__(name):
    return getattr(_m, name)
