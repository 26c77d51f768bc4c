"""Fixtures shared by the adaptation tests."""

import numpy as np
import pytest

from sktransfer.datasets import load_sentiment_domains
from sktransfer.utils import pack_domains


@pytest.fixture(scope="module")
def domains():
    """150 product reviews (source) and 100 tweets (target), seeded."""
    data = load_sentiment_domains()
    docs = np.asarray(data.data, dtype=object)
    rng = np.random.RandomState(0)

    def take(name, n):
        idx = rng.choice(np.flatnonzero(data.domain == name), n, replace=False)
        return list(docs[idx]), data.target[idx]

    Xs, ys = take("product_reviews", 150)
    Xt, yt = take("tweets", 100)
    X, y, sd = pack_domains(source=(Xs, ys), target=Xt)
    return {"X": X, "y": y, "sample_domain": sd, "Xt": Xt, "yt": yt, "n_source": 150}
