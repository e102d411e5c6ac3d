"""kinks="warn"|"raise": every primitive with a non-differentiable point reports it when the
evaluation reaches it, and nothing is reported away from those points."""
import math
import warnings

import numpy as np
import pytest

import tangent_like as tl


def k_abs(x):
    return abs(x) * 2.0


def k_fabs(x):
    return math.fabs(x) * 2.0


def k_np_abs(x):
    return np.abs(x) * 2.0


def k_max(x):
    return max(x, 1.0) + x


def k_min(x):
    return min(x, 1.0) + x


def k_max3(x):
    return max(0.5, x, 1.0) + x


def k_maximum(x):
    return np.maximum(x, 1.0) * x


def k_minimum(x):
    return np.minimum(x, 1.0) * x


def k_sqrt(x):
    return math.sqrt(x) + x


def k_np_sqrt(x):
    return np.sqrt(x) + x


def k_np_log(x):
    return np.log(x) + x


def k_floor(x):
    return math.floor(x) * 1.0 + x


def k_int(x):
    return int(x) * 1.0 + x


def k_round(x):
    return round(x) * 1.0 + x


def k_np_floor(x):
    return np.floor(x) + x


def k_mod(x):
    return (x % 1.0) * 3.0


def k_branch(x):
    if x < 1.0:
        return x * x
    return 2.0 * x - 1.0


# function, a point at its kink, a point away from it
CASES = [
    (k_abs, 0.0, 0.3), (k_fabs, 0.0, -0.3), (k_np_abs, 0.0, 0.3), (k_max, 1.0, 0.4),
    (k_min, 1.0, 1.4), (k_max3, 1.0, 2.0), (k_maximum, 1.0, 0.2), (k_minimum, 1.0, 1.2),
    (k_sqrt, 0.0, 0.5), (k_np_sqrt, 0.0, 0.5), (k_np_log, 0.0, 0.5), (k_floor, 2.0, 2.5),
    (k_int, 3.0, 3.2), (k_round, 2.5, 2.2), (k_np_floor, 1.0, 1.5), (k_mod, 2.0, 2.3),
    (k_branch, 1.0, 0.5),
]
IDS = [c[0].__name__ for c in CASES]


@pytest.mark.parametrize("f,at,away", CASES, ids=IDS)
def test_warn_reports_the_kink_with_its_line(f, at, away):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with np.errstate(divide="ignore", invalid="ignore"):
            try:
                tl.grad(f, kinks="warn")(at)
            except ZeroDivisionError:    # sqrt/log at 0: the derivative is infinite
                pass
    kinks = [w for w in caught if issubclass(w.category, tl.KinkWarning)]
    assert kinks, f"{f.__name__}: no kink reported at {at}"
    assert "test_kinks.py:" in str(kinks[0].message)
    assert "convention" in str(kinks[0].message)


@pytest.mark.parametrize("f,at,away", CASES, ids=IDS)
def test_raise_stops_at_the_kink(f, at, away):
    with pytest.raises(tl.KinkError):
        with np.errstate(divide="ignore", invalid="ignore"):
            tl.grad(f, kinks="raise")(at)


@pytest.mark.parametrize("f,at,away", CASES, ids=IDS)
def test_no_report_away_from_kinks(f, at, away):
    with warnings.catch_warnings():
        warnings.simplefilter("error", tl.KinkWarning)
        g = tl.grad(f, kinks="raise")(away)
    assert g == pytest.approx(tl.grad(f)(away))


@pytest.mark.parametrize("f,at,away", CASES[:4], ids=IDS[:4])
def test_kinks_in_forward_mode(f, at, away):
    with pytest.raises(tl.KinkError):
        tl.jvp(f, (at,), 1.0, kinks="raise")


def test_ignore_emits_nothing():
    assert "kink(" not in tl.grad(k_abs).source_for(0.3)
    assert "kink(" in tl.grad(k_abs, kinks="warn").source_for(0.3)


def test_bad_kinks_option():
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(k_abs, kinks="sometimes")


def k_abs_times(x):
    y = np.abs(x) * x                       # the kink of abs and of its derivative, sign
    return np.sum(y)


def test_warning_is_reported_at_the_users_call():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tl.grad(k_abs_times, kinks="warn")(np.array([0.0, 1.0]))
    kinks = [w for w in caught if issubclass(w.category, tl.KinkWarning)]
    assert kinks and all(w.filename == __file__ for w in kinks)


@pytest.mark.parametrize("second", ["hessian", "jacobian of grad"])
def test_second_derivatives_report_the_users_line(second):
    line = k_abs_times.__code__.co_firstlineno + 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if second == "hessian":
            tl.hessian(k_abs_times, kinks="warn")(np.array([0.0, 1.0]))
        else:
            tl.jacobian(tl.grad(k_abs_times, kinks="warn"), kinks="warn")(np.array([0.0, 1.0]))
    messages = [str(w.message) for w in caught if issubclass(w.category, tl.KinkWarning)]
    assert any("np.sign" in m for m in messages)     # the kink of the derivative, sign at 0
    assert messages and all(m.startswith(f"test_kinks.py:{line}:") for m in messages), messages
    with pytest.raises(tl.KinkError, match=f"test_kinks.py:{line}: np.absolute"):
        tl.hessian(k_abs_times, kinks="raise")(np.array([1.0, 0.0]))
