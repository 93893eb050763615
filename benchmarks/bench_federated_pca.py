"""Benchmark: fit time of FederatedPCA vs non-private pooled sklearn PCA.

Instance (issue 6, "Benchmark" must-show): p = 500, 10 clients x 10,000 rows, r = 5, drawn
once from the spiked model (:func:`statkit.datasets._spiked.make_spiked_clients`, spikes
50, 40, 30, 20, 10, sigma^2 = 1); data generation is not timed. Timed, in the same run and
on the same data, median of ``--repeat`` fits each:

- ``FederatedPCA(mechanism="input")``, epsilon = 1, delta = 1e-6, clip norm the model's
  0.999 row-norm quantile (:func:`statkit.privacy._federated_pca_rates.model_clip_norm`,
  from the model parameters, not the data);
- ``FederatedPCA(mechanism="projector")``, same budget, ``eigengap`` = lambda_r / 2 = 5
  (a public lower bound from the model);
- peer, non-private: ``sklearn.decomposition.PCA(n_components=5, svd_solver="full")`` on
  the pooled 100,000 x 500 matrix (its ``fit``; the ``np.vstack`` is not timed).

Prints a markdown table with the ratio to the sklearn fit time. Usage::

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 \\
        python benchmarks/bench_federated_pca.py --repeat 5
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--p", type=int, default=500)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rank", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import sklearn
    from sklearn.decomposition import PCA

    from statkit.datasets._spiked import make_spiked_clients
    from statkit.privacy._federated_pca import FederatedPCA, subspace_distance
    from statkit.privacy._federated_pca_rates import model_clip_norm

    spikes = tuple(float(10 * (args.rank - i)) for i in range(args.rank))
    data = make_spiked_clients(
        [args.rows] * args.clients, args.p, args.rank, list(spikes), 1.0, random_state=args.seed
    )
    clip = model_clip_norm(args.p, spikes, 1.0)
    pooled = np.vstack(data.clients)

    rows = []
    for mechanism, extra in (("input", {}), ("projector", {"eigengap": spikes[-1] / 2})):

        def fit(mechanism=mechanism, extra=extra):
            return FederatedPCA(
                args.rank,
                epsilon=1.0,
                delta=1e-6,
                clip_norm=clip,
                mechanism=mechanism,
                random_state=args.seed,
                **extra,
            ).fit(data.clients)

        fit()  # warm-up
        med, times = _median_time(fit, args.repeat)
        err = subspace_distance(fit().components_, data.components)
        rows.append((f"statkit FederatedPCA ({mechanism}, eps=1)", med, times, err))

    def fit_sklearn():
        return PCA(n_components=args.rank, svd_solver="full").fit(pooled)

    fit_sklearn()
    med, times = _median_time(fit_sklearn, args.repeat)
    err = subspace_distance(fit_sklearn().components_, data.components)
    rows.append(("sklearn PCA(svd_solver='full'), pooled, non-private", med, times, err))
    ref = rows[-1][1]

    threads = {k: os.environ.get(k, "unset") for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    print(
        f"p={args.p}, {args.clients} clients x {args.rows} rows, r={args.rank}, "
        f"median of {args.repeat}; numpy {np.__version__}, sklearn {sklearn.__version__}, "
        f"python {platform.python_version()}, cpus {os.cpu_count()}, {threads}\n"
    )
    print("| method | median fit time (s) | all times (s) | ratio to sklearn | sin-theta error |")
    print("|---|---|---|---|---|")
    for name, med, times, err in rows:
        all_t = ", ".join(f"{t:.3f}" for t in times)
        print(f"| {name} | {med:.3f} | {all_t} | {med / ref:.3f} | {err:.4f} |")


if __name__ == "__main__":
    main()
