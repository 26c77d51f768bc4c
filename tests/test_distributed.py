"""A grid search over a transfer pipeline on a dask cluster equals the local one.

scikit-learn runs the fits of ``GridSearchCV`` through joblib; joblib's
``"dask"`` backend sends them to the workers of a ``dask.distributed``
cluster. These tests start a ``LocalCluster`` on this machine and check that
the search finds the same ``best_params_``, ``best_score_`` and
``cv_results_`` scores as the same search run in this process, for the
implicit domains (``y == -1``) and for a routed ``sample_domain``.

The cluster of worker processes is the real case (estimators and data are
pickled to other interpreters) but takes seconds to start: those tests are
marked slow. One fast test uses a cluster of threads in this process.
"""

import os
import time

import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV

from sktransfer.adaptation import make_text_adaptation_pipeline
from sktransfer.datasets import load_sentiment_domains
from sktransfer.model_selection import DomainStratifiedKFold
from sktransfer.utils import pack_domains

distributed = pytest.importorskip("distributed")
import joblib  # noqa: E402
import psutil  # noqa: E402  (a dependency of distributed)

GRID = {
    "vectorizer__min_df": [1, 2],
    "classifier__estimator__C": [0.1, 1.0, 10.0],
}


@pytest.fixture(scope="module")
def data():
    """200 labelled movie reviews (source) and 200 unlabelled tweets (target)."""
    src = load_sentiment_domains("movie_reviews")
    tgt = load_sentiment_domains("tweets")
    rng = np.random.RandomState(0)
    i = rng.choice(len(src.data), 200, replace=False)
    j = rng.choice(len(tgt.data), 200, replace=False)
    docs_s = np.asarray(src.data, dtype=object)
    docs_t = np.asarray(tgt.data, dtype=object)
    X, y, sample_domain = pack_domains(
        source=(list(docs_s[i]), src.target[i]), target=list(docs_t[j])
    )
    return X, y, sample_domain


def _search():
    return GridSearchCV(
        make_text_adaptation_pipeline(),
        GRID,
        cv=DomainStratifiedKFold(3, shuffle=True, random_state=0),
    )


def _fit(search, X, y, sample_domain, routed):
    if routed:
        # Routing is switched on for this search only; sample_domain reaches
        # the splitter and the self-training step (both request it).
        with sklearn.config_context(enable_metadata_routing=True):
            return search.fit(X, y, sample_domain=sample_domain)
    return search.fit(X, y)


@pytest.fixture(scope="module")
def local(data):
    """The search run in this process (n_jobs=None), once per kind of domains."""
    searches = {}

    def run(routed):
        if routed not in searches:
            searches[routed] = _fit(_search(), *data, routed=routed)
        return searches[routed]

    return run


def _on_cluster(client, data, routed):
    """Run the search with joblib's dask backend; return it and its task log."""
    with distributed.get_task_stream(client) as stream:
        with joblib.parallel_config(backend="dask", client=client):
            search = _fit(_search(), *data, routed=routed)
    return search, stream.data


def _assert_same_search(local, remote):
    # The comparison means something only if one candidate wins outright.
    means = local.cv_results_["mean_test_score"]
    assert np.sum(means == means.max()) == 1, means
    assert remote.best_params_ == local.best_params_
    assert remote.best_score_ == local.best_score_
    assert remote.best_index_ == local.best_index_
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    for k in range(3):
        key = f"split{k}_test_score"
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    # The refitted pipelines agree too.
    X = ["what a great day", "this was awful", "not bad at all"]
    np.testing.assert_array_equal(
        remote.predict_proba(X), local.predict_proba(X), strict=True
    )


def _start(processes):
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=processes,
        dashboard_address=None,
    )
    try:
        client = distributed.Client(cluster)
    except BaseException:
        cluster.close()
        raise
    return cluster, client


def test_grid_search_on_worker_threads_equals_local(data, local):
    cluster, client = _start(processes=False)
    try:
        remote, tasks = _on_cluster(client, data, routed=False)
    finally:
        client.close()
        cluster.close()
    _assert_same_search(local(routed=False), remote)
    assert tasks  # the fits ran as dask tasks


@pytest.fixture(scope="module")
def process_cluster():
    """Two worker processes of one thread; closed, and checked gone, at the end."""
    start = time.perf_counter()
    cluster, client = _start(processes=True)
    try:
        client.wait_for_workers(2, timeout=120)
        pids = set(client.run(os.getpid).values())
        assert len(pids) == 2 and os.getpid() not in pids
        print(f"cluster of 2 processes up in {time.perf_counter() - start:.1f} s")
        yield client
    finally:
        client.close()
        cluster.close()
    assert not [pid for pid in pids if psutil.pid_exists(pid)], "workers left behind"


@pytest.mark.slow
@pytest.mark.parametrize("routed", [False, True], ids=["implicit", "routed"])
def test_grid_search_on_worker_processes_equals_local(
    process_cluster, data, local, routed
):
    remote, tasks = _on_cluster(process_cluster, data, routed)
    _assert_same_search(local(routed), remote)
    # The fits ran on the cluster, on both workers. (joblib groups short fits
    # into batches, one task each, so there may be fewer tasks than fits;
    # its first four batches hold one fit each and go to the idle workers.)
    workers = {task["worker"] for task in tasks}
    assert len(workers) == 2, workers
