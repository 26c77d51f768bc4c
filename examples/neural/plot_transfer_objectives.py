"""
==========================================================
Transfer objectives: watch each loss term during training
==========================================================

:class:`~sktransfer.neural.TextClassifier` can add a transfer objective to
its loss that uses the unlabelled *target* documents of the fit:

- ``domain_adversarial``: a domain head learns to tell source from target
  documents, and the encoder learns, through a gradient reversal layer, to
  make that impossible (DANN, Ganin et al., 2016);
- ``coral_loss``: the covariances of the document vectors of source and of
  target documents are pulled together (deep CORAL, Sun and Saenko, 2016);
- ``teacher``: the network learns the class probabilities of a fitted
  classifier, on the labelled and the unlabelled documents alike
  (distillation, Hinton et al., 2015).

Every term is recorded per epoch in ``history``. This example trains each
objective on product reviews (labelled) and tweets (unlabelled), plots the
terms and reports the accuracy on the tweets. It needs the ``torch`` extra
(``pip install "sktransfer[torch]"``).
"""

# %%
# PyTorch uses every core by default; on a small machine one thread is
# faster for a network this small, and it keeps the example quick.
import torch

torch.set_num_threads(1)

# %%
# Labelled source rows, unlabelled target rows
# --------------------------------------------
# :func:`~sktransfer.utils.pack_domains` puts the 1,000 labelled product
# reviews and 1,000 tweets into one ``X`` with ``y == -1`` on the tweets: the
# domain contract's way of saying "target domain, no label". The tweets'
# labels are kept aside for the evaluation only.
import numpy as np

from sktransfer.datasets import load_sentiment_domains
from sktransfer.utils import pack_domains

data = load_sentiment_domains(["product_reviews", "tweets"])
domain = np.asarray(data.domain)
rng = np.random.RandomState(0)
source = rng.choice(np.flatnonzero(domain == "product_reviews"), 1000, replace=False)
target = rng.choice(np.flatnonzero(domain == "tweets"), 1000, replace=False)
docs, labels = np.asarray(data.data, dtype=object), np.asarray(data.target)
X, y, sample_domain = pack_domains(
    source=(list(docs[source]), labels[source]), target=list(docs[target])
)
X_target, y_target = list(docs[target]), labels[target]

# %%
# The teacher: a shallow pipeline
# -------------------------------
# Any fitted classifier with ``predict_proba`` and the same classes can
# teach; here TF-IDF and a logistic regression fitted on the product reviews.
# :class:`~sklearn.frozen.FrozenEstimator` marks it as fitted once and for
# all, so that cloning the network (as a grid search does) never re-fits it.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

shallow = make_pipeline(TfidfVectorizer(), LogisticRegression(C=3.0))
teacher = FrozenEstimator(shallow.fit(docs[source], labels[source]))

# %%
# One network per objective
# -------------------------
# The same small network (mean encoder) with each objective switched on in
# turn. With an objective on, every batch of labelled documents is joined by
# unlabelled ones (half as many for the alignment objectives, as many for
# distillation, with the default ``unlabelled_batch_ratio='auto'``), so the
# epochs take longer than source-only ones.
from sklearn.metrics import balanced_accuracy_score

from sktransfer.neural import TextClassifier

network = {
    "embedding_dim": 32,
    "hidden_size": 32,
    "max_epochs": 8,
    "lr": 3e-3,
    "device": "cpu",
    "random_state": 0,
}
objectives = {
    "source only": {},
    "DANN": {"domain_adversarial": 0.3, "domain_adversarial_schedule": "ganin"},
    "deep CORAL": {"coral_loss": 20.0},
    "distillation": {"teacher": teacher, "distillation_weight": 0.7},
}
fitted = {}
for name, params in objectives.items():
    fitted[name] = TextClassifier(**network, **params).fit(X, y)

print(f"{'objective':14s} target balanced accuracy   epoch time (s)")
for name, clf in fitted.items():
    score = balanced_accuracy_score(y_target, clf.predict(X_target))
    epoch = np.median(clf.history[:, "dur"])
    print(f"{name:14s} {score:26.3f} {epoch:16.2f}")
score = balanced_accuracy_score(y_target, teacher.predict(X_target))
print(f"{'(teacher)':14s} {score:26.3f}")

# %%
# Each loss term per epoch
# ------------------------
# ``history[:, "train_loss"]`` is the loss minimised; with an objective on,
# ``train_loss_task`` (the cross-entropy on the labelled rows) and the
# objective's own term (``train_loss_domain``, ``train_loss_coral`` or
# ``train_loss_distillation``) are recorded next to it. The domain head's
# cross-entropy staying near log 2 = 0.69 means that it cannot tell the
# domains apart: the encoder wins the adversarial game.
import matplotlib.pyplot as plt

terms = {
    "DANN": "train_loss_domain",
    "deep CORAL": "train_loss_coral",
    "distillation": "train_loss_distillation",
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), layout="constrained")
reference = fitted["source only"].history[:, "train_loss"]
epochs = np.arange(1, len(reference) + 1)
for ax, (name, term) in zip(axes, terms.items()):
    history = fitted[name].history
    ax.plot(epochs, reference, "k:", label="source only: task")
    ax.plot(epochs, history[:, "train_loss_task"], label=f"{name}: task")
    ax.plot(epochs, history[:, term], label=f"{name}: {term[len('train_loss_') :]}")
    ax.plot(epochs, history[:, "train_loss"], "--", label=f"{name}: total")
    ax.set_title(name)
    ax.set_xlabel("epoch")
    ax.legend(fontsize=8)
axes[0].set_ylabel("mean loss over the epoch's batches")
plt.show()

# %%
# What to take from it
# --------------------
# The objectives are ordinary parameters, so
# :class:`~sklearn.model_selection.GridSearchCV` compares them -- and their
# weights -- with each other and with the shallow adapters of
# :mod:`sktransfer.adaptation` on the same data. Which one helps depends on
# the pair of domains; on one small pair as here the differences are within
# the noise of a single draw. See :ref:`transfer_objectives` for when to use
# which.
