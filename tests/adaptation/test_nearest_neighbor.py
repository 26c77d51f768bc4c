import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils._param_validation import InvalidParameterError

from sktransfer.adaptation import NearestNeighborWeighting
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS
from tests.adaptation._weighting_problems import _shifted


@pytest.mark.parametrize("n_neighbors, smoothing", [(1, 1.0), (1, 0.0), (3, 0.5)])
def test_nearest_neighbor_matches_definition(n_neighbors, smoothing):
    X, y = _shifted(n_s=30, n_t=25)
    Xs, Xt = X[y != -1], X[y == -1]
    nnw = NearestNeighborWeighting(n_neighbors, smoothing=smoothing).fit(X, y)
    dist = ((Xt[:, None, :] - Xs[None, :, :]) ** 2).sum(-1)
    counts = np.zeros(len(Xs))
    for row in np.argsort(dist, axis=1)[:, :n_neighbors]:
        counts[row] += 1.0 / n_neighbors
    expected = (counts + smoothing) * len(Xs) / (len(Xt) + smoothing * len(Xs))
    assert_allclose(nnw.counts_, counts)
    assert_allclose(nnw.weights_[y != -1], expected)
    assert nnw.weights_[y != -1].mean() == pytest.approx(1.0)


def test_nearest_neighbor_compute_weights_uses_voronoi_cells():
    X, y = _shifted(n_s=30, n_t=25)
    nnw = NearestNeighborWeighting().fit(X, y)
    Xs = X[y != -1]
    assert_allclose(nnw.compute_weights(Xs), nnw.weights_[y != -1])
    nudged = Xs[[4, 9]] + 1e-6
    assert_allclose(nnw.compute_weights(nudged), nnw.weights_[y != -1][[4, 9]])


def test_nearest_neighbor_cosine_on_sparse_tfidf():
    docs = list(TEXT_CORPUS) + ["a good phone", "a bad phone", "good battery"]
    y = np.r_[TEXT_LABELS, -1, -1, -1]
    Xtf = TfidfVectorizer().fit_transform(docs)
    w = NearestNeighborWeighting(metric="cosine").fit(Xtf, y).weights_
    dense = NearestNeighborWeighting(metric="cosine").fit(Xtf.toarray(), y).weights_
    assert_allclose(w, dense)


def test_nearest_neighbor_errors():
    X, y = _shifted(n_s=5, n_t=5)
    with pytest.raises(ValueError, match="n_neighbors=6 is larger than the number"):
        NearestNeighborWeighting(6).fit(X, y)
    with pytest.raises(InvalidParameterError, match="metric"):
        NearestNeighborWeighting(metric="precomputed").fit(X, y)
    with pytest.raises(InvalidParameterError, match="smoothing"):
        NearestNeighborWeighting(smoothing=-1.0).fit(X, y)
