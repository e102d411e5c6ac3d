"""Gradients of losses over data held as Dask arrays, on a local Dask cluster (two
workers, started and stopped by a fixture): compared with the same gradients over NumPy
arrays.  The generated code calls NumPy functions, which Dask arrays take over
(``__array_function__``); the adjoint's writes into arrays of the data's shape build new
Dask arrays instead of writing in place."""
import numpy as np
import pytest

import tangent_like as tl

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("dask.distributed")

# the data of these tests are NumPy arrays wrapped whole into the graph (da.from_array)
pytestmark = pytest.mark.filterwarnings("ignore:Sending large graph:UserWarning")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def logistic_loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def mlp_loss(W1, b1, W2, X, y):
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ W2 - y) ** 2)


ROWS, COLS, CHUNK = 1_000_000, 4, 200_000
_RNG = np.random.default_rng(11)
XN = _RNG.normal(size=(ROWS, COLS))
YN = (_RNG.random(ROWS) < 1.0 / (1.0 + np.exp(-XN @ np.array([1.0, -2.0, 0.5, 0.0])))) * 1.0


def _data():
    return da.from_array(XN, chunks=(CHUNK, COLS)), da.from_array(YN, chunks=CHUNK)


def test_logistic_regression_gradient_over_a_dask_array(client):
    X, y = _data()
    w, b = np.array([0.3, -0.1, 0.2, 0.05]), 0.1
    expected = tl.grad(logistic_loss, wrt=(0, 1))(w, b, XN, YN)
    got = tl.grad(logistic_loss, wrt=(0, 1))(w, b, X, y)
    assert isinstance(got[0], np.ndarray) and isinstance(got[1], float)
    np.testing.assert_allclose(got[0], expected[0], rtol=1e-10, atol=1e-14)
    assert got[1] == pytest.approx(expected[1], rel=1e-10)


def test_value_and_gradient_come_back_computed_and_descend(client):
    X, y = _data()
    step = tl.value_and_grad(logistic_loss, wrt=(0, 1))
    w, b = np.zeros(COLS), 0.0
    losses = []
    for _ in range(3):          # gradient descent, one compiled gradient
        value, (gw, gb) = step(w, b, X, y)
        assert not hasattr(value, "__dask_graph__") and isinstance(gw, np.ndarray)
        losses.append(float(value))
        w, b = w - 1.0 * gw, b - 1.0 * gb
    assert losses[0] > losses[1] > losses[2]
    assert losses[0] == pytest.approx(np.log(2.0))


def test_mlp_loss_gradient_over_a_dask_array(client):
    X, y = _data()
    rng = np.random.default_rng(2)
    W1, b1, W2 = rng.normal(size=(COLS, 6)), rng.normal(size=6), rng.normal(size=6)
    expected = tl.grad(mlp_loss, wrt=(0, 1, 2))(W1, b1, W2, XN, YN)
    got = tl.grad(mlp_loss, wrt=(0, 1, 2))(W1, b1, W2, X, y)
    for g, e in zip(got, expected):
        assert isinstance(g, np.ndarray)
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-13)


def columns_loss(w, X):
    return np.sum(np.tanh(X[:, 0] * w[0]) + X[:, 1] ** 2 * w[1])


def test_the_gradient_with_respect_to_a_dask_array_stays_one(client):
    Xn = np.random.default_rng(3).normal(size=(1000, 3))
    X = da.from_array(Xn, chunks=(250, 3))
    w = np.array([0.5, 2.0])
    got = tl.grad(columns_loss, wrt=1)(w, X)
    assert hasattr(got, "__dask_graph__") and got.shape == Xn.shape
    np.testing.assert_allclose(np.asarray(got), tl.grad(columns_loss, wrt=1)(w, Xn),
                               rtol=1e-12)


def repeated_rows(X):
    return np.sum(X[[0, 0, 1]] ** 2)


def test_an_index_that_may_repeat_is_refused_for_dask_arrays(client):
    X = da.from_array(np.ones((4, 2)), chunks=(2, 2))
    with pytest.raises(tl.NoDerivativeError, match="repeat") as info:
        tl.grad(repeated_rows)(X)
    assert "test_dask.py" in str(info.value)


def masked_part(x):
    return np.sum(np.where(x > 0, x, 0.0) ** 2) + np.sum(x[x < 0])


def stencil(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_slices_of_a_dask_array_and_a_refused_mask(client):
    xn = np.linspace(-1.0, 1.0, 1000)
    x = da.from_array(xn, chunks=250)
    got = tl.grad(stencil)(x)
    np.testing.assert_allclose(np.asarray(got), tl.grad(stencil)(xn), rtol=1e-12)
    with pytest.raises(tl.NoDerivativeError, match="np.where") as info:
        tl.grad(masked_part)(x)
    assert "test_dask.py" in str(info.value)


def test_the_distributed_example_runs(capsys):
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).parent.parent / "examples" / "distributed_logistic.py"
    spec = importlib.util.spec_from_file_location("distributed_logistic", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.main(["--rows", "100000", "--chunk", "25000", "--steps", "3"])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("step")]
    losses = [float(line.split()[3]) for line in lines]
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]


def test_cupy_arrays_where_a_gpu_exists():
    cp = pytest.importorskip("cupy")
    try:
        Xg = cp.asarray(XN[:1000])
    except Exception as exc:        # cupy installed, no device
        pytest.skip(f"no GPU: {exc}")
    yg = cp.asarray(YN[:1000])
    w, b = np.array([0.3, -0.1, 0.2, 0.05]), 0.1
    got = tl.grad(logistic_loss, wrt=(0, 1))(cp.asarray(w), b, Xg, yg)
    expected = tl.grad(logistic_loss, wrt=(0, 1))(w, b, XN[:1000], YN[:1000])
    np.testing.assert_allclose(cp.asnumpy(got[0]), expected[0], rtol=1e-10)
