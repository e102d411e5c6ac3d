"""Logistic regression over data on a Dask cluster, with the gradient from tangent_like.

The data, ``rows`` observations of ``features`` features, are made chunk by chunk on the
workers (never gathered on one machine); the weights are a small NumPy array.  Each step of
gradient descent calls ``tl.value_and_grad`` of the ordinary NumPy loss below: the generated
code calls NumPy functions, which Dask arrays take over, and the loss and its gradient are
computed together in one pass over the data.

Run it with::

    python examples/distributed_logistic.py                   # a local cluster, 10^7 rows
    python examples/distributed_logistic.py tcp://host:8786   # a running scheduler
    python examples/distributed_logistic.py --rows 100000 --steps 3
"""
import argparse
import time

import numpy as np

import tangent_like as tl


def loss(w, b, X, y):
    """Mean log-loss of logistic regression: weights w, intercept b, 0/1 labels y."""
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def make_data(rows, features, chunk, seed=0):
    """Synthetic features and labels from a known model, made lazily in chunks."""
    import dask.array as da
    rs = da.random.RandomState(seed)
    X = rs.normal(size=(rows, features), chunks=(chunk, features))
    true_w = np.linspace(-1.0, 1.0, features)
    p = 1.0 / (1.0 + np.exp(-(X @ true_w + 0.5)))
    y = (rs.random_sample(rows, chunks=chunk) < p).astype(float)
    return X, y, true_w


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scheduler", nargs="?", help="scheduler address (default: a local "
                        "cluster of --workers workers)")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rate", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster
    if args.scheduler:
        client, cluster = Client(args.scheduler), None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                               dashboard_address=":0")
        client = Client(cluster)
    try:
        X, y, true_w = make_data(args.rows, args.features, min(args.chunk, args.rows))
        X, y = X.persist(), y.persist()          # made once, kept on the workers
        step = tl.value_and_grad(loss, wrt=(0, 1))
        w, b = np.zeros(args.features), 0.0
        for k in range(args.steps):
            start = time.perf_counter()
            value, (gw, gb) = step(w, b, X, y)
            w, b = w - args.rate * gw, b - args.rate * gb
            print(f"step {k + 1:3d}  loss {value:.6f}  |grad| {np.linalg.norm(gw):.2e}  "
                  f"{time.perf_counter() - start:.2f} s", flush=True)
        print("weights  ", np.round(w, 3))
        print("true     ", np.round(true_w, 3))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    main()
