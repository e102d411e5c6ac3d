"""The differentiation corpus: ordinary user functions together with the inputs to test them at.

Every function below is written the way a user would write it (ODE steps, physics, finance,
loss functions, small numerical algorithms) and registered with ``@case(...)``, which records
the arguments to call it with and the argument(s) to differentiate with respect to.  A
function may be registered several times (one ``@case`` per input set) so that each branch
of its control flow gets exercised; the extra registrations get a ``label``.

Conventions the inputs follow, so that central finite differences are a trustworthy
reference:

* every input is deterministic and sits well away from kinks and discontinuities: no ties
  for ``min``/``max``, no ``abs`` at 0, loop counts and branch choices that do not change
  under a perturbation of ~1e-6, and arguments well inside the functions' domains;
* the arguments we differentiate with respect to are Python floats or float64 arrays (a few
  float32 arrays, whose gradients must stay float32); sizes, counters and flags are ints and
  bools and are never in ``wrt``;
* every function returns a scalar.

`tests/test_corpus.py` runs the whole list against `tangent_like`.
"""
import math
from typing import Any, Callable, NamedTuple

import numpy as np

import corpus_helpers
from corpus_helpers import annuity_value, np_sigmoid, potential_energy, spring_force

# --------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------


class Case(NamedTuple):
    """One corpus entry: call ``func(*args, **kwargs)`` and differentiate w.r.t. ``wrt``."""

    name: str
    func: Callable
    args: tuple
    kwargs: dict
    wrt: Any                    # int, parameter name, or a tuple of those
    rtol: float | None = None   # None: the default tolerance for the arguments' dtype
    atol: float | None = None


CASES: list[Case] = []


def case(args=(), kwargs=None, wrt=0, label=None, rtol=None, atol=None):
    """Register the decorated function in `CASES` with one set of inputs.

    ``label`` distinguishes several registrations of the same function (the case is named
    ``"func-label"``); ``rtol``/``atol`` override the finite-difference comparison
    tolerances.  The function itself is returned unchanged, so decorators can be stacked.
    """
    def register(func):
        name = func.__name__ if label is None else f"{func.__name__}-{label}"
        if any(c.name == name for c in CASES):
            raise ValueError(f"duplicate corpus case name {name!r}")
        CASES.append(Case(name, func, tuple(args), dict(kwargs or {}), wrt, rtol, atol))
        return func
    return register


# --------------------------------------------------------------------------------------------
# Input data (deterministic; literals wherever a kink or a branch depends on the values)
# --------------------------------------------------------------------------------------------


def _vec(*values, dtype=np.float64):
    """A 1-D array of the given values."""
    return np.array(values, dtype=dtype)


def _random(shape, seed, low=-1.0, high=1.0, dtype=np.float64):
    """Deterministic uniform random data, for inputs that no branch depends on."""
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


X5 = _vec(0.3, -1.2, 0.8, 1.5, -0.4)
Y5 = _vec(-0.7, 0.4, 1.1, 0.2, 0.9)
W5 = _vec(0.5, 1.5, -0.25, 2.0, 0.75)
POSITIVE5 = _vec(0.4, 1.3, 2.2, 0.9, 3.1)
SIGNAL8 = _vec(0.2, 0.5, 0.1, 0.9, 1.4, 1.0, 1.7, 1.3)
A34 = np.array([[1.2, -0.8, 0.8, 0.1],
                [-0.9, 0.2, -1.4, 0.35],
                [0.7, 0.9, -0.15, 1.1]])
A33 = np.array([[2.0, 0.3, -0.4],
                [0.1, 1.5, 0.6],
                [-0.2, 0.7, 1.2]])
A44 = _random((4, 4), seed=1)
A23 = _random((2, 3), seed=2)
B32 = _random((3, 2), seed=3)
V3 = _vec(0.6, -0.8, 1.3)
V4 = _vec(0.5, -1.0, 0.25, 2.0)
B3 = _vec(0.1, -0.2, 0.3)
W1_43 = _random((4, 3), seed=4)
W2_24 = _random((2, 4), seed=5)
X63 = np.column_stack([np.ones(6), _random((6, 2), seed=6, low=-2.0, high=2.0)])
LABELS6 = _vec(1.0, 0.0, 1.0, 1.0, 0.0, 0.0)
TARGETS6 = _random(6, seed=7)
WEIGHTS3 = _vec(0.2, -0.5, 0.8)
X8 = _random(8, seed=8, low=0.0, high=2.0)
Y8 = 1.7 * X8 + _random(8, seed=9, low=-0.1, high=0.1)
X43 = _random((4, 3), seed=10)
W32 = _random((3, 2), seed=11)
Y42 = _random((4, 2), seed=12)
RETURNS = _random((12, 4), seed=13, low=-0.02, high=0.04)
PORTFOLIO4 = _vec(0.4, 0.3, 0.2, 0.1)
SAMPLES = 1.1 + 0.8 * np.random.default_rng(14).standard_normal(10)
COEFFS = _vec(1.0, -0.5, 0.25, 2.0, -1.5)
LOGITS5 = _vec(0.3, -1.1, 2.0, 0.5, -0.2)

# float32 data: their gradients must come back as float32
X_F32 = _random(6, seed=20, dtype=np.float32)
W_F32 = _random((3, 6), seed=21, dtype=np.float32)
V_F32 = _random(3, seed=22, dtype=np.float32)

# A module-level constant read by several functions (a global, not an argument)
G = 9.81

# ============================================================================================
# 1. Arithmetic operators and builtins
# ============================================================================================


@case(args=(1.3, 0.7), wrt=(0, 1))
def rational_polynomial(x, y):
    """A polynomial plus a rational term."""
    return 3.0 * x * x - 2.0 * x * y + y / x - 7.0


@case(args=(2.5, 3.1), wrt=(0, 1))
def kinetic_energy(m, v):
    """E = m v^2 / 2 (integer exponent)."""
    return 0.5 * m * v ** 2


@case(args=(12.0, 0.04), wrt=(0, 1))
def drag_power(v, c):
    """Power dissipated by a drag force c * v**1.5 (float exponent)."""
    return c * v ** 1.5 * v


@case(args=(1.7, 2.3), wrt=(0, 1))
def power_law(x, alpha):
    """A power law with an active exponent."""
    return x ** alpha / alpha


@case(args=(0.8,))
def exponential_growth(t):
    """Constant bases raised to an active power."""
    return 2.0 ** t + math.e ** (0.5 * t) - 10.0 ** (-t)


@case(args=(0.9, -1.4), wrt=(0, 1))
def unary_signs(x, y):
    """Unary minus and plus."""
    a = -x
    b = +y
    return a * b - (-(x - y)) ** 2 + -a


@case(args=(2.3,))
def fractional_part(x):
    """Split x into whole and fractional parts with floor division."""
    whole = x // 1.0
    frac = x - whole
    return frac ** 2 + whole * x


@case(args=(7.5,))
def wrapped_phase(theta):
    """Wrap an angle into [0, 2 pi) with % before using it."""
    phase = theta % (2.0 * math.pi)
    return math.sin(phase) * phase


@case(args=(7.3, 2.1), wrt=(0, 1))
def remainder_energy(x, m):
    """A remainder with an active divisor: d(x % m)/dm = -floor(x / m)."""
    r = x % m
    return r * r + m


@case(args=(1.0, 0.13), wrt=(0, 1))
def step_count_cost(T, dt):
    """Cover T with steps of dt: whole steps counted with //, the leftover paid quadratically."""
    n_steps = T // dt
    leftover = T - n_steps * dt
    return n_steps * dt ** 2 + leftover ** 2


@case(args=(A33, V3), wrt=(0, 1))
def quadratic_form(A, x):
    """x^T A x with the matrix-multiplication operator."""
    return x @ A @ x


@case(args=(0.3, 1.2), wrt=(0, 1))
def absolute_deviation(x, c):
    """Builtin abs of positive and negative active values."""
    return abs(x - c) + abs(c) * x + abs(-x * c)


@case(args=(0.4, 0.1, 0.9), wrt=(0, 1, 2), label="inside")
@case(args=(1.4, 0.1, 0.9), wrt=(0, 1, 2), label="above")
@case(args=(-0.3, 0.1, 0.9), wrt=(0, 1, 2), label="below")
def clipped_square(x, lo, hi):
    """Clip x to [lo, hi] with builtin min/max of two values."""
    y = min(max(x, lo), hi)
    return y * y + x


@case(args=(0.6, 0.41, 1.9), wrt=(0, 1, 2))
def extremes_of_three(a, b, c):
    """Builtin min/max of three values."""
    return max(a, 2.0 * b, c - 1.0) * min(a, b, c) + max(a * c, b)


@case(args=(1.2, 0.7), wrt=(0, 1))
def builtin_pow(x, y):
    """The pow builtin with integer, active and negative exponents."""
    return pow(x, 3) - pow(x, y) + pow(2.0, y) + pow(x, -1)


@case(args=(1.25, 3))
def float_conversion(x, n):
    """float() of an active value and of an integer."""
    scale = float(n)
    return float(x) * scale + float(x * x) / scale


@case(args=(1.5, 0.4), wrt=(0, 1))
def sum_of_terms(x, y):
    """Builtin sum of a list and of a tuple of active scalars."""
    terms = [x, y * x, 3.0]
    pair = (x * x, y)
    return sum(terms) * sum(pair) + sum([x, y * x, 3.0])


# ============================================================================================
# 2. Reading elements and slices
# ============================================================================================


@case(args=(X5,))
def endpoint_product(x):
    """Positive, negative and computed indices."""
    return x[0] * x[-1] + x[1] ** 2 - x[len(x) - 2]


@case(args=(X5,))
def roughness_penalty(x):
    """Sum of squared first differences, x[i + 1] - x[i], bounded by x.shape[0]."""
    total = 0.0
    for i in range(x.shape[0] - 1):
        total += (x[i + 1] - x[i]) ** 2
    return total + 0.1 * x[-1] ** 2


@case(args=(_vec(1.3, 0.7, 0.8, 1.9, 1.2),))
def rosenbrock(x):
    """The Rosenbrock valley as an explicit loop."""
    value = 0.0
    for i in range(x.shape[0] - 1):
        value += 100.0 * (x[i + 1] - x[i] * x[i]) ** 2 + (1.0 - x[i]) ** 2
    return value


@case(args=(SIGNAL8,))
def lagged_products(x):
    """Slices x[1:], x[:-1], x[1:4], x[2:][0]."""
    return np.sum(x[1:] * x[:-1]) + np.sum(x[1:4] ** 2) - x[2:][0]


@case(args=(_vec(0.5, 1.7, 1.1, 2.4, 0.9, 1.6), 2.0), wrt=(0, 1))
def spring_chain_energy(x, k):
    """Energy of a chain of unit-length springs between neighbouring masses."""
    stretch = x[1:] - x[:-1] - 1.0
    return 0.5 * k * np.sum(stretch ** 2) + 0.01 * np.sum(x * x)


@case(args=(A34,))
def column_and_row_reads(A):
    """A[:, 0], A[1, :], A[0, 1] and A[1:, 2:] on a 2-D array."""
    return np.sum(A[:, 0] ** 2) + np.sum(A[1, :]) * A[0, 1] + np.sum(A[1:, 2:])


@case(args=(0.7, 1.9), wrt=(0, 1))
def tuple_element_reads(x, y):
    """Reading back the elements of a tuple of active values."""
    t = (x, x * y, 2.0)
    return t[0] * t[1] + t[-1] * t[1]


@case(args=(A34, V4), wrt=(0, 1))
def row_dot_products(A, w):
    """Row reads A[i] on a 2-D array, bounded by A.shape[0]."""
    total = 0.0
    for i in range(A.shape[0]):
        total += np.dot(A[i], w) ** 2
    return total / len(w)


# ============================================================================================
# 3. Comparisons, boolean logic, conditional expressions
# ============================================================================================


@case(args=(0.3, 1.0), wrt=(0, 1), label="quadratic")
@case(args=(-2.0, 1.0), wrt=(0, 1), label="linear")
def huber(r, delta):
    """The Huber loss: quadratic near 0, linear further out."""
    if abs(r) <= delta:
        return 0.5 * r ** 2
    else:
        return delta * (abs(r) - 0.5 * delta)


@case(args=(0.35,), label="inside")
@case(args=(1.6,), label="outside")
def binary_entropy(p):
    """Entropy of a coin, guarded by a chained comparison 0 < p < 1."""
    if 0.0 < p < 1.0:
        return -p * math.log(p) - (1.0 - p) * math.log(1.0 - p)
    return (p - 1.0) ** 2


@case(args=(0.5, 0.0, 1.0), wrt=(0, 1, 2), label="inside")
@case(args=(1.3, 0.0, 1.0, True), wrt=(0, 1, 2), label="above_strict")
@case(args=(1.3, 0.0, 1.0), wrt=(0, 2), label="above")
@case(args=(-0.2, 0.0, 1.0), wrt=(0, 1), label="below")
def band_penalty(x, lo, hi, strict=False):
    """A penalty for leaving [lo, hi] and a log barrier inside: and / or / not."""
    outside = x < lo or x > hi
    if outside and not strict:
        if x < lo:
            return (lo - x) ** 2
        return (x - hi) ** 2
    elif not outside and (x - lo) > 0.1 and (hi - x) > 0.1:
        return -0.01 * math.log((x - lo) * (hi - x))
    return x * 1e-3


@case(args=(0.8,), label="positive")
@case(args=(-1.1,), label="negative")
def leaky_relu(x):
    """A conditional expression."""
    return x if x > 0.0 else 0.01 * x


@case(args=(1.2, 0.5), wrt=(0, 1), label="a_larger")
@case(args=(0.2, 0.5), wrt=(0, 1), label="b_larger")
def stable_logaddexp(a, b):
    """log(exp(a) + exp(b)) computed stably with conditional expressions."""
    hi = a if a > b else b
    lo = b if a > b else a
    return hi + math.log1p(math.exp(lo - hi))


@case(args=(30.0,), label="low")
@case(args=(65.0,), label="middle")
@case(args=(140.0,), label="top")
def average_tax_rate(income):
    """Progressive tax brackets with if / elif / else."""
    if income <= 40.0:
        tax = 0.1 * income
    elif income <= 100.0:
        tax = 4.0 + 0.25 * (income - 40.0)
    else:
        tax = 19.0 + 0.4 * (income - 100.0)
    return tax / income


@case(args=(-0.5,), label="negative")
@case(args=(0.5,), label="small")
@case(args=(3.0,), label="large")
def piecewise_response(x):
    """A smooth-ish response curve with several returns."""
    if x < 0.0:
        return math.exp(x) - 1.0
    elif x < 1.0:
        return x - x ** 3 / 3.0
    else:
        return 2.0 / 3.0 + math.log(x) * 0.5


# ============================================================================================
# 4. Assignment forms
# ============================================================================================


@case(args=(0.6,))
def chained_assignment(x):
    """a = b = expr binds both names to the same value."""
    a = b = x * 2.0
    a = a + 1.0
    return a * b


@case(args=(0.9, 1.7), wrt=(0, 1))
def augmented_assignment(x, y):
    """+=, -=, *=, /= on scalars."""
    s = x
    s += y * y
    s -= 0.5 * x
    s *= y
    s /= 1.0 + x
    return s


@case(args=(X5,))
def array_augmented_assignment(x):
    """Augmented assignment on a freshly computed (not argument) array."""
    z = x * 2.0
    z += 1.0
    z *= x
    z -= 0.5
    z /= 1.5 + x * x
    return np.sum(z)


@case(args=(0.4, 1.3), wrt=(0, 1))
def nested_unpacking(x, y):
    """Nested tuple unpacking on both sides."""
    a, (b, c) = x, (y, x * y)
    (p, q), r = (c, a), b
    return a * b + c ** 2 + p * q * r


@case(args=(0.3, 0.9, 6), wrt=(0, 1))
def damped_recurrence(x, y, n):
    """A two-term recurrence with simultaneous assignment, then a swap."""
    a, b = x, y
    for _ in range(n):
        a, b = b, a + 0.5 * b
    a, b = b, a
    return a - 0.3 * b


@case(args=(1.2, -0.4, 0.3), wrt=(0, 1, 2))
def rotate_point(x, y, angle):
    """Rotate a point, then swap the coordinates."""
    c, s = math.cos(angle), math.sin(angle)
    x, y = c * x - s * y, s * x + c * y
    x, y = y, x
    return x * 2.0 + y ** 2


# ============================================================================================
# 5. Loops and control flow
# ============================================================================================


@case(args=(1.0, 0.7, 0.05, 20), wrt=(0, 1, 2))
def euler_decay(y0, k, dt, steps):
    """Explicit Euler for dy/dt = -k y."""
    y = y0
    for _ in range(steps):
        y = y - dt * k * y
    return y


@case(args=(0.8, 1, 7))
def log1p_series(x, start, stop):
    """Partial sum of the series of log(1 + x) over range(start, stop)."""
    total = 0.0
    for i in range(start, stop):
        total += (-1) ** (i + 1) * x ** i / i
    return total


@case(args=(1.1,))
def every_third_power(x):
    """range(a, b, step) with a constant step."""
    total = 0.0
    for i in range(1, 11, 3):
        total += x ** i / math.factorial(i)
    return total


@case(args=(COEFFS, 0.7), wrt=(0, 1))
def horner(coeffs, x):
    """Evaluate a polynomial by Horner's rule, walking the coefficients backwards."""
    acc = 0.0
    for i in range(len(coeffs) - 1, -1, -1):
        acc = acc * x + coeffs[i]
    return acc


@case(args=(_vec(0.2, 0.1, 0.4, 0.3, 0.7, 0.5, 0.9), 0.8), wrt=(0, 1))
def discounted_return(rewards, gamma):
    """Discounted return computed backwards with a negative step of -2 over pairs."""
    g = 0.0
    for t in range(rewards.shape[0] - 1, 0, -2):
        g = rewards[t] + rewards[t - 1] * gamma + gamma ** 2 * g
    return g + rewards[0] * 0.5


@case(args=(100.0, 0.05, 10), wrt=(0, 1))
def compound_interest(principal, rate, years):
    """Yearly compounding; the loop bound is range(int(n)) of an integer argument."""
    balance = principal
    for _ in range(int(years)):
        balance = balance * (1.0 + rate)
    return balance


@case(args=(2.0, 0.13), wrt=(0, 1))
def steps_from_float(T, dt):
    """A loop count computed from active floats with int() (its derivative is zero)."""
    n = int(T / dt)
    x = 1.0
    for _ in range(n):
        x = x + dt * math.cos(x) * T
    return x


@case(args=(X5,))
def loop_over_array(x):
    """for v in x over a 1-D array."""
    total = 0.0
    for v in x:
        total += 0.5 * v * v + math.sin(v)
    return total


@case(args=(A34,))
def loop_over_rows(A):
    """for row in A over a 2-D array."""
    total = 0.0
    for row in A:
        total += np.sum(row ** 2) * row[0]
    return total


@case(args=(0.7, 1.3), wrt=(0, 1))
def loop_over_list(x, y):
    """for w in [...] over a list of active values."""
    total = 0.0
    for w in [x, y, x * y]:
        total += w ** 2
    return total


@case(args=(1.4,))
def loop_over_tuple(x):
    """for c in (...) over a tuple of constants."""
    total = 0.0
    for c in (0.5, 1.0, 2.5):
        total += c * x ** c
    return total


@case(args=(X5, W5), wrt=(0, 1))
def weighted_enumerate(x, w):
    """enumerate over an array, using the index to read a second array."""
    total = 0.0
    for i, v in enumerate(x):
        total += w[i] * v ** 2 * (i + 1)
    return total


@case(args=(X5, Y5), wrt=(0, 1))
def euclidean_distance(x, y):
    """zip over two arrays."""
    total = 0.0
    for a, b in zip(x, y):
        total += (a - b) ** 2
    return math.sqrt(total)


@case(args=(2.0,), label="two")
@case(args=(0.3,), label="small")
def newton_sqrt(a):
    """Newton's iteration for sqrt(a) until the residual is tiny (data-dependent while)."""
    g = a if a > 1.0 else 1.0
    while abs(g * g - a) > 1e-12:
        g = 0.5 * (g + a / g)
    return g


@case(args=(1.1, 0.3), wrt=(0, 1))
def kepler_eccentric_anomaly(M, e):
    """Solve Kepler's equation E - e sin E = M by Newton's method."""
    E = M
    residual = E - e * math.sin(E) - M
    while abs(residual) > 1e-13:
        E = E - residual / (1.0 - e * math.cos(E))
        residual = E - e * math.sin(E) - M
    return E


@case(args=(0.8, 1.0, 0.13), wrt=(0, 2))
def decay_until(k, T, dt):
    """March in time with while t < T (8 steps for these inputs)."""
    t = 0.0
    y = 1.0
    while t < T:
        y += -k * y * dt
        t += dt
    return y


@case(args=(_vec(0.5, 0.9, 1.1, 0.7, 1.3), 2.0))
def cumulative_until(x, threshold):
    """Accumulate until a threshold is crossed, then break."""
    total = 0.0
    for v in x:
        total += v * v
        if total > threshold:
            break
    return total


@case(args=(X5,))
def skip_negative(x):
    """continue past negative entries."""
    total = 0.0
    for v in x:
        if v < 0.0:
            continue
        total += math.log1p(v)
    return total


@case(args=(0.9, 10), label="returns_in_loop")
@case(args=(0.15, 10), label="runs_out")
def first_passage(x, n):
    """return from inside a loop, or after it."""
    s = 0.0
    for i in range(n):
        s = s + x * (i + 1) * 0.1
        if s > 1.0:
            return s * x
    return -s


@case(args=(A44,))
def lower_triangle_sum(A):
    """Nested loops where the inner one breaks."""
    total = 0.0
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            if j > i:
                break
            total += A[i, j] * (i + j + 1)
    return total


@case(args=(1.3,))
def fixed_iterations_while_true(x):
    """while True with a counter and a break."""
    k = 0
    y = x
    while True:
        y = 0.5 * y + 0.1 * math.sin(y) + 0.2 * x
        k += 1
        if k >= 5:
            break
    return y * k


@case(args=(X5,))
def index_while(x):
    """A while loop over indices."""
    i = 0
    total = 0.0
    while i < x.shape[0]:
        total += x[i] * math.cos(x[i])
        i += 1
    return total


@case(args=(A34, 0.5), wrt=(0, 1))
def thresholded_row_energy(A, alpha):
    """Deep nesting: for / if / for / if-elif-else with continue."""
    total = 0.0
    for i in range(A.shape[0]):
        row = A[i]
        if np.sum(row) > 0.0:
            for j in range(row.shape[0]):
                if row[j] > alpha:
                    total += (row[j] - alpha) ** 2
                elif row[j] < -alpha:
                    total += alpha * row[j] ** 2
                else:
                    continue
        else:
            total -= alpha * np.sum(row * row)
    return total


@case(args=(_vec(0.9, 1.4, 0.3, 2.2, 1.8, 0.6), 1.5), wrt=(0, 1))
def search_then_score(x, level):
    """Find the first entry above a level (for + break), then score it in a second loop."""
    first = -1
    for i in range(x.shape[0]):
        if x[i] > level:
            first = i
            break
    score = 0.0
    for j in range(first + 1):
        score += (x[j] - level) ** 2
    return score + first * level


# ============================================================================================
# 6. pass, assert, print
# ============================================================================================


@case(args=(1.7, False))
def checked_log_barrier(x, verbose):
    """assert, pass and print statements, which leave the derivative alone."""
    assert x > 0.0, "barrier needs a positive argument"
    if verbose:
        print("x =", x)
    else:
        pass
    print(end="")
    value = -math.log(x) + x
    assert value > 0.0
    return value


@case(args=(X5, 3))
def logged_accumulation(x, every):
    """print and assert inside a loop."""
    total = 0.0
    for i in range(x.shape[0]):
        assert i < x.shape[0]
        total += math.tanh(x[i])
        if i % every == 0:
            print(end="")
    return total


# ============================================================================================
# 7. The math module
# ============================================================================================


@case(args=(0.7,))
def trig_mix(x):
    """sin, cos, tan."""
    return math.sin(x) * math.cos(2.0 * x) + math.tan(x / 2.0)


@case(args=(0.35,))
def inverse_trig(x):
    """asin, acos, atan."""
    return math.asin(x) + 2.0 * math.acos(x) + math.atan(3.0 * x)


@case(args=(1.2, -0.7), wrt=(0, 1))
def polar_coordinates(x, y):
    """hypot and atan2."""
    r = math.hypot(x, y)
    theta = math.atan2(y, x)
    return r * math.cos(theta / 2.0) + theta


@case(args=(0.6,))
def hyperbolic_mix(x):
    """sinh, cosh, tanh."""
    return math.sinh(x) * math.cosh(0.5 * x) - math.tanh(2.0 * x)


@case(args=(0.6, 1.7), wrt=(0, 1))
def inverse_hyperbolic(x, y):
    """asinh, acosh, atanh."""
    return math.asinh(x) + math.acosh(y) * x + math.atanh(x / 2.0)


@case(args=(0.45,))
def exp_log_family(x):
    """exp, expm1, log (one and two arguments), log2, log10, log1p."""
    return (math.exp(x) + math.expm1(-x) + math.log(x) + math.log(x, 3.0)
            + math.log2(1.0 + x) + math.log10(2.0 * x) + math.log1p(x * x))


@case(args=(5.0, 2.5), wrt=(0, 1))
def log_with_active_base(x, b):
    """math.log(x, b) with an active base."""
    return math.log(x, b) * b


@case(args=(2.2, 1.3), wrt=(0, 1))
def roots_and_powers(x, y):
    """math.sqrt and math.pow."""
    return math.sqrt(x) * math.pow(x, y) + math.pow(y, 2)


@case(args=(-0.7, 30.0), wrt=(0, 1))
def angle_units(x, deg):
    """fabs, radians, degrees."""
    return math.fabs(x) * math.sin(math.radians(deg)) + math.degrees(x) / 100.0


def _normal_cdf(z):
    """Standard normal CDF through math.erf."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


@case(args=(100.0, 95.0, 0.03, 0.25, 1.5), wrt=(0, 3), label="delta_vega")
@case(args=(100.0, 95.0, 0.03, 0.25, 1.5), wrt="sigma", label="vega_by_name")
@case(args=(100.0, 95.0, 0.03, 0.25, 1.5), wrt=(2, 4), label="rho_theta")
def black_scholes_call(S, K, r, sigma, T):
    """Black-Scholes price of a European call."""
    d1 = (math.log(S / K) + (r + 0.5 * sigma ** 2) * T) / (sigma * math.sqrt(T))
    d2 = d1 - sigma * math.sqrt(T)
    return S * _normal_cdf(d1) - K * math.exp(-r * T) * _normal_cdf(d2)


@case(args=(0.8, 1.3), wrt=(0, 1))
def gaussian_tail_probability(x, scale):
    """P(X > x) for X ~ N(0, scale^2), through math.erfc."""
    return 0.5 * math.erfc(x / (scale * math.sqrt(2.0)))


@case(args=(1.5, 20.0), wrt=(0, 1))
def pendulum_period(length, amplitude_deg):
    """Pendulum period with finite-amplitude corrections; reads the module global G."""
    theta0 = math.radians(amplitude_deg)
    base = 2.0 * math.pi * math.sqrt(length / G)
    return base * (1.0 + theta0 ** 2 / 16.0 + 11.0 * theta0 ** 4 / 3072.0)


# ============================================================================================
# 8. NumPy
# ============================================================================================


@case(args=(X5,))
def np_trig_sum(x):
    """np.sin, np.cos, np.tan, np.sum."""
    return np.sum(np.sin(x) * np.cos(x) + np.tan(x / 4.0))


@case(args=(POSITIVE5,))
def np_exp_log_sqrt(x):
    """np.exp, np.log, np.sqrt."""
    return np.sum(np.exp(-x) + np.log(x) * np.sqrt(x))


@case(args=(X5,))
def np_mean_tanh(x):
    """np.tanh and np.mean."""
    return np.mean(np.tanh(2.0 * x)) + np.mean(x) ** 2


@case(args=(X5, Y5), wrt=(0, 1))
def dot_1d(x, y):
    """np.dot of two vectors."""
    return np.dot(x, y) ** 2 + np.dot(x, x)


@case(args=(A34, V4, B3), wrt=(0, 1))
def least_squares_residual(A, x, b):
    """np.dot of a matrix and a vector."""
    r = np.dot(A, x) - b
    return np.dot(r, r)


@case(args=(A23, B32), wrt=(0, 1))
def matrix_product_energy(A, B):
    """np.dot of two matrices."""
    C = np.dot(A, B)
    return np.sum(C * C) + np.sum(np.dot(B, A))


@case(args=(W1_43, W2_24, V3), wrt=(0, 1, 2))
def two_layer_network(W1, W2, x):
    """A tiny tanh network written with @."""
    h = np.tanh(W1 @ x)
    out = W2 @ h
    return np.sum(out ** 2)


@case(args=(0.7, X8, Y8))
def scalar_fit_loss(a, X, y):
    """Broadcasting a scalar parameter against array data; the gradient is a float."""
    return np.sum((a * X - y) ** 2)


@case(args=(0.4, -0.3, X5), wrt=(0, 1))
def affine_exp_mean(a, b, x):
    """Scalar parameters broadcast over an array inside np.exp."""
    return np.mean(np.exp(a * x + b))


@case(args=(WEIGHTS3, X63, LABELS6))
def logistic_regression_loss(w, X, y):
    """Cross-entropy of a logistic regression model."""
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))


@case(args=(WEIGHTS3, X63, TARGETS6, 0.1), wrt=(0, 3))
def ridge_loss(w, X, y, lam):
    """Least squares with an L2 penalty."""
    r = X @ w - y
    return np.dot(r, r) / len(y) + lam * np.dot(w, w)


@case(args=(LOGITS5, 2))
def softmax_cross_entropy(z, label):
    """Cross-entropy of a softmax, read at an integer label."""
    shifted = z - np.mean(z)
    return np.log(np.sum(np.exp(shifted))) - shifted[label]


@case(args=(W32, X43, Y42))
def multi_output_mse(W, X, Y):
    """Mean squared error of a linear map between 2-D arrays."""
    return np.mean((X @ W - Y) ** 2)


@case(args=(PORTFOLIO4, RETURNS))
def sharpe_ratio(w, R):
    """Mean over standard deviation of a portfolio's returns."""
    portfolio = R @ w
    mean = np.mean(portfolio)
    var = np.mean((portfolio - mean) ** 2)
    return mean / np.sqrt(var)


@case(args=(1.2, 0.8, SAMPLES), wrt=(0, 1))
def gaussian_negative_log_likelihood(mu, sigma, data):
    """Negative log-likelihood of normal samples; mixes math and numpy."""
    n = data.shape[0]
    return n * math.log(sigma) + np.sum((data - mu) ** 2) / (2.0 * sigma ** 2)


@case(args=(W_F32, X_F32), wrt=(0, 1))
def float32_layer(W, x):
    """A float32 layer; gradients must stay float32."""
    return np.sum(np.tanh(W @ x))


@case(args=(X_F32,))
def float32_energy(x):
    """float32 elementwise energy."""
    return 0.5 * np.sum(x * x) + np.sum(np.sin(x))


@case(args=(1.5, V_F32), wrt=1)
def float32_log_penalty(a, x):
    """A Python float times float32 data stays float32."""
    return np.mean(np.log(1.0 + a * x * x))


# ============================================================================================
# 9. Calling the user's own functions
# ============================================================================================


def _cube(t):
    return t * t * t


def _smooth_step(t):
    return _cube(t) / (1.0 + t * t)


def _activation(t, gain):
    return gain * _smooth_step(t) + math.sin(_cube(t))


@case(args=(0.7,))
def helper_chain(x):
    """Module-level helpers calling helpers, three levels deep."""
    return _activation(x, 2.0) + _smooth_step(0.5 * x)


@case(args=(0.4,))
def imported_module_helpers(x):
    """Helpers called as attributes of an imported module, with keyword arguments."""
    return (corpus_helpers.sigmoid(3.0 * x) + corpus_helpers.softplus(x, beta=2.0)
            + corpus_helpers.scaled_tanh(x, scale=3.0))


@case(args=(100.0, 0.04, 5), wrt=(0, 1))
def annuity(payment, rate, years):
    """An imported helper that loops and calls another helper of its module."""
    return annuity_value(payment, rate, years)


@case(args=(1.3, 12.0, 0.2), wrt=(0, 1, 2))
def spring_and_gravity(x, k, m):
    """Imported helpers, one reading its own module's global."""
    return 0.5 * spring_force(x, k, rest_length=0.8) ** 2 / k + potential_energy(m, x)


@case(args=(WEIGHTS3, X63))
def imported_numpy_helper(w, X):
    """An imported helper working on arrays."""
    return np.mean(np_sigmoid(X @ w))


@case(args=(0.9,))
def nested_def(x):
    """Nested functions, one with a default argument, calling each other."""
    def square(t):
        return t * t

    def shifted(t, c=1.0):
        return square(t - c)

    return square(x) + shifted(2.0 * x) + shifted(x, c=0.5)


@case(args=(0.6, 1.4), wrt=(0, 1))
def lambda_call(x, y):
    """A lambda assigned to a name, closing over an argument."""
    f = lambda t: t * y + math.sin(t)  # noqa: E731
    return f(x) * f(y)


@case(args=(1.3,))
def closure_over_active(x):
    """A nested function reading an active variable of the enclosing function."""
    def h(t):
        return t * x

    return h(x) + x


@case(args=(0.5, 1.5), wrt=(0, 1))
def closure_two_levels(x, y):
    """Closures two levels deep over active locals and arguments."""
    scale = x * y

    def outer(t):
        def inner(s):
            return s * scale + t

        return inner(t) * x

    return outer(y) + outer(x)


def _shifted_square(x, scale=1.0, shift=0.0):
    return scale * (x - shift) ** 2


@case(args=(0.8,))
def keyword_arguments(x):
    """Calls with keyword arguments, in and out of order."""
    return _shifted_square(x, scale=3.0, shift=0.5) + _shifted_square(shift=x, x=2.0)


@case(args=(0.8,), label="default")
@case(args=(0.8, 0.3), wrt=(0, 1), label="explicit")
def default_argument(x, scale=2.0):
    """A default argument, used or overridden."""
    return scale * x ** 2 + math.exp(-scale * x)


@case(args=(1.1,), kwargs={"k": 0.7}, wrt="k", label="wrt_k")
@case(args=(1.1,), kwargs={"k": 0.7, "steps": 6}, wrt=("x", "k"), label="wrt_both")
@case(args=(1.1,), wrt=0, label="defaults")
def keyword_only(x, *, k=1.5, steps=4):
    """Keyword-only parameters, differentiated by name."""
    y = x
    for _ in range(steps):
        y = y - 0.1 * k * y ** 2
    return y


def _power(x, n):
    return 1.0 if n == 0 else x * _power(x, n - 1)


@case(args=(1.3, 5))
def recursive_power(x, n):
    """A recursive helper."""
    return _power(x, n) + _power(x, 2)


def _continued_fraction(x, depth):
    if depth == 0:
        return 1.0
    return 1.0 / (1.0 + x * _continued_fraction(x, depth - 1))


@case(args=(0.7, 6))
def continued_fraction(x, depth):
    """A recursive helper with an early return."""
    return _continued_fraction(x, depth)


@case(args=(1.3, 4))
def sine_tower(x, n):
    """A corpus function that calls itself."""
    if n <= 0:
        return x
    return math.sin(sine_tower(x, n - 1)) + x


# ============================================================================================
# 10. Integers, flags, constants; wrt by name and as tuples; larger "real" programs
# ============================================================================================


@case(args=(X5, 2))
def alternating_features(x, stride):
    """Integer counters and boolean flags flow through untouched."""
    count = 0
    use_square = True
    total = 0.0
    for i in range(0, x.shape[0], stride):
        if use_square:
            total += x[i] ** 2
        else:
            total += x[i]
        use_square = not use_square
        count += 1
    return total / count


@case(args=(0.9, X8, 2.0))
def constant_arguments(x, data, scale):
    """Arguments that are not differentiated (data, scale)."""
    return np.sum(np.sin(x * data)) * scale


@case(args=(0.1, 0.6, 0.1, 30), wrt="r")
def logistic_growth(x0, r, dt, steps, capacity=1.0):
    """Euler steps of logistic growth, differentiated by parameter name."""
    x = x0
    for _ in range(steps):
        x = x + dt * r * x * (1.0 - x / capacity)
    return x


@case(args=(1.0, 0.0, 2.0, 0.05, 40), wrt="omega", label="wrt_omega")
@case(args=(1.0, 0.0, 2.0, 0.05, 40), wrt=(0, 1, 2), label="wrt_state")
def harmonic_rk4(x0, v0, omega, dt, steps):
    """Classical RK4 for a harmonic oscillator."""
    x, v = x0, v0
    w2 = omega ** 2
    for _ in range(steps):
        k1x, k1v = v, -w2 * x
        k2x, k2v = v + 0.5 * dt * k1v, -w2 * (x + 0.5 * dt * k1x)
        k3x, k3v = v + 0.5 * dt * k2v, -w2 * (x + 0.5 * dt * k2x)
        k4x, k4v = v + dt * k3v, -w2 * (x + dt * k3x)
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        v = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return 0.5 * v ** 2 + 0.5 * w2 * x ** 2 + x


@case(args=(20.0, 0.7, 0.02), wrt=(0, 1, 2))
def projectile_range(speed, angle, drag):
    """Fly a projectile with quadratic drag until it lands (data-dependent while)."""
    dt = 0.01
    x, y = 0.0, 0.0
    vx, vy = speed * math.cos(angle), speed * math.sin(angle)
    while y >= 0.0:
        v = math.sqrt(vx * vx + vy * vy)
        ax, ay = -drag * v * vx, -G - drag * v * vy
        x, y = x + dt * vx, y + dt * vy
        vx, vy = vx + dt * ax, vy + dt * ay
    return x


@case(args=(100.0, 0.2, 0.01, 1.0, 8), wrt=(0, 1, 2))
def binomial_call(S0, sigma, r, T, steps, strike=105.0):
    """A European call priced on a binomial tree (max(payoff, 0) per leaf)."""
    dt = T / steps
    u = math.exp(sigma * math.sqrt(dt))
    d = 1.0 / u
    p = (math.exp(r * dt) - d) / (u - d)
    price = 0.0
    for k in range(steps + 1):
        ST = S0 * u ** k * d ** (steps - k)
        payoff = max(ST - strike, 0.0)
        price += math.comb(steps, k) * p ** k * (1.0 - p) ** (steps - k) * payoff
    return math.exp(-r * T) * price


@case(args=(0.05, 0.047, 10), wrt=(0, 1))
def bond_price(coupon_rate, ytm, years, face=100.0):
    """A coupon bond priced with an imported present-value helper."""
    price = 0.0
    for t in range(1, years + 1):
        price += corpus_helpers.present_value(coupon_rate * face, ytm, t)
    price += corpus_helpers.present_value(face, ytm, years)
    return price


@case(args=(0.1, 3.0, 1.0, 15), wrt=(0, 1, 2))
def unrolled_gradient_descent(lr, x0, target, steps):
    """Differentiate through an optimizer: the final loss w.r.t. the learning rate."""
    x = x0
    for _ in range(steps):
        grad = 2.0 * (x - target) + 0.3 * math.cos(x)
        x = x - lr * grad
    return (x - target) ** 2 + 0.3 * math.sin(x)


@case(args=(0.1, 1.1, 0.01, 60), wrt=(0, 1))
def leapfrog_orbit(vx, vy, dt, steps):
    """Kick-drift-kick leapfrog for a body around a unit mass at the origin."""
    x, y = 1.0, 0.0
    r3 = math.hypot(x, y) ** 3
    ax, ay = -x / r3, -y / r3
    for _ in range(steps):
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
        x += dt * vx
        y += dt * vy
        r3 = math.hypot(x, y) ** 3
        ax, ay = -x / r3, -y / r3
        vx += 0.5 * dt * ax
        vy += 0.5 * dt * ay
    return math.hypot(x, y) + 0.5 * (vx * vx + vy * vy)


@case(args=(1.1, 0.4, 10.0, 5.0, 0.01, 100), wrt=(0, 1, 2))
def lotka_volterra(alpha, beta, prey0, predators0, dt, steps, delta=0.1, gamma=0.4):
    """Predator-prey dynamics, both populations updated at once."""
    x, y = prey0, predators0
    for _ in range(steps):
        x, y = x + dt * (alpha * x - beta * x * y), y + dt * (delta * x * y - gamma * y)
    return x / y


@case(args=(0.3, 0.1, 120), wrt=(0, 1))
def epidemic_peak(beta, gamma, steps):
    """The peak infected fraction of an SIR model, tracked with builtin max."""
    s, i, r = 0.99, 0.01, 0.0
    peak = i
    for _ in range(steps):
        new_infections = beta * s * i
        recoveries = gamma * i
        s, i, r = s - new_infections, i + new_infections - recoveries, r + recoveries
        peak = max(peak, i)
    return peak + 0.1 * r


@case(args=(SIGNAL8, 0.3), wrt=(0, 1))
def exponential_moving_average(x, alpha):
    """An EMA filter over x[1:] seeded with x[0]."""
    ema = x[0]
    for v in x[1:]:
        ema = alpha * v + (1.0 - alpha) * ema
    return ema


@case(args=(0.5, 1.5, 0.2, 3.0), wrt=(0, 1, 2, 3))
def van_der_pol_energy(x0, v0, mu, T):
    """Van der Pol oscillator, semi-implicit Euler to time T with a fixed step count."""
    n = 50
    dt = T / n
    x, v = x0, v0
    for _ in range(n):
        v = v + dt * (mu * (1.0 - x * x) * v - x)
        x = x + dt * v
    return x * x + v * v


@case(args=(_vec(0.1, 0.25, 0.6, 0.9), _vec(1.0, 2.5, 1.5, 3.0)), wrt=(0, 1))
def trapezoid_work(positions, forces):
    """Work done by a force sampled at positions (trapezoid rule with a loop)."""
    work = 0.0
    for i in range(1, positions.shape[0]):
        width = positions[i] - positions[i - 1]
        work += 0.5 * width * (forces[i] + forces[i - 1])
    return work


@case(args=(X5, 1.0), wrt=(0, 1))
def smooth_l1_total(x, beta):
    """Smooth L1 (per element, branchy) summed over an array."""
    total = 0.0
    for v in x:
        a = abs(v)
        total += 0.5 * a * a / beta if a < beta else a - 0.5 * beta
    return total


@case(args=(0.05, 0.8, 0.02, 25), wrt=(0, 1))
def gradient_flow_on_circle(theta0, strength, dt, steps):
    """A physics step loop where a helper defined inside uses math functions."""
    def torque(theta):
        return -strength * math.sin(theta) - 0.1 * math.atan(theta)

    theta, omega = theta0, 0.0
    for _ in range(steps):
        omega = omega + dt * torque(theta)
        theta = theta + dt * omega
    return math.cos(theta) + omega ** 2


@case(args=(0.02, 0.05, 12, 100.0), wrt=(0, 1), label="amortizing")
@case(args=(0.02, 0.12, 12, 100.0), wrt=(0, 1, 3), label="paid_off")
def loan_balance(rate, payment_frac, months, principal):
    """Monthly loan amortization with an early payoff check."""
    balance = principal
    payment = payment_frac * principal
    for month in range(months):
        interest = balance * rate
        balance = balance + interest - payment
        if balance < 0.0:
            return -balance * 0.5 - month
    return balance


@case(args=(_vec(1.0, 0.5, 0.8, 0.3), _vec(1.0, 0.7), 120, 0.01))
def lotka_volterra_trajectory(params, y0, steps, dt):
    """Predator-prey Euler steps; the prey trajectory is kept in a list, then an array."""
    a, b, c, d = params[0], params[1], params[2], params[3]
    prey, pred = y0[0], y0[1]
    traj = []
    for _ in range(steps):
        dprey = a * prey - b * prey * pred
        dpred = d * prey * pred - c * pred
        prey = prey + dt * dprey
        pred = pred + dt * dpred
        traj.append(prey)
    return np.sum(np.array(traj) ** 2) / steps


@case(args=(_vec(0.2, -1.0, 1.5, 0.1, -0.2), _random(40, seed=11, low=-2.5, high=2.5)))
def gaussian_mixture_nll(theta, data):
    """Negative log-likelihood of a two-component mixture, unconstrained parameters."""
    w = 1.0 / (1.0 + np.exp(-theta[0]))
    mu1, mu2 = theta[1], theta[2]
    s1, s2 = np.exp(theta[3]), np.exp(theta[4])
    p1 = w * np.exp(-0.5 * ((data - mu1) / s1) ** 2) / (s1 * np.sqrt(2 * np.pi))
    p2 = (1 - w) * np.exp(-0.5 * ((data - mu2) / s2) ** 2) / (s2 * np.sqrt(2 * np.pi))
    return -np.sum(np.log(p1 + p2))


@case(args=(0.2, np.sin(np.linspace(0.0, np.pi, 12)), 40))
def heat_rod_diffusivity(kappa, u0, nsteps):
    """Explicit heat equation with Dirichlet ends written in place, differentiated in the
    diffusivity."""
    u = np.copy(u0)
    for _ in range(nsteps):
        lap = np.zeros_like(u)
        lap[1:-1] = u[2:] - 2.0 * u[1:-1] + u[:-2]
        u = u + kappa * lap
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u * np.linspace(0, 1, u.shape[0]))


@case(args=(_random((4, 3), seed=12), _random((10, 4), seed=13),
            np.array([0, 2, 1, 1, 0, 2, 2, 1, 0, 1])))
def linear_softmax_nll(W, X, labels):
    """Stable log-softmax of a linear model and the mean negative log-likelihood of the
    labels, picked with fancy indexing."""
    logits = X @ W
    m = np.max(logits, axis=1, keepdims=True)
    z = logits - m
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), labels])


assert len({c.name for c in CASES}) == len(CASES)
