"""
==========================================================
A neural network on dense features, with domain adaptation
==========================================================

:class:`~sktransfer.neural.NeuralClassifier` is a multi-layer perceptron on a
2-D array of numbers, with the transfer objectives of
:class:`~sktransfer.neural.TextClassifier`: it goes after any scikit-learn
step that turns documents into dense features. Here the features are a
TF-IDF reduced by :class:`~sklearn.decomposition.TruncatedSVD` (latent
semantic analysis), fitted on the text of both domains; the network learns
on labelled product reviews and is scored on tweets, whose labels it never
sees. It needs the ``torch`` extra (``pip install "sktransfer[torch]"``).
"""

# %%
# PyTorch uses every core by default; on a small machine one thread is
# faster for a network this small, and it keeps the example quick.
import torch

torch.set_num_threads(1)

# %%
# Labelled source rows, unlabelled target rows
# --------------------------------------------
# :func:`~sktransfer.utils.pack_domains` puts 1,000 labelled product reviews
# and 1,000 tweets into one ``X`` with ``y == -1`` on the tweets. The
# tweets' labels are kept aside for the evaluation only.
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
# Pipelines: TF-IDF, SVD, then the network
# ----------------------------------------
# The network gets 100 SVD components. Each pipeline below differs only in
# the network's transfer parameter: none (source only), ``domain_adversarial``
# (DANN) and ``coral_loss`` (deep CORAL), which also train on the unlabelled
# tweets of ``X``. A ``teacher`` gets the features the network sees (the SVD
# components, not the documents): here a logistic regression fitted on them.
import time

from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.pipeline import make_pipeline

from sktransfer.neural import NeuralClassifier

features = make_pipeline(
    TfidfVectorizer(min_df=2), TruncatedSVD(100, random_state=0)
).fit(X)
Z = features.transform(X)
labelled = y != -1
teacher = FrozenEstimator(LogisticRegression(C=10).fit(Z[labelled], y[labelled]))

settings = {
    "source only": {},
    "domain_adversarial=0.3": {"domain_adversarial": 0.3},
    "coral_loss=1": {"coral_loss": 1.0},
    "teacher": {"teacher": teacher},
}
for name, params in settings.items():
    net = NeuralClassifier(
        hidden_layer_sizes=(64,),
        max_epochs=30,
        lr=3e-3,
        device="cpu",
        random_state=0,
        **params,
    )
    pipe = make_pipeline(features, net)
    start = time.perf_counter()
    # (The fitted feature steps are fitted again on X: the same result.)
    pipe.fit(X, y)
    pred = pipe.predict(X_target)
    print(
        f"{name:24s} tweets accuracy {accuracy_score(y_target, pred):.3f}, "
        f"balanced accuracy {balanced_accuracy_score(y_target, pred):.3f} "
        f"({time.perf_counter() - start:.1f} s)"
    )

# %%
# The teacher alone, for reference, and the majority class:
pred = teacher.predict(features.transform(X_target))
print(
    f"{'logistic regression':24s} tweets accuracy "
    f"{accuracy_score(y_target, pred):.3f}, balanced accuracy "
    f"{balanced_accuracy_score(y_target, pred):.3f}"
)
print(f"majority class: {max(np.mean(y_target), 1 - np.mean(y_target)):.3f}")

# %%
# One split and one seed: differences of a point or two are noise. See
# :ref:`transfer_objectives` for when each objective helps, and the
# ``heads='per_domain'`` and ``init_from`` parameters for labelled target
# rows.
