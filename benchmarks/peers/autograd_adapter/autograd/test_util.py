"""autograd.test_util, checking tangent_like's derivatives against finite differences."""
from tl_adapter import (EPS, RTOL, TOL, check_equivalent, check_grads, check_jvp,  # noqa: F401
                        check_vjp, combo_check, scalar_close)
