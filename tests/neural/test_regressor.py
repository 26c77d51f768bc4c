"""TextRegressor (``sktransfer/neural/_regressor.py``)."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.embeddings import Word2VecVectorizer  # noqa: E402
from sktransfer.neural import TextRegressor  # noqa: E402
from sktransfer.utils import pack_domains  # noqa: E402
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS  # noqa: E402

X = list(TEXT_CORPUS)
Y = TEXT_LABELS


def _strip(docs):
    return [d.strip() for d in docs]


def test_regressor_outputs(small):
    reg = small(TextRegressor, max_epochs=15, lr=0.02).fit(X, Y * 2.0 - 1.0)
    pred = reg.predict(X)
    assert pred.shape == (len(X),) and pred.dtype == np.float64
    assert not hasattr(reg, "predict_proba")
    assert reg.score(X, Y * 2.0 - 1.0) > 0.5


def test_regressor_in_pipeline_and_grid_search_on_ratings(small):
    data = load_sentiment_domains(["product_reviews", "tweets"])
    domain, docs = np.asarray(data.domain), list(data.data)
    rating = np.asarray(data.rating, dtype=float)
    rng = np.random.RandomState(0)
    src = rng.choice(np.flatnonzero(domain == "product_reviews"), 100, replace=False)
    tgt = rng.choice(np.flatnonzero(domain == "tweets"), 40, replace=False)
    Xd, yd, _ = pack_domains(
        source=([docs[i] for i in src], rating[src]), target=[docs[i] for i in tgt]
    )
    assert np.isnan(yd[-40:]).all()
    vec = Word2VecVectorizer(vector_size=8, min_count=2, epochs=1, random_state=0)
    pipe = Pipeline(
        [
            ("strip", FunctionTransformer(_strip)),
            ("reg", small(TextRegressor, embedding_dim=None, max_epochs=2)),
        ]
    )
    pipe.set_params(reg__embeddings=vec.fit(Xd))
    grid = {
        "reg__encoder": ["mean", "cnn"],
        "reg__freeze_embeddings": [True, False],
        "reg__embedding_lr": [None, 1e-4],
        "reg__lr": [1e-2],
    }
    search = GridSearchCV(pipe, grid, cv=2, error_score="raise").fit(Xd, yd)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(Xd[-3:]).shape == (3,)
