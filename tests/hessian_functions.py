"""Functions whose Jacobians and Hessians tests/test_jacobian_hessian.py checks.

They live in a file of their own because tangent_like reads the source of the functions it
differentiates: each must be a module-level function defined in a file.
"""
import math

import numpy as np

# Fixed (non-differentiated) data, read as globals.
W_SQUARE = np.array([[0.7, -0.2, 0.4, 0.1],
                     [0.3, 0.9, -0.5, 0.2],
                     [-0.6, 0.1, 0.8, -0.3],
                     [0.2, -0.4, 0.1, 1.1]])
W_TALL = np.array([[0.5, -1.2, 0.3],
                   [0.8, 0.1, -0.7],
                   [-0.4, 0.6, 0.9],
                   [1.1, -0.3, 0.2],
                   [0.05, 0.7, -0.8],
                   [-0.9, 0.4, 0.6]])
W_WIDE = np.array([[0.3, -0.5, 0.8, 0.1, -0.2, 0.6],
                   [-0.7, 0.2, 0.4, 0.9, 0.5, -0.1]])
MLP_X = np.array([[0.2, -0.5, 0.9],
                  [1.1, 0.3, -0.4],
                  [-0.7, 0.8, 0.1],
                  [0.4, 0.6, 0.5],
                  [-0.3, -0.9, 0.7]])          # 5 samples, 3 features
MLP_V = np.array([[0.5, -1.3],
                  [0.8, 0.2],
                  [-0.6, 0.9],
                  [1.2, -0.4],
                  [0.3, 0.7]])                 # (5, 2)
MLP_Y = np.array([0.1, -0.2])
MLP_V_HIDDEN = np.array([0.9, -1.1, 0.4, 0.6])  # 4 hidden units -> 1 output
MLP_Y_SAMPLES = np.array([0.3, -0.2, 0.1, 0.5, -0.4])


# ----------------------------------------------------------------------------- Jacobians
# Square: n inputs -> n outputs.

def sq_sin_times_reversed(x):
    """Elementwise sin times the reversed vector (a negative-step slice)."""
    return np.sin(x) * x[::-1]


def sq_matvec_tanh(x):
    """A matrix-vector product with a fixed matrix after a nonlinearity."""
    return W_SQUARE @ np.tanh(x) + 0.5 * x * x


def sq_loop_scalar_broadcast(x):
    """A loop builds a scalar, which broadcasts against the array output."""
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * math.cos(0.3 * i) + 0.1 * x[i] ** 2
    return np.exp(0.2 * x) * s + x[0] * x


def sq_shifted_products(x):
    """Neighbour products from shifted slices, glued by arithmetic (no array writes)."""
    return x * np.sqrt(1.0 + x * x) + np.sum(x[1:] * x[:-1]) - np.log(2.0 + np.cos(x))


# Tall: fewer inputs than outputs.

def tall_scalar_times_arange(x):
    """Two inputs, six outputs: the example of the specification."""
    return x[0] * np.arange(1.0, 7.0) + np.cos(x[1])


def tall_matvec(x):
    """Three inputs, six outputs."""
    return W_TALL @ np.tanh(x) + np.sum(x * x)


def tall_outer(x):
    """A matrix output: shape (3, 2) from 2 inputs -- Jacobian of shape (3, 2, 2)."""
    col = np.sin(x[0] * np.array([[1.0], [2.0], [3.0]]))
    return col * x + np.exp(x[1]) * np.ones((3, 2))


def tall_from_float(t):
    """A Python float in, an array out."""
    grid = np.linspace(0.0, 1.0, 5)
    return np.sin(t * grid) + t * t * grid + math.exp(0.5 * t)


# Wide: more inputs than outputs.

def wide_matvec(x):
    """Six inputs, two outputs."""
    return W_WIDE @ np.sin(x) + x[:2] * x[4:]


def wide_slices(x):
    """Six inputs, three outputs from slices and a loop-built scalar."""
    s = 1.0
    for i in range(x.shape[0]):
        s = s * (1.0 + 0.1 * x[i])
    return x[:3] * x[3:] + s * np.array([1.0, -1.0, 0.5])


def wide_matrix_in(A):
    """A (3, 4) matrix in, a vector of 2 out: Jacobian of shape (2, 3, 4)."""
    rows = np.tanh(A) @ np.array([1.0, -0.5, 0.25, 2.0])
    return rows[:2] * rows[1:] + A[0, 0] * A[2, 3]


# Two differentiated arguments.

def two_args(x, y):
    """x of size 3 and y of size 2, output of size 4."""
    a = x[:2] * y + np.sin(x[2])
    b = np.exp(y) * np.sum(x)
    return a_b(a, b)


def a_b(a, b):
    """Glue two 2-vectors into one 4-vector with arithmetic only (no array writes)."""
    e1 = np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]])
    e2 = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    return a @ e1 + b @ e2


# Scalar output: the Jacobian is the gradient.

def scalar_out(x):
    return np.sum(np.sin(x) * x) + x[0] * x[2]


# ----------------------------------------------------------------------------- Hessians

def poly_float(x):
    """A polynomial in a Python float."""
    return 3.0 * x ** 5 - 2.0 * x ** 3 + x * x - 7.0 * x + 1.5


def rosen_loop(x):
    """Rosenbrock with a Python loop."""
    s = 0.0
    for i in range(x.shape[0] - 1):
        s = s + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return s


def rosen_vec(x):
    """Rosenbrock, vectorized with slices."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def branches(x):
    """if/elif/else on data; the test points stay away from the thresholds."""
    s = 0.0
    for i in range(x.shape[0]):
        xi = x[i]
        if xi > 1.0:
            s = s + xi ** 3 * x[0]
        elif xi > -0.5:
            s = s + np.sin(xi) * xi * x[-1]
        else:
            s = s + np.exp(xi * x[1])
    return s


def halving_while(x):
    """A while loop run a fixed number of times (data-independent counter), halving its step."""
    y = x
    step = 1.0
    k = 0
    while k < 4:
        y = y + step * (0.25 * y * y + 0.1 * np.sin(y) - 0.5 * y)
        step = step * 0.5
        k = k + 1
    return np.sum(y * y) + y[0] * y[-1]


def newton_sqrt(a):
    """sqrt by Newton iterations, stopped by a data-dependent while test; sum(a**1.5) * a0."""
    total = 0.0
    for i in range(a.shape[0]):
        ai = a[i]
        r = 0.5 * (ai + 1.0)
        err = 1.0
        while err > 1e-13:
            r_new = 0.5 * (r + ai / r)
            err = abs(r_new - r)
            r = r_new
        total = total + r * ai * a[0]
    return total


def with_data(x, c, scale=2.0):
    """Extra non-differentiated arguments: a data array and a keyword with a default."""
    return scale * np.sum(np.sin(c * x) * x) + np.dot(x, c) ** 2


def _helper_energy(u, c):
    return c * u * u + np.cos(u)


def calls_helper(x):
    """Calls a module-level helper."""
    return np.sum(_helper_energy(x, 0.7)) + _helper_energy(x[0] * x[1], 1.3)


def closure(x):
    """A nested def reading a differentiated value of the enclosing function."""
    scale = np.sum(x * x)

    def inner(t):
        return np.tanh(scale * t) + t ** 3

    return np.sum(inner(x)) * x[1] + inner(x[2])


def _rec_power(x, n):
    if n == 0:
        return 1.0
    return x * _rec_power(x, n - 1) + 0.1 * np.sin(x)


def recursion(x):
    """Recursion on an integer argument."""
    return np.sum(_rec_power(x, 4)) + _rec_power(x[0] * x[1], 3)


def mlp_loss(w):
    """The loss of the specification, w a vector: np.mean((tanh(X @ w) @ V - y) ** 2)."""
    return np.mean((np.tanh(MLP_X @ w) @ MLP_V - MLP_Y) ** 2)


def mlp_matrix(W):
    """One hidden layer, W a (3, 4) matrix of weights: a Hessian of shape (3, 4, 3, 4)."""
    return np.mean((np.tanh(MLP_X @ W) @ MLP_V_HIDDEN - MLP_Y_SAMPLES) ** 2)


def logsumexp(x):
    """logsumexp with np.exp/np.log/np.sum, shifted by a constant for stability."""
    return np.log(np.sum(np.exp(x - 1.0))) + 1.0


def math_calls(x):
    """A function of a Python float using math.*."""
    return (math.sin(x) * math.exp(0.3 * x) + math.log(1.0 + x * x)
            + math.sqrt(2.0 + math.cos(x)) + math.atan(x) * math.tanh(x))


def math_on_elements(x):
    """math.* applied to elements of an array."""
    return math.hypot(x[0], x[1]) * math.erf(x[2]) + math.atan2(x[1], x[2]) * math.cosh(x[0])


def early_return(x):
    """A return inside a loop, taken on a data-dependent test."""
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * x[i] * (i + 1.0) + np.sin(x[i]) * s
        if s > 4.0:
            return s * x[0]
    return s - x[-1]


def _two_values(a, b):
    return a * b + np.sin(a), a - b * b


def unpacking(x):
    """Tuple unpacking of a helper returning two values, and a swap."""
    p, q = _two_values(x[0], x[1])
    q, p = p, q
    r, s = _two_values(p, x[2])
    return r * q + s ** 2 + p * np.exp(0.1 * x[2])


def matrix_arg(A):
    """A Hessian w.r.t. a matrix: shape (2, 3, 2, 3)."""
    return np.sum(np.tanh(A @ np.array([0.5, -1.0, 2.0])) ** 2) + np.sum(A * A * A) * A[1, 2]


def lambda_and_loop(x):
    """A lambda called in a loop, continue and break."""
    sq = lambda t: t * t * 0.5 + np.cos(t)
    s = 0.0
    for i in range(x.shape[0]):
        if i == 1:
            continue
        s = s + sq(x[i] * s + x[i])
        if i == 5:
            break
    return s


# ----------------------------------------------------------------------- Jacobian corners

def ignores_y(x, y):
    """The output does not depend on y: its Jacobian block is zero."""
    return np.sin(x) * 2.0 + np.array([1.0, 2.0, 3.0])


def partly_constant(x):
    """Some outputs are constants: their Jacobian rows are zero."""
    return np.array([1.0, 0.0, 0.0]) * x[0] * x[1] + np.array([0.0, 2.0, 3.0])


# ------------------------------------------------- constructs that exposed bugs (xfail tests)

def tuple_index(x):
    """Elements of a tuple of active values read back by index."""
    t = (x[0] * x[1], x[2], np.sin(x[0]))
    return t[0] * t[1] ** 2 + t[2] * t[0]


def tuple_cube(a):
    """a ** 3 through a tuple read by index: the second derivative is 6 a."""
    t = (a, a * a)
    return t[0] * t[1]


def list_sum(x):
    """sum() of a list of active values."""
    parts = [x[0], x[1] * x[2]]
    return sum(parts) * x[0]


def const_matmul(A):
    """A matrix argument times an array built inside the function."""
    return np.sum(np.tanh(A @ np.array([0.5, -1.0, 2.0])) ** 2)


def transposed_global(x):
    """A vector times the transpose of a global matrix (a constant computed in the function)."""
    return np.sum(np.tanh(x @ W_TALL.T) ** 2)
