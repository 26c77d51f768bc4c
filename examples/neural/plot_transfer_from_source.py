"""
==================================================
Fine-tune a source model on a few target documents
==================================================

The classic recipe of transfer learning for neural networks: train a model
on a large labelled *source* domain, copy its weights into the model of the
*target* domain, freeze some layers and fine-tune the rest on the few target
labels there are. With :class:`~sktransfer.neural.TextClassifier` the whole
recipe is one estimator and a few parameters: ``init_from`` names the source
model, ``freeze_encoder``, ``unfreeze_at_epoch`` and ``embedding_lr`` say
what to freeze and how fast to move, and a stock
:class:`~sklearn.model_selection.GridSearchCV` chooses among them.

This example trains a source model on movie reviews, then classifies product
reviews with only 200 labels, with and without the source model. It needs
the ``torch`` extra (``pip install "sktransfer[torch]"``).
"""

# %%
# PyTorch uses every core by default; on a small machine one thread is
# faster for a network this small, and it keeps the example quick.
import torch

torch.set_num_threads(1)

# %%
# A source model on movie reviews
# -------------------------------
# The source domain is the movie-review snippets of the bundled sentiment
# data (see :ref:`sphx_glr_auto_examples_datasets_plot_sentiment_domains.py`):
# about 10,000 labelled sentences. We keep 1,000 of them aside to see how
# well the source model does in its own domain. The network is the default
# mean encoder (the mean of the word vectors, then one ReLU layer), small
# enough to train on a CPU in seconds.
import time

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from sktransfer.datasets import load_sentiment_domains
from sktransfer.neural import TextClassifier

movies = load_sentiment_domains("movie_reviews")
movie_train, movie_test, y_movie_train, y_movie_test = train_test_split(
    movies.data, movies.target, test_size=1000, random_state=0
)

network = {"embedding_dim": 50, "hidden_size": 50, "batch_size": 32, "lr": 3e-3}
start = time.perf_counter()
source = TextClassifier(max_epochs=3, random_state=0, **network)
source.fit(movie_train, y_movie_train)
print(
    f"source model: {len(movie_train)} movie reviews, "
    f"{len(source.vocabulary_)} words, {time.perf_counter() - start:.1f} s"
)
in_domain = balanced_accuracy_score(y_movie_test, source.predict(movie_test))
print(f"balanced accuracy on held-out movie reviews: {in_domain:.3f}")

# %%
# 200 labelled product reviews
# ----------------------------
# The target domain is the product-review snippets. Every product review goes
# to ``fit``; all but 200 are marked unlabelled with ``y == -1``. The
# classifier trains on the 200 labelled ones only, but builds its vocabulary
# from all of them, which matters for transfer (see below). Each model is
# scored on the product reviews that were not labelled, with the balanced
# accuracy (the mean recall of the two classes; 0.5 for a constant answer).
# Three random draws of the 200 labelled reviews, each with its own
# ``random_state`` for the network, show how much of a difference is luck.
# The labelled rows come first: ``-1`` rows scattered among labelled rows
# could also be a class ``-1`` (labels such as ``{-1, 0, 1}``), and
# sktransfer would warn with
# :class:`~sktransfer.utils.MinusOneClassWarning`.
products = load_sentiment_domains("product_reviews")
n_labelled = 200


def draw(seed):
    """Every review, the ``n_labelled`` labelled ones first; ``y``; the test rows."""
    order = np.random.RandomState(seed).permutation(len(products.data))
    labelled, test = order[:n_labelled], np.sort(order[n_labelled:])
    test_texts = [products.data[i] for i in test]
    texts = [products.data[i] for i in labelled] + test_texts
    y = np.concatenate([products.target[labelled], np.full(len(test), -1)])
    return texts, y, test_texts, products.target[test]


# %%
# From scratch, as is, or fine-tuned
# ----------------------------------
# ``init_from`` takes the fitted source model. Wrapping it in
# :class:`~sklearn.frozen.FrozenEstimator` says that it is fitted and must
# stay so: ``clone`` (which every search and cross-validation calls) keeps it
# as it is. After building its network, the target model copies the source's
# embedding rows of the words both vocabularies share, its encoder (the
# architecture must match: same ``encoder``, ``embedding_dim`` and
# ``hidden_size``) and its output layer (the labels match: 0 and 1 in both
# domains); then it trains on the 200 labels. The variants:
#
# * the source model applied to product reviews as it is, no fine-tuning;
# * ``freeze_encoder=True`` keeps the copied encoder fixed; the word vectors
#   and the output layer still train;
# * ``unfreeze_at_epoch=5`` trains only the output layer for the first four
#   epochs, then the encoder from epoch 5 and the word vectors from epoch 6
#   (ULMFiT's gradual unfreezing);
# * ``embedding_lr=1e-3`` gives the word vectors a smaller learning rate than
#   the rest of the network, trained at ``lr=3e-3`` (discriminative learning
#   rates);
# * the same fine-tuning, but with only the 200 labelled reviews given to
#   ``fit``, without the unlabelled ones.
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

base = TextClassifier(max_epochs=10, **network)
transfer = {"init_from": FrozenEstimator(source)}
variants = {
    "from scratch": {},
    "init_from, fine-tuned": transfer,
    "init_from, freeze_encoder": {**transfer, "freeze_encoder": True},
    "init_from, unfreeze_at_epoch=5": {**transfer, "unfreeze_at_epoch": 5},
    "init_from, embedding_lr=1e-3": {**transfer, "embedding_lr": 1e-3},
}

scores = {"source model, no fine-tuning": [], **{name: [] for name in variants}}
scores["init_from, only the 200 in fit"] = []
for seed in range(3):
    texts, y, test_texts, test_labels = draw(seed)
    pred = source.predict(test_texts)
    scores["source model, no fine-tuning"].append(
        balanced_accuracy_score(test_labels, pred)
    )
    for name, params in variants.items():
        clf = clone(base).set_params(random_state=seed, **params)
        clf.fit(texts, y)
        pred = clf.predict(test_texts)
        scores[name].append(balanced_accuracy_score(test_labels, pred))
        if seed == 0 and name == "init_from, fine-tuned":
            fine_tuned = clf
        if seed == 0 and name == "from scratch":
            scratch = clf
    clf = clone(base).set_params(random_state=seed, **transfer)
    clf.fit(texts[:n_labelled], y[:n_labelled])
    pred = clf.predict(test_texts)
    scores["init_from, only the 200 in fit"].append(
        balanced_accuracy_score(test_labels, pred)
    )
    if seed == 0:
        only_200 = clf

# %%
# The results, one column per draw, and the mean gain over training from
# scratch on the same 200 labels:
import pandas as pd

results = pd.DataFrame(scores, index=[f"draw {seed}" for seed in range(3)]).T
results["mean"] = results.mean(axis=1)
results["vs scratch"] = results["mean"] - results.loc["from scratch", "mean"]
print(results.round(3).to_string())

# %%
# Draw to draw, the scores of one strategy move by a point or two; the gap
# between training from scratch and starting from the source model is several
# times larger, in every draw. The source model applied as it is already
# beats the network trained on 200 product reviews, although it is less
# accurate on product reviews than on movie reviews: thousands of labels of a
# neighbouring domain teach more than 200 of the target's. Fine-tuning it on
# those 200 adds a few points more.
#
# Keeping the copied encoder fixed (``freeze_encoder``) does about as well as
# fine-tuning everything. Holding the network back, by gradual unfreezing (the
# output layer alone for four epochs) or a smaller ``embedding_lr`` for the
# word vectors, does a little worse here on average (the smaller
# ``embedding_lr`` in every draw), probably because the word vectors
# are what most needs to move: the copied ones were learned on movie
# reviews, and the words the source model never saw start from random
# vectors. These settings are close; let
# cross-validation choose among them (below) rather than a rule of thumb.
#
# The vocabulary matters too. Only the embedding rows of
# words in the *target* model's vocabulary are copied, and that vocabulary
# comes from the documents given to ``fit``. With only the 200 labelled
# reviews, the words of the other product reviews are unknown to the target
# model and ignored at prediction, even those the source model learned: the
# fine-tuned model then gains little over the source model as it is. Giving
# ``fit`` every product review, the unlabelled ones marked ``-1``, lets those
# words keep the source's vectors. ``transferred_`` says what was copied: the
# share of the vocabulary whose rows came from the source, and whether the
# encoder and the output layer did (the output layer is copied because the
# labels are the same, 0 and 1, in both domains).


def show(model):
    """Print the size of the vocabulary and what ``init_from`` copied."""
    copied = model.transferred_
    n_words = len(model.vocabulary_)
    print(
        f"  {n_words} words, {copied['embedding']:.1%} of them "
        f"({round(copied['embedding'] * n_words)}) copied; "
        f"encoder copied: {copied['encoder']}, head copied: {copied['head']}"
    )


print("draw 0, fit on every product review:")
show(fine_tuned)
print("draw 0, fit on the 200 labelled ones only:")
show(only_200)

# %%
# The figure shows the mean balanced accuracy of each strategy, with the
# three draws as dots (left), and the training loss of each epoch, from
# ``history_``, of the model trained from scratch and of the fine-tuned one
# (first draw, right). The fine-tuned model starts with the higher loss: the
# source model is confident on product reviews, and often wrong. It then
# falls faster and ends lower. The loss is measured on the 200 labelled
# reviews the models train on, so a lower loss is not a better model in
# itself: the scores on the left, on the reviews no model saw, are what
# counts.
import matplotlib.pyplot as plt

fig, (ax, curves) = plt.subplots(
    1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]}
)
for name, model in [("from scratch", scratch), ("init_from, fine-tuned", fine_tuned)]:
    losses = model.history_[:, "train_loss"]
    curves.plot(range(1, len(losses) + 1), losses, "o-", label=name)
curves.set_xlabel("epoch")
curves.set_ylabel("training loss (200 labelled reviews)")
curves.set_title("Training curves, first draw")
curves.legend()
names = results.index[::-1]
ax.barh(names, results.loc[names, "mean"], color="tab:blue", alpha=0.6)
for i, name in enumerate(names):
    draws = results.loc[name, ["draw 0", "draw 1", "draw 2"]]
    ax.plot(draws, [i] * len(draws), "o", color="k", markersize=4)
ax.set_xlim(0.5, max(0.75, results["mean"].max() + 0.03))
ax.set_xlabel("balanced accuracy on the unlabelled product reviews")
ax.set_title("Movie reviews -> 200 labelled product reviews")
fig.tight_layout()
plt.show()

# %%
# A source model saved to a file
# ------------------------------
# The source model need not live in the same session:
# :meth:`~sktransfer.neural.TextClassifier.save_weights` writes its network to
# a safetensors file, with its vocabulary and classes as metadata, and
# ``init_from`` accepts the path of such a file. A path also keeps the target
# model's pickle small (a model given in memory is pickled with it). The
# file gives the same transfer as the model in memory:
import tempfile
from pathlib import Path

texts, y, test_texts, test_labels = draw(0)
with tempfile.TemporaryDirectory() as tmp:
    path = source.save_weights(Path(tmp) / "movie_reviews.safetensors")
    from_file = clone(base).set_params(random_state=0, init_from=path)
    from_file.fit(texts, y)
print("init_from=<weights file>:")
show(from_file)
print(
    "same predictions as init_from=FrozenEstimator(source):",
    np.array_equal(from_file.predict(test_texts), fine_tuned.predict(test_texts)),
)

# %%
# Choose the transfer settings by cross-validation
# ------------------------------------------------
# ``freeze_encoder``, ``lr`` and the other knobs are ordinary parameters, so a
# stock :class:`~sklearn.model_selection.GridSearchCV` searches them on the
# 200 labelled reviews; the source model, wrapped in ``FrozenEstimator``, is
# shared by every fit and never refitted. The default scoring calls the
# classifier's ``score``, the accuracy on the labelled rows of each fold
# (about 67 per fold with ``cv=3``): the unlabelled rows are left out.
from sklearn.model_selection import GridSearchCV

search = GridSearchCV(
    clone(base).set_params(random_state=0, **transfer),
    {"freeze_encoder": [False, True], "lr": [3e-3, 1e-2]},
    cv=3,
)
search.fit(texts, y)
cv_results = pd.DataFrame(search.cv_results_["params"])
cv_results["CV accuracy"] = search.cv_results_["mean_test_score"]
cv_results["std"] = search.cv_results_["std_test_score"]
print(cv_results.round(3).to_string(index=False))
print("best:", search.best_params_)
pred = search.predict(test_texts)
print(
    "refitted best, balanced accuracy on draw 0: "
    f"{balanced_accuracy_score(test_labels, pred):.3f} (plain fine-tuning: "
    f"{results.loc['init_from, fine-tuned', 'draw 0']:.3f})"
)

# %%
# With about 67 labelled reviews per fold, the spread of the fold scores is
# as large as the differences between these settings: cross-validation on so
# few labels separates large effects (such as starting from the source model
# or not) better than it ranks close settings, and one draw of the test set
# says little about whether its choice beats the defaults in general. The
# search costs twelve small fits and a refit and needs no target labels
# beyond the 200. It never trained the source model, which still gives the
# same predictions on the held-out movie reviews:
again = balanced_accuracy_score(y_movie_test, source.predict(movie_test))
print(f"source model on held-out movie reviews: {again:.3f} (before: {in_domain:.3f})")
