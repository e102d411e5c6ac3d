#!/usr/bin/env python3
"""The gradient of the logistic loss over many rows: NumPy in one process against Dask on
local workers.

  numpy      ``tl.value_and_grad`` of the loss over NumPy arrays, in this process: the
             best time of --repeat calls, and the peak memory of the process (the data
             included)
  dask       the same function over Dask arrays made chunk by chunk on --workers local
             worker processes (persisted there first): the best time of --repeat calls,
             and the peak memory of each worker (its resident set, its share of the
             data included) -- no worker holds the whole data

    python benchmarks/dask_logistic.py                   # 10^7 rows, 8 features
    python benchmarks/dask_logistic.py --rows 1000000
"""
import argparse
import os
import resource
import sys
import time

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import tangent_like as tl  # noqa: E402


def loss(w, b, X, y):
    z = X @ w + b
    return np.mean(np.logaddexp(0.0, z) - y * z)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--chunk", type=int, default=500_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import dask.array as da
    from dask.distributed import Client, LocalCluster

    w, b = np.linspace(-0.5, 0.5, args.features), 0.1
    step = tl.value_and_grad(loss, wrt=(0, 1))

    cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1,
                           dashboard_address=":0", memory_limit=None)
    client = Client(cluster)
    try:
        rs = da.random.RandomState(0)
        X = rs.normal(size=(args.rows, args.features), chunks=(args.chunk, args.features))
        y = (rs.random_sample(args.rows, chunks=args.chunk) < 0.5).astype(float)
        X, y = X.persist(), y.persist()
        step(w, b, X, y)                                    # transformed once
        t_dask = best_of(lambda: step(w, b, X, y), args.repeat)
        worker_peaks = client.run(peak_rss_mib)
        v_dask, g_dask = step(w, b, X, y)
        Xn, yn = X.compute(), y.compute()                   # the same data, in this process
    finally:
        client.close()
        cluster.close()

    step(w, b, Xn, yn)
    t_numpy = best_of(lambda: step(w, b, Xn, yn), args.repeat)
    v_numpy, g_numpy = step(w, b, Xn, yn)
    agree = abs(v_numpy - v_dask) < 1e-10 and np.allclose(g_numpy[0], g_dask[0], atol=1e-12)
    data_mib = (Xn.nbytes + yn.nbytes) / 2 ** 20
    print(f"logistic loss, {args.rows:,} rows x {args.features} features "
          f"({data_mib:,.0f} MiB of data), chunks of {args.chunk:,} rows")
    print(f"numpy, 1 process      {t_numpy:8.3f} s   peak {peak_rss_mib():8,.0f} MiB")
    peaks = ", ".join(f"{p:,.0f}" for p in worker_peaks.values())
    print(f"dask, {args.workers} local workers {t_dask:8.3f} s   peak per worker {peaks} MiB")
    print(f"dask / numpy          {t_dask / t_numpy:8.2f}x   same value and gradient: {agree}")


if __name__ == "__main__":
    main()
