"""Benchmark of a grid search over a transfer pipeline: local, processes, dask.

The search of ``tests/test_distributed.py`` on more data: the text adaptation
pipeline (``make_text_adaptation_pipeline``: TF-IDF, then self-training
logistic regression) on movie reviews (labelled source) and tweets
(unlabelled target), 6 candidates x 3 folds of ``DomainStratifiedKFold``,
run three ways:

- in this process (``n_jobs=None``);
- in joblib's default process pool (``n_jobs=2``, loky);
- on a ``dask.distributed`` ``LocalCluster`` of two one-thread worker
  processes, through joblib's ``"dask"`` backend (the cluster's start-up is
  timed apart).

Each parallel run is checked to give the local run's ``best_params_`` and
``cv_results_`` scores exactly. Wall times are the best of ``--repeat``
runs; on 2 cores the parallel runs can at best halve the local time.

Run ``python benchmarks/bench_distributed.py`` (a few minutes on a
2-core machine) or ``--quick`` for a smoke run. Needs the ``distributed``
extra.
"""

import _harness as harness

harness.limit_blas_threads(1)

import time  # noqa: E402

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from sktransfer.adaptation import make_text_adaptation_pipeline  # noqa: E402
from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.model_selection import DomainStratifiedKFold  # noqa: E402
from sktransfer.utils import pack_domains  # noqa: E402

GRID = {
    "vectorizer__min_df": [1, 2],
    "classifier__estimator__C": [0.1, 1.0, 10.0],
}


def make_data(n_per_domain, seed=0):
    src = load_sentiment_domains("movie_reviews")
    tgt = load_sentiment_domains("tweets")
    rng = np.random.RandomState(seed)
    # At most every document of a domain (3,432 tweets).
    i = rng.choice(len(src.data), min(n_per_domain, len(src.data)), replace=False)
    j = rng.choice(len(tgt.data), min(n_per_domain, len(tgt.data)), replace=False)
    docs_s = np.asarray(src.data, dtype=object)
    docs_t = np.asarray(tgt.data, dtype=object)
    X, y, _ = pack_domains(
        source=(list(docs_s[i]), src.target[i]), target=list(docs_t[j])
    )
    return X, y


def search(n_jobs=None):
    return GridSearchCV(
        make_text_adaptation_pipeline(),
        GRID,
        cv=DomainStratifiedKFold(3, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )


def same(a, b):
    keys = ["mean_test_score"] + [f"split{k}_test_score" for k in range(3)]
    return a.best_params_ == b.best_params_ and all(
        np.array_equal(a.cv_results_[k], b.cv_results_[k]) for k in keys
    )


def main(argv=None):
    parser = harness.BenchmarkParser(
        __doc__,
        repeat=3,
        repeat_help="timed runs of each way (best is reported)",
        quick={"n_docs": 200, "repeat": 1},
        quick_help="smoke run: 200 documents per domain, 1 repeat",
    )
    parser.add_argument(
        "--n-docs",
        type=int,
        default=2000,
        help="documents per domain (at most all of them: 3,432 tweets)",
    )
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    harness.print_header("Grid search: local, joblib processes, dask cluster")
    print(f"options: n_docs={args.n_docs} per domain, repeat={args.repeat}")
    t_start = time.perf_counter()
    X, y = make_data(args.n_docs)

    start = harness.clock()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    client.wait_for_workers(2)
    startup = harness.elapsed(start)[0]
    try:

        def on_dask():
            with joblib.parallel_config(backend="dask", client=client):
                return search().fit(X, y)

        ways = {
            "local (n_jobs=None)": lambda: search().fit(X, y),
            "joblib processes (n_jobs=2)": lambda: search(n_jobs=2).fit(X, y),
            "dask LocalCluster, 2 processes": on_dask,
        }
        timings, kept = harness.best_of(ways, args.repeat, keep=list(ways))
    finally:
        client.close()
        cluster.close()

    local = kept["local (n_jobs=None)"]
    base = timings["local (n_jobs=None)"].best[0]
    rows = [
        (name, t.best[0], t.summary()[1], f"{base / t.best[0]:.2f}x",
         str(same(kept[name], local)))
        for name, t in timings.items()
    ]  # fmt: skip
    print(
        f"\n{len(X):,} documents ({int((y != -1).sum()):,} labelled movie reviews, "
        f"{int((y == -1).sum()):,} unlabelled tweets), "
        f"{len(local.cv_results_['params'])} candidates x 3 folds + refit; "
        f"best {local.best_params_}"
    )
    harness.print_table(
        "{way:<34}{best wall s:>12.2f}{median:>8.2f}{x local:>9}{same:>7}", rows
    )
    print(
        f"  dask cluster start-up (2 worker processes), not in the times: "
        f"{startup:.1f} s; 'same': best_params_ and every split's score equal "
        "to the local run's"
    )
    harness.print_footer(t_start)


if __name__ == "__main__":
    main()
