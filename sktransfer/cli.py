"""The ``sktransfer`` command.

``sktransfer demo`` runs the main job end to end on the bundled data: a table
of how well a sentiment classifier trained on one domain transfers to each of
the others.
"""

import argparse
import sys
import time

import numpy as np

__all__ = ["main", "run_demo"]

_METRICS = ("accuracy", "balanced_accuracy")


def _demo_pipeline(random_state):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sktransfer.adaptation import DomainAwareClassifier

    return make_pipeline(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
        DomainAwareClassifier(
            LogisticRegression(C=10.0, max_iter=2000, random_state=random_state)
        ),
    )


def run_demo(domains=None, *, cv=5, metric="accuracy", random_state=0, n_jobs=None):
    """Score source-only transfer between every ordered pair of domains.

    For every ordered pair (source, target) of the bundled sentiment domains, a
    TF-IDF + logistic regression pipeline ending with
    :class:`~sktransfer.adaptation.DomainAwareClassifier` is fitted on the
    labelled source documents together with the unlabelled target documents
    (the vectorizer sees both; the classifier uses only the labels), and
    scored on the target labels. The diagonal holds the in-domain score,
    estimated by stratified cross-validation.

    Parameters
    ----------
    domains : list of str, default=None
        Domains of :func:`~sktransfer.datasets.load_sentiment_domains`; all
        four when None.
    cv : int, default=5
        Number of folds for the in-domain (diagonal) scores.
    metric : {'accuracy', 'balanced_accuracy'}, default='accuracy'
        Score reported in the table.
    random_state : int, default=0
        Seed of the cross-validation shuffling and of the classifier.
    n_jobs : int, default=None
        Parallel jobs for the cross-validation.

    Returns
    -------
    domains : list of str
        Row and column order of ``scores``.
    scores : ndarray of shape (n_domains, n_domains)
        ``scores[i, j]``: trained on domain ``i``, scored on domain ``j``.

    Examples
    --------
    >>> from sktransfer.cli import run_demo
    >>> names, scores = run_demo(["tweets", "product_reviews"], cv=2)
    >>> names
    ['tweets', 'product_reviews']
    >>> scores.shape
    (2, 2)
    >>> bool(scores.min() > 0.6)
    True
    """
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from sktransfer.datasets import load_sentiment_domains
    from sktransfer.utils import pack_domains

    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}, got {metric!r}.")
    data = load_sentiment_domains(domains)
    names = list(data.domain_names)
    docs = np.asarray(data.data, dtype=object)
    by_domain = {
        d: (docs[data.domain == d].tolist(), data.target[data.domain == d])
        for d in names
    }
    score = {"accuracy": accuracy_score, "balanced_accuracy": balanced_accuracy_score}[
        metric
    ]
    scores = np.empty((len(names), len(names)))
    for i, source in enumerate(names):
        Xs, ys = by_domain[source]
        folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
        scores[i, i] = cross_val_score(
            _demo_pipeline(random_state),
            Xs,
            ys,
            cv=folds,
            scoring=metric,
            n_jobs=n_jobs,
        ).mean()
        for j, target in enumerate(names):
            if i == j:
                continue
            Xt, yt = by_domain[target]
            X, y, _ = pack_domains(source=(Xs, ys), target=Xt)
            pipe = _demo_pipeline(random_state).fit(X, y)
            # Score only on the target documents, with their true labels.
            scores[i, j] = score(yt, pipe.predict(Xt))
    return names, scores


def _format_table(names, scores, metric):
    width = max(6, *(len(n) for n in names)) + 2
    lines = [
        f"Source-only {metric} (rows: trained on; columns: scored on; "
        "diagonal: in-domain cross-validation)",
        " " * width + "".join(f"{n:>{width}}" for n in names),
    ]
    for name, row in zip(names, scores):
        lines.append(f"{name:<{width}}" + "".join(f"{v:>{width}.3f}" for v in row))
    return "\n".join(lines)


def _cmd_demo(args):
    start = time.perf_counter()
    names, scores = run_demo(
        args.domains, cv=args.cv, metric=args.metric, n_jobs=args.n_jobs
    )
    print(_format_table(names, scores, args.metric))
    off = scores[~np.eye(len(names), dtype=bool)]
    print(
        f"\nmean in-domain {args.metric}: {np.diag(scores).mean():.3f}; "
        f"mean cross-domain: {off.mean():.3f} "
        f"({time.perf_counter() - start:.1f} s)"
    )
    return 0


def _build_parser():
    from sktransfer._version import __version__

    parser = argparse.ArgumentParser(
        prog="sktransfer",
        description="Transfer learning for text as scikit-learn estimators.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="score source-only transfer between the bundled sentiment domains",
        description=(
            "Print a table of source-only scores on every ordered pair of the "
            "bundled sentiment domains (TF-IDF + logistic regression)."
        ),
    )
    demo.add_argument(
        "--domains",
        nargs="+",
        default=None,
        help="domains to use (default: all four)",
    )
    demo.add_argument("--cv", type=int, default=5, help="folds for the diagonal")
    demo.add_argument("--metric", choices=_METRICS, default="accuracy")
    demo.add_argument("--n-jobs", type=int, default=None, help="parallel CV jobs")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv=None):
    """Run the ``sktransfer`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        Exit status (0 on success).
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:
        parser.exit(2, f"sktransfer {args.command}: error: {exc}\n")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
