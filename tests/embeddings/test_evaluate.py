"""Word-vector benchmarks (``sktransfer/embeddings/_evaluate.py``)."""

import numpy as np
import pytest
from gensim.test.utils import datapath

from sktransfer.embeddings import evaluate_word_vectors


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "10"])
def test_restrict_vocab_must_be_at_least_one(bad):
    # 0 used to give NaN scores without an error.
    with pytest.raises(ValueError, match="restrict_vocab must be a whole number"):
        evaluate_word_vectors(
            datapath("euclidean_vectors.bin"), restrict_vocab=bad, analogies=False
        )


def test_scores_are_finite_with_a_small_vocabulary_bound():
    scores = evaluate_word_vectors(
        datapath("euclidean_vectors.bin"), restrict_vocab=1, analogies=False
    )
    for name in ("wordsim353", "simlex999"):
        assert 0.0 <= scores[name]["oov"] <= 1.0
        assert np.isfinite(scores[name]["oov"])
