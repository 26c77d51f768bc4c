"""
==========================================
Pretrain word2vec on the sentiment domains
==========================================

:class:`~sktransfer.embeddings.Word2VecVectorizer` trains Skip-gram or CBOW
word vectors (with gensim) inside a scikit-learn estimator, and pools the
vectors of each document's words into one dense row. This example pretrains
word vectors on the text of the four bundled sentiment domains, looks at what
they learned, uses them as features to transfer a sentiment classifier from
movie reviews to product reviews, and saves them to a file that a later
pipeline can load.

The data are described in
:ref:`sphx_glr_auto_examples_datasets_plot_sentiment_domains.py`.
"""

# %%
# Pretrain on the text of all four domains
# ----------------------------------------
# Pretraining needs no labels, so it can use every text, near-neutral ones
# included (``drop_neutral=False``), of every domain: the target domain's text
# too. ``fit`` tokenises the strings like scikit-learn's vectorizers (lowercase,
# runs of two or more word characters), then trains Skip-gram. With
# ``workers=1`` (the default) and an integer ``random_state`` the vectors are
# the same on every run.
import time

import numpy as np

from sktransfer.datasets import load_sentiment_domains
from sktransfer.embeddings import Word2VecVectorizer

texts = load_sentiment_domains(drop_neutral=False).data
vec = Word2VecVectorizer(
    algorithm="skipgram", vector_size=100, min_count=3, epochs=5, random_state=0
)
start = time.perf_counter()
vec.fit(texts)
print(f"trained on {len(texts)} texts in {time.perf_counter() - start:.1f} s")
print(f"vocabulary: {len(vec.vocabulary_)} words seen at least 3 times")
print(f"tokens without a vector (rarer words): {vec.oov_rate_:.1%}")
print("training loss per epoch:", np.round(vec.training_loss_).astype(int))

# %%
# Nearest neighbours
# ------------------
# ``vec.wv_`` holds the word vectors as gensim ``KeyedVectors``, so all of
# gensim's tools apply to them. The nearest neighbours by cosine similarity
# show what about 24,000 short texts can teach: words used in the same
# contexts end up close, whether they mean the same or the opposite (the
# neighbours of "bad" include "cool" and "sweet": all of them describe a
# film). "phone" sits among the product-review vocabulary (camera, player),
# next to a few words that only share its contexts by chance: the corpus is
# small.
import matplotlib.pyplot as plt

queries = ["good", "bad", "movie", "phone", "funny"]
fig, axes = plt.subplots(1, len(queries), figsize=(13, 3), sharex=True)
for ax, word in zip(axes, queries):
    neighbours = vec.wv_.most_similar(word, topn=6)
    print(f"{word:>6}: " + ", ".join(f"{w} ({s:.2f})" for w, s in neighbours))
    words, similarities = zip(*neighbours)
    ax.barh(words, similarities, color="tab:blue", alpha=0.7)
    for i, similarity in enumerate(similarities):
        ax.text(0.03, i, f"{similarity:.2f}", va="center", color="white")
    ax.invert_yaxis()
    ax.set_title(f'"{word}"')
    ax.set_xlim(0, 1)
    ax.set_xlabel("cosine similarity")
fig.suptitle("The six nearest neighbours of five words in the pretrained vectors")
fig.tight_layout()
plt.show()

# %%
# Word vectors as features for domain transfer
# --------------------------------------------
# The task: learn sentiment from labelled movie reviews (the source domain)
# and predict it on product reviews (the target domain), whose labels are
# kept aside for scoring only. :func:`~sktransfer.utils.pack_domains` stacks
# the two into one ``X, y`` with ``-1`` for the unlabelled product reviews, and
# :class:`~sktransfer.adaptation.DomainAwareClassifier` fits its classifier on
# the labelled rows only (see
# :ref:`sphx_glr_auto_examples_adaptation_plot_domain_aware_classifier.py`).
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.utils import pack_domains

movies = load_sentiment_domains("movie_reviews")
products = load_sentiment_domains("product_reviews")
X, y, sample_domain = pack_domains(
    source=(movies.data, movies.target), target=products.data
)
print(f"{np.sum(y != -1)} labelled movie reviews, {np.sum(y == -1)} product reviews")

# %%
# Three feature sets feed the same logistic regression. TF-IDF learns its
# vocabulary from both domains' text. The two word2vec pipelines reuse the
# pretrained vectors as they are (``pretrained=vec.wv_``, and
# ``fine_tune=False``, the default, so they train nothing): ``'mean'``
# averages the vectors of a text's words, ``'sif'`` weights rare words more
# and removes the direction shared by all texts (Arora et al., 2017); it
# learns its word weights and that direction from the texts of ``X``, both
# domains. The pooled vectors are standardised, as logistic regression's
# penalty assumes features on one scale.


def classifier():
    return DomainAwareClassifier(LogisticRegression(max_iter=1000))


pipelines = {
    "TF-IDF": make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2), classifier()),
    "word2vec, mean": make_pipeline(
        Word2VecVectorizer(pretrained=vec.wv_, pooling="mean"),
        StandardScaler(),
        classifier(),
    ),
    "word2vec, SIF": make_pipeline(
        Word2VecVectorizer(pretrained=vec.wv_, pooling="sif"),
        StandardScaler(),
        classifier(),
    ),
}


def scores(model):
    """Accuracy and balanced accuracy of ``model`` on the product reviews."""
    pred = model.predict(products.data)
    return (
        accuracy_score(products.target, pred),
        balanced_accuracy_score(products.target, pred),
    )


print(f"{'features':<16}{'dims':>7}{'accuracy':>10}{'balanced':>10}")
for name, pipe in pipelines.items():
    pipe.fit(X, y)
    n_dims = len(pipe[0].get_feature_names_out())
    accuracy, balanced = scores(pipe)
    print(f"{name:<16}{n_dims:>7}{accuracy:>10.3f}{balanced:>10.3f}")
print(f"always 'positive': accuracy {products.target.mean():.3f}, balanced 0.500")

# %%
# Accuracy is on the product reviews, which are 58.6% positive; balanced
# accuracy (the mean recall of the two classes) is 0.5 for any constant
# answer. One hundred dense dimensions, learned without labels from the four
# domains' text, do about as well as the TF-IDF vocabulary of over 10,000
# words: the differences, one to two points, are close to the standard error
# of an accuracy measured on 2,985 reviews (about 0.009). The word vectors
# here come from only about 24,000 short texts; larger pretrained vectors
# (``pretrained="path/to/vectors.bin"``), optionally trained further on the
# domains' text (``fine_tune=True``), are a drop-in replacement.
#
# Save the vectors and load them back
# -----------------------------------
# :meth:`~sktransfer.embeddings.Word2VecVectorizer.export_vectors` writes the
# word vectors in the word2vec binary format (or ``format="word2vec_text"``,
# ``"glove"``, ``"gensim"``), readable by gensim and most other tools. A new
# vectorizer loads them with ``pretrained=path``. The file is read in ``fit``,
# not in ``__init__``, so cloning the pipeline (as
# :class:`~sklearn.model_selection.GridSearchCV` does) never copies the table.
import tempfile
from pathlib import Path

with tempfile.TemporaryDirectory() as tmp:
    path = vec.export_vectors(Path(tmp) / "sentiment_word2vec.bin")
    print(f"wrote {path.name}: {path.stat().st_size / 1e6:.1f} MB")
    reloaded = make_pipeline(
        Word2VecVectorizer(pretrained=path, pooling="mean"),
        StandardScaler(),
        classifier(),
    ).fit(X, y)

in_memory = pipelines["word2vec, mean"]
same_features = np.array_equal(
    reloaded[0].transform(products.data), in_memory[0].transform(products.data)
)
print("same features as with the vectors in memory:", same_features)
print(
    "same predictions:",
    np.array_equal(reloaded.predict(products.data), in_memory.predict(products.data)),
)

# %%
# The temporary directory is gone, but the fitted pipeline keeps the vectors
# it loaded, so it still predicts. To keep a whole fitted vectorizer (vectors
# and pooling statistics) rather than just the vectors, use
# :meth:`~sktransfer.embeddings.Word2VecVectorizer.save` and
# :meth:`~sktransfer.embeddings.Word2VecVectorizer.load`.
