"""autograd.scipy.stats: scipy.stats itself."""
import sys as _sys

import scipy.stats as _st
from scipy.stats import *  # noqa: F401,F403

for _name in ("norm", "t", "beta", "gamma", "chi2", "poisson", "dirichlet",
              "multivariate_normal"):
    _sys.modules[f"{__name__}.{_name}"] = getattr(_st, _name)


def __getattr__(name):
    return getattr(_st, name)
