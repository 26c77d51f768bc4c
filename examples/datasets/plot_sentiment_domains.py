"""
=======================================
The bundled multi-domain sentiment data
=======================================

sktransfer ships a small, real benchmark for cross-domain transfer: short
English texts from four domains (tweets, movie reviews, product reviews and New
York Times editorials), each rated for sentiment by at least 20 human raters
(Hutto & Gilbert, 2014). :func:`~sktransfer.datasets.load_sentiment_domains`
loads it offline and turns the ratings into a binary negative / positive task.

This example looks at how the domains differ: size, class balance, ratings and
text length. Those differences are what makes transfer from one domain to
another hard.
"""

# %%
# Load the data
# -------------
# By default, the near-neutral texts (``|rating| < 0.5``) are dropped and the
# rest are labelled by the sign of their rating. ``data.domain`` gives the
# domain of each text.
import numpy as np
from sklearn.metrics import balanced_accuracy_score

from sktransfer.datasets import load_sentiment_domains

data = load_sentiment_domains()
print(f"{len(data.data)} texts in {len(data.domain_names)} domains")
print("labels:", ", ".join(f"{i} = {n}" for i, n in enumerate(data.target_names)))
print("first text:", repr(data.data[0]), "rating", data.rating[0])

# %%
# Counts and class balance per domain
# -----------------------------------
# The domains differ in size and, more importantly for transfer, in label
# balance: about two thirds of the tweets are positive, but only four in ten
# editorial snippets. A classifier that learns the base rate of one domain
# carries it to the other.
all_texts = load_sentiment_domains(drop_neutral=False)

print(f"{'domain':<16}{'texts':>7}{'kept':>7}{'positive':>10}{'words':>7}")
for name in data.domain_names:
    in_domain = data.domain == name
    n_all = int((all_texts.domain == name).sum())
    n_kept = int(in_domain.sum())
    positive = data.target[in_domain].mean()
    words = np.median([len(t.split()) for t, d in zip(data.data, in_domain) if d])
    print(f"{name:<16}{n_all:>7}{n_kept:>7}{positive:>10.1%}{words:>7.0f}")

# %%
# ``texts`` counts every text, ``kept`` those left after dropping the
# near-neutral ones, and ``words`` is the median number of words per text.
#
# Ratings
# -------
# A histogram of the mean ratings, by domain, on the full data: the
# near-neutral band that the default loading drops (``|rating| < 0.5``) lies
# in the two middle bins. The editorials are the most neutral domain, with
# seven texts in ten rated between -1 and +1.
bins = np.arange(-4.0, 4.5, 1.0)
labels = [f"[{lo:+.0f},{hi:+.0f})" for lo, hi in zip(bins[:-1], bins[1:])]
print(f"{'domain':<16}" + "".join(f"{label:>9}" for label in labels))
for name in all_texts.domain_names:
    counts, _ = np.histogram(all_texts.rating[all_texts.domain == name], bins=bins)
    print(f"{name:<16}" + "".join(f"{c:>9}" for c in counts))

# %%
# Plot the counts per domain
# --------------------------
# Negative and positive texts per domain, after the default filtering.
import matplotlib.pyplot as plt

names = data.domain_names
negative = [int(((data.domain == n) & (data.target == 0)).sum()) for n in names]
positive = [int(((data.domain == n) & (data.target == 1)).sum()) for n in names]

x = np.arange(len(names))
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
ax.bar(x - 0.2, negative, width=0.4, label=data.target_names[0])
ax.bar(x + 0.2, positive, width=0.4, label=data.target_names[1])
ax.set_xticks(x, [n.replace("_", " ") for n in names])
ax.set_ylabel("number of texts")
ax.set_title("Bundled sentiment domains (near-neutral texts dropped)")
ax.legend()

# %%
# How far apart are the domains?
# ------------------------------
# The cost of moving a classifier from one domain to another, measured: for
# every ordered pair, TF-IDF and a logistic regression are trained on 2,000
# labelled texts of the source domain (the rows of the heatmap) and scored on
# 2,000 texts of the target domain (the columns), whose labels the model
# never sees; the unlabelled target texts only join the TF-IDF vocabulary,
# through :func:`~sktransfer.utils.pack_domains` and
# :class:`~sktransfer.adaptation.DomainAwareClassifier`. The diagonal is the
# in-domain score, by 5-fold cross-validation. The score is the balanced
# accuracy (the mean recall of the two classes), so that a domain's class
# balance does not flatter it: 0.5 is what a constant answer gets.
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sktransfer.adaptation import DomainAwareClassifier
from sktransfer.utils import pack_domains

rng = np.random.RandomState(0)
texts = np.asarray(data.data, dtype=object)
sample = {}
for name in names:
    rows = rng.choice(np.flatnonzero(data.domain == name), 2000, replace=False)
    sample[name] = (texts[rows].tolist(), data.target[rows])


def model():
    return make_pipeline(
        TfidfVectorizer(sublinear_tf=True, min_df=2),
        DomainAwareClassifier(LogisticRegression(solver="liblinear")),
    )


scores = np.empty((len(names), len(names)))
for i, source in enumerate(names):
    Xs, ys = sample[source]
    scores[i, i] = cross_val_score(model(), Xs, ys, scoring="balanced_accuracy").mean()
    for j, target in enumerate(names):
        if i != j:
            Xt, yt = sample[target]
            X, y, _ = pack_domains(source=(Xs, ys), target=Xt)
            scores[i, j] = balanced_accuracy_score(yt, model().fit(X, y).predict(Xt))

labels = [n.replace("_", " ") for n in names]
fig, ax = plt.subplots(figsize=(6, 5), layout="constrained")
image = ax.imshow(scores, cmap="viridis", vmin=0.5, vmax=scores.max())
for i in range(len(names)):
    for j in range(len(names)):
        color = "black" if scores[i, j] > 0.5 + 0.6 * (scores.max() - 0.5) else "white"
        ax.text(j, i, f"{scores[i, j]:.2f}", ha="center", va="center", color=color)
ax.set_xticks(range(len(names)), labels, rotation=20)
ax.set_yticks(range(len(names)), labels)
ax.set_xlabel("scored on (target domain)")
ax.set_ylabel("trained on (source domain)")
ax.set_title("Balanced accuracy of a source-only model")
fig.colorbar(image, ax=ax, shrink=0.8, label="balanced accuracy")

# %%
# Every off-diagonal cell is below the diagonal of its row: a model loses
# accuracy on a domain it was not trained on, by a few points for the
# closest pairs and by more than ten for the farthest. The matrix is not
# symmetric either: how well a model transfers depends on the direction.
# Closing these gaps without target labels is what the adaptation methods of
# sktransfer are for.
#
# To train on one domain and predict on another, stack the domains with
# :func:`~sktransfer.utils.pack_domains`; the next example does exactly that.
