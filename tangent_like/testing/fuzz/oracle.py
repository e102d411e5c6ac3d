"""Run a case through tangent_like and judge every derivative against finite differences.

Modes:

``grad``            ``tl.grad(f, wrt=...)``
``grad-noopt``      ``tl.grad(f, wrt=..., optimize=False)``
``value_and_grad``  ``tl.value_and_grad(f, wrt=...)``: the value must be ``f``'s own
``jvp``             ``tl.jvp(f, args, tangents, wrt=...)`` against the directional derivative
``hessian``         ``tl.hessian(f, wrt=...)`` (first wrt argument) against second differences
``grad-checkpoint`` ``tl.grad(f, wrt=..., checkpoint=2)``: top-level loops in two segments
``grad-binomial``   ``tl.grad(f, wrt=..., checkpoint=("binomial", 1))``
``grad-numba``      ``tl.grad(f, wrt=..., backend="numba")`` (not run by default: numba
                    compiles every program, about a second each); a fallback to Python is
                    judged like any result

Each mode ends in one class:

``pass``       the derivative agrees with the reference;
``refused``    a `TangentLikeError` (not an `InternalError`) locating a line of the program;
``crash``      any other exception, including `InternalError` and errors raised by generated
               code;
``wrong``      a derivative or value that disagrees with the reference, has the wrong
               structure, or an argument modified by the call;
``kink``       finite differences with two step sizes disagree: the program is not smooth
               at the sample point, so nothing is concluded (refusals and crashes still are);
``discarded``  ``f`` itself raises or gives a non-finite or non-scalar result: the program is
               invalid (a generator bug), for every mode.

The reference gradient is a central difference with relative steps 1e-6 and 1e-4; the
Hessian reference is a Richardson-extrapolated second difference with steps 1e-3 and 5e-4.
"""
import contextlib
import re
import signal
import threading
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

import tangent_like as tl
from tangent_like.errors import InternalError, TangentLikeError

from .case import loaded

MODES = ("grad", "grad-noopt", "value_and_grad", "jvp", "hessian", "grad-checkpoint",
         "grad-binomial")
ALL_MODES = MODES + ("grad-numba",)
CLASSES = ("pass", "refused", "crash", "wrong", "kink", "discarded")

GRAD_STEPS = (1e-6, 1e-4)
HESSIAN_STEP = 1e-3
#: Finite differences with both steps must agree to this (relative to the gradient's scale).
KINK_RTOL = 1e-5
#: A derivative is wrong when it differs from the reference by more than this.
GRAD_RTOL = 1e-4
VALUE_RTOL = 1e-9
HESSIAN_KINK_RTOL = 1e-3
HESSIAN_RTOL = 1e-4
#: Largest value of ``f`` a program may have (beyond, it is discarded as ill-conditioned).
MAX_VALUE = 1e6

GENERATED_PREFIX = "<tangent_like generated"


@dataclass
class Outcome:
    """The class of one mode of one case, why, and the evidence."""

    mode: str
    kind: str
    signature: str = ""
    detail: str = ""
    message: str = ""

    @property
    def failed(self):
        """A crash or a wrong result (refusals and kinks are not failures)."""
        return self.kind in ("crash", "wrong")


class Discard(Exception):
    """``f`` does not give a finite scalar near the sample point: not a valid program."""


class Timeout(BaseException):
    """A time limit expired (a `BaseException`, so no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def time_limit(seconds):
    """Raise `Timeout` in the block after ``seconds`` (main thread with SIGALRM only)."""
    usable = (seconds and hasattr(signal, "SIGALRM")
              and threading.current_thread() is threading.main_thread())
    if not usable:
        yield
        return

    def expire(signum, frame):
        raise Timeout(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- the reference ---------------------------------------------------------------------

def _evaluate(f, args):
    """``f(*args)`` as a float; `Discard` unless it is a finite, moderate scalar.

    Invalid operations, divisions by zero and overflows inside ``f`` discard it too: a
    valid program computes with finite numbers only.
    """
    try:
        with np.errstate(invalid="raise", divide="raise", over="raise"):
            value = f(*args)
    except Exception as exc:
        raise Discard(f"f raises {type(exc).__name__}: {_head(exc)}") from exc
    if np.ndim(value) != 0 or not np.isrealobj(value):
        raise Discard(f"f returns {type(value).__name__} of shape {np.shape(value)}")
    value = float(value)
    if not np.isfinite(value) or abs(value) > MAX_VALUE:
        raise Discard(f"f returns {value!r}")
    return value


def _perturbed(args, position, index, delta):
    """Fresh copies of ``args`` with element ``index`` of argument ``position`` moved."""
    out = [a if isinstance(a, float) else a.copy() for a in args]
    if isinstance(out[position], float):
        out[position] = out[position] + delta
    else:
        out[position][index] += delta
    return out


def _step(args, position, index, rel):
    x = args[position] if isinstance(args[position], float) else args[position][index]
    return rel * max(1.0, abs(float(x)))


def _indices(arg):
    return [None] if isinstance(arg, float) else list(np.ndindex(arg.shape))


def _shaped(arg, values):
    return float(values[0]) if isinstance(arg, float) else np.array(values).reshape(arg.shape)


class Reference:
    """The value of ``f`` and its finite-difference derivatives at the case's arguments."""

    def __init__(self, f, case):
        self.f = f
        self.case = case
        self.args = case.arguments()
        self.value = _evaluate(f, self.args)
        self.gradients = {}
        for rel in GRAD_STEPS:
            self.gradients[rel] = [self._partials(p, rel) for p in case.wrt_positions]
        self.gradient = self.gradients[GRAD_STEPS[-1]]
        self.scale = max([1.0, abs(self.value)] + [float(np.max(np.abs(g)))
                                                   for g in self.gradient])
        small, large = self.gradients[GRAD_STEPS[0]], self.gradients[GRAD_STEPS[-1]]
        self.kink_error = max(float(np.max(np.abs(np.subtract(a, b))))
                              for a, b in zip(small, large))
        self.kink = self.kink_error > KINK_RTOL * self.scale
        self._hessian = None

    def _partials(self, position, rel):
        """Central differences of ``f`` w.r.t. each element of one argument."""
        arg = self.args[position]
        out = []
        for index in _indices(arg):
            h = _step(self.args, position, index, rel)
            up = _evaluate(self.f, _perturbed(self.args, position, index, h))
            down = _evaluate(self.f, _perturbed(self.args, position, index, -h))
            out.append((up - down) / (2 * h))
        return _shaped(arg, out)

    def fresh_args(self):
        """New copies of the arguments."""
        return self.case.arguments()

    def hessian(self):
        """(Richardson-extrapolated second differences, whether they look kinked)."""
        if self._hessian is None:
            position = self.case.wrt_positions[0]
            coarse = self._second_differences(position, HESSIAN_STEP)
            fine = self._second_differences(position, HESSIAN_STEP / 2)
            best = (4.0 * fine - coarse) / 3.0
            scale = max(1.0, float(np.max(np.abs(best))), 1e-2 * abs(self.value))
            kink = float(np.max(np.abs(fine - coarse))) > HESSIAN_KINK_RTOL * scale
            self._hessian = (best, scale, kink)
        return self._hessian

    def _second_differences(self, position, rel):
        """Symmetric second differences of ``f`` w.r.t. one argument, flattened."""
        arg = self.args[position]
        indices = _indices(arg)
        n = len(indices)
        out = np.zeros((n, n))
        for a in range(n):
            for b in range(a, n):
                ia, ib = indices[a], indices[b]
                ha = _step(self.args, position, ia, rel)
                hb = _step(self.args, position, ib, rel)
                total = 0.0
                for sa, sb, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                    moved = _perturbed(self.args, position, ia, sa * ha)
                    moved = _perturbed(moved, position, ib, sb * hb)
                    total += sign * _evaluate(self.f, moved)
                out[a, b] = out[b, a] = total / (4 * ha * hb)
        return out


# -- comparisons -----------------------------------------------------------------------

class Mismatch(Exception):
    """A derivative that disagrees with the reference: (signature, detail)."""

    def __init__(self, signature, detail):
        super().__init__(signature)
        self.signature = signature
        self.detail = detail


def _short(value):
    """A compact rendering of a number or an array."""
    array = np.asarray(value, dtype=float)
    if array.size == 1:
        return f"{float(array.ravel()[0]):.9g}"
    return np.array2string(array, precision=6, threshold=20).replace("\n", " ")


def _check_close(what, got, expected, tolerance):
    """Raise `Mismatch` unless ``got`` is finite and within ``tolerance``."""
    got = np.asarray(got, dtype=float)
    if not np.all(np.isfinite(got)):
        raise Mismatch(f"non-finite {what}", f"{what}: got {_short(got)}")
    error = float(np.max(np.abs(got - expected))) if got.size else 0.0
    if error > tolerance:
        raise Mismatch(f"{what} mismatch",
                       f"{what}: got {_short(got)}, expected {_short(expected)} "
                       f"(max error {error:.3g} > {tolerance:.3g})")


def _check_like(what, got, arg):
    """The gradient of ``arg`` must look like it: a float, or an array of its shape."""
    if isinstance(arg, float):
        if not isinstance(got, float):
            raise Mismatch(f"{what} type", f"{what}: expected a float, got "
                           f"{type(got).__name__} {_short(got) if np.size(got) else got!r}")
    elif not isinstance(got, np.ndarray) or got.shape != arg.shape:
        raise Mismatch(f"{what} shape", f"{what}: expected an array of shape {arg.shape}, "
                       f"got {type(got).__name__} of shape {np.shape(got)}")


def check_gradients(result, ref):
    """Compare what ``tl.grad`` returned with the reference gradient."""
    case = ref.case
    if isinstance(case.wrt, tuple):
        if not isinstance(result, tuple) or len(result) != len(case.wrt):
            raise Mismatch("gradient structure", f"expected a tuple of {len(case.wrt)} "
                           f"gradients, got {type(result).__name__}")
        results = result
    else:
        results = (result,)
    for position, got, expected in zip(case.wrt_positions, results, ref.gradient):
        what = f"gradient"
        _check_like(what, got, ref.args[position])
        try:
            _check_close(what, got, expected, GRAD_RTOL * ref.scale)
        except Mismatch as exc:
            exc.detail = f"d/d(argument {position}): " + exc.detail
            raise


def check_value(value, ref):
    """The value returned next to a derivative must be ``f``'s own."""
    if np.ndim(value) != 0:
        raise Mismatch("value shape", f"value: expected a scalar, got shape {np.shape(value)}")
    _check_close("value", value, ref.value, VALUE_RTOL * max(1.0, abs(ref.value)))


def check_arguments(args, ref):
    """The derivative must leave its arguments as they were."""
    for position, (after, before) in enumerate(zip(args, ref.fresh_args())):
        if not np.array_equal(np.asarray(after), np.asarray(before)):
            raise Mismatch("argument modified",
                           f"argument {position} was {_short(before)}, is now {_short(after)}")


def tangents_for(case, args):
    """Deterministic tangents, one per wrt argument (a tuple for a tuple wrt)."""
    rng = np.random.default_rng(20240601)
    out = []
    for position in case.wrt_positions:
        arg = args[position]
        if isinstance(arg, float):
            out.append(float(rng.uniform(-1.0, 1.0)))
        else:
            out.append(rng.uniform(-1.0, 1.0, arg.shape))
    return tuple(out) if isinstance(case.wrt, tuple) else out[0]


# -- the modes -------------------------------------------------------------------------
#
# Each runner calls tangent_like and returns a function that checks what it returned:
# an exception from the runner is tangent_like's (a refusal or a crash); one from the
# checker means the result is wrong, or malformed.

def run_grad(f, ref, optimize=True, **options):
    """``tl.grad`` (optimized or not, other `options`) against the reference gradient."""
    args = ref.fresh_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # (a numba fallback says why)
        result = tl.grad(f, wrt=ref.case.wrt, optimize=optimize, **options)(*args)

    def check():
        check_arguments(args, ref)
        check_gradients(result, ref)
    return check


def run_grad_noopt(f, ref):
    """``tl.grad(..., optimize=False)``."""
    return run_grad(f, ref, optimize=False)


def run_value_and_grad(f, ref):
    """``tl.value_and_grad``: the value and the gradient."""
    args = ref.fresh_args()
    returned = tl.value_and_grad(f, wrt=ref.case.wrt)(*args)

    def check():
        check_arguments(args, ref)
        if not isinstance(returned, tuple) or len(returned) != 2:
            raise Mismatch("value_and_grad structure",
                           f"expected a pair (value, gradient), got {type(returned).__name__}")
        value, result = returned
        check_value(value, ref)
        check_gradients(result, ref)
    return check


def run_jvp(f, ref):
    """``tl.jvp`` against the directional derivative along deterministic tangents."""
    args = ref.fresh_args()
    tangents = tangents_for(ref.case, args)
    returned = tl.jvp(f, args, tangents, wrt=ref.case.wrt)

    def check():
        check_arguments(args, ref)
        if not isinstance(returned, tuple) or len(returned) != 2:
            raise Mismatch("jvp structure", f"expected a pair (value, tangent), got "
                           f"{type(returned).__name__}")
        out, out_tangent = returned
        check_value(out, ref)
        items = tangents if isinstance(ref.case.wrt, tuple) else (tangents,)
        expected = sum(float(np.sum(g * t)) for g, t in zip(ref.gradient, items))
        scale = max([ref.scale] + [float(np.sum(np.abs(g) * np.abs(t)))
                                   for g, t in zip(ref.gradient, items)])
        if np.ndim(out_tangent) != 0:
            raise Mismatch("tangent shape", f"expected a scalar tangent, got shape "
                           f"{np.shape(out_tangent)}")
        _check_close("tangent", out_tangent, expected, GRAD_RTOL * scale)
    return check


def run_hessian(f, ref):
    """``tl.hessian`` of the first wrt argument against second differences."""
    position = ref.case.wrt_positions[0]
    args = ref.fresh_args()
    result = tl.hessian(f, wrt=position)(*args)

    def check():
        check_arguments(args, ref)
        expected, scale, _ = ref.hessian()
        arg = args[position]
        shape = () if isinstance(arg, float) else arg.shape + arg.shape
        if np.shape(result) != shape:
            raise Mismatch("hessian shape", f"expected shape {shape}, got {np.shape(result)}")
        _check_close("hessian", np.reshape(result, expected.shape), expected,
                     HESSIAN_RTOL * scale)
    return check


RUNNERS = {"grad": run_grad, "grad-noopt": run_grad_noopt,
           "value_and_grad": run_value_and_grad, "jvp": run_jvp, "hessian": run_hessian,
           "grad-checkpoint": lambda f, ref: run_grad(f, ref, checkpoint=2),
           "grad-binomial": lambda f, ref: run_grad(f, ref, checkpoint=("binomial", 1)),
           "grad-numba": lambda f, ref: run_grad(f, ref, backend="numba")}


# -- classification --------------------------------------------------------------------

def _head(exc):
    """The first line of an exception's message (a diagnostic's message, without location)."""
    diagnostics = getattr(exc, "diagnostics", None)
    if diagnostics:
        return diagnostics[0].message
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


def normalize(text, limit=100):
    """A message stripped of names, numbers and locations, to group similar ones."""
    text = re.sub(r"<tangent_like generated[^>]*>", "<generated>", text)
    text = re.sub(r"\S+\.py(:\d+)*", "FILE", text)
    text = re.sub(r"'[A-Za-z_][\w.]*'", "'_'", text)
    text = re.sub(r"\d+", "N", text)
    return text[:limit]


def _frames(exc):
    """Every (filename, line, function) the exception and its causes went through."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for frame in traceback.extract_tb(exc.__traceback__):
            yield frame
        exc = exc.__cause__ or exc.__context__


def through_generated_code(exc):
    """Did ``exc`` pass through code that tangent_like generated?"""
    return any(frame.filename.startswith(GENERATED_PREFIX) for frame in _frames(exc))


def classify_exception(mode, exc):
    """A refusal (a located, deliberate error) or a crash (anything else)."""
    name = type(exc).__name__
    message = f"{name}: {_head(exc)}"
    if isinstance(exc, Timeout):
        return Outcome(mode, "crash", "Timeout", f"Timeout: {exc}", message)
    if (isinstance(exc, TangentLikeError) and not isinstance(exc, InternalError)
            and getattr(exc, "lineno", None) is not None):
        return Outcome(mode, "refused", f"{name}: {normalize(_head(exc))}", str(exc), message)
    generated = through_generated_code(exc)
    signature = f"{name}: {normalize(_head(exc))}" + (" [in generated code]" if generated else "")
    detail = "".join(traceback.format_exception(exc)[-12:])
    return Outcome(mode, "crash", signature, detail, message)


def run_mode(f, ref, mode, timeout=None):
    """Run one mode and classify the result."""
    try:
        with time_limit(timeout):
            check = RUNNERS[mode](f, ref)
    except (Exception, Timeout) as exc:
        return classify_exception(mode, exc)
    kink = ref.kink or (mode == "hessian" and ref.hessian()[2])
    try:
        check()
    except Mismatch as exc:
        if kink:
            return Outcome(mode, "kink", "finite differences disagree",
                           f"step sizes disagree by {ref.kink_error:.3g}")
        return Outcome(mode, "wrong", f"{_family(mode)}: {exc.signature}", exc.detail,
                       exc.detail)
    except Exception as exc:      # a result the checks cannot even read
        detail = f"malformed result: {type(exc).__name__}: {exc}"
        return Outcome(mode, "wrong", f"{_family(mode)}: malformed result", detail, detail)
    if kink:
        return Outcome(mode, "kink", "finite differences disagree")
    return Outcome(mode, "pass")


def _family(mode):
    """The family of a mode: reverse, forward or hessian."""
    return {"grad": "reverse", "grad-noopt": "reverse", "value_and_grad": "reverse",
            "jvp": "forward", "hessian": "hessian", "grad-checkpoint": "reverse",
            "grad-binomial": "reverse", "grad-numba": "reverse"}[mode]


def modes_for(case, modes=None):
    """The modes ``case`` runs in, among ``modes`` (default: all)."""
    chosen = [m for m in (modes or MODES) if m in ALL_MODES]
    if case.modes is not None:
        chosen = [m for m in chosen if m in case.modes]
    elif not case.hessian:
        chosen = [m for m in chosen if m != "hessian"]
    return chosen


def run_case(case, modes=None, timeout=None):
    """Run ``case`` in each of ``modes``; return ``{mode: Outcome}``.

    When ``f`` is not a valid program at the sample point every mode is ``discarded``.
    ``timeout`` bounds each mode, and the reference computation, in seconds.
    """
    chosen = modes_for(case, modes)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            with loaded(case) as module:
                try:
                    with time_limit(timeout):
                        ref = Reference(module.f, case)
                        if "hessian" in chosen:
                            ref.hessian()
                except Timeout as exc:
                    raise Discard(f"reference {exc}") from None
                return {mode: run_mode(module.f, ref, mode, timeout) for mode in chosen}
        except Discard as exc:
            return {mode: Outcome(mode, "discarded", normalize(str(exc)), str(exc))
                    for mode in chosen}
        except Exception as exc:     # the module does not even import
            reason = f"module raises {type(exc).__name__}: {_head(exc)}"
            return {mode: Outcome(mode, "discarded", normalize(reason), reason)
                    for mode in chosen}
        finally:
            tl.clear_cache()
