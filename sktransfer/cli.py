"""The ``sktransfer`` command.

* ``sktransfer demo`` runs the main job end to end on the bundled data: for
  every ordered pair of domains, source-only TF-IDF and word2vec models, the
  recommended adaptation recipe and (with torch) a fine-tuned
  ``TextClassifier`` compared in balanced accuracy
  (:func:`run_transfer_demo`).
* ``sktransfer pretrain CORPUS -o VECTORS`` trains word2vec vectors on a text
  file (one document per line), streamed from disk.
* ``sktransfer evaluate VECTORS`` scores vectors on word similarity and
  analogy benchmarks.
"""

import argparse
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from sktransfer._demo import (
    format_demo_table,
    one_torch_thread,
    plot_demo_gain,
    run_transfer_demo,
    summarize_demo,
)

__all__ = [
    "format_demo_table",
    "main",
    "plot_demo_gain",
    "run_demo",
    "run_transfer_demo",
    "summarize_demo",
]

_METRICS = ("accuracy", "balanced_accuracy")

#: Vector file formats ``pretrain`` writes; ``evaluate`` also reads "auto".
#: The formats of ``sktransfer.embeddings._io.VECTOR_FORMATS``, named here so
#: that building the parser does not import the embeddings.
_FORMATS = ("word2vec_binary", "word2vec_text", "glove", "gensim")


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

    A matrix of source-only scores with in-domain baselines on the diagonal;
    ``sktransfer demo`` runs :func:`run_transfer_demo`, which compares
    transfer methods. For every ordered pair (source, target) of the bundled
    sentiment domains, a TF-IDF + logistic regression pipeline ending with
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


def _write_json(result, path):
    import json

    from sktransfer.utils._atomic import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh, indent=2)
        fh.write("\n")


def _cmd_demo(args):
    # Output paths are checked before the minutes of work, not after.
    for path in (args.json, args.plot):
        if path is not None:
            _check_output_path(path)
    if args.plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise ValueError(
                "--plot needs matplotlib: pip install matplotlib"
            ) from None
    # The command is an application: its small networks train faster on one
    # torch thread (the library itself never changes torch's settings).
    with one_torch_thread():
        result = run_transfer_demo(
            args.domains,
            quick=args.quick,
            n_docs="auto" if args.n_docs is None else args.n_docs,
            n_target_labels=args.n_target_labels,
            neural=False if args.no_neural else "auto",
            random_state=args.random_state,
            progress=not args.no_progress,
        )
    if args.json is not None:
        _write_json(result, args.json)
    if args.plot is not None:
        plot_demo_gain(result, args.plot)
    print(format_demo_table(result))
    return 0


def _progress(done, total, width=30):
    filled = int(width * done / total)
    return "[" + "=" * filled + " " * (width - filled) + f"] {done}/{total}"


#: Bytes of the corpus read to decide that it is text.
_TEXT_SAMPLE_BYTES = 1 << 20

#: Largest share of control characters (other than whitespace) in text.
_MAX_CONTROL_SHARE = 0.01


def _check_output_path(path):
    """Reject an output path that cannot be written, before any work."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"output {str(path)!r} is a directory; give a file name.")
    parent = path.parent
    if not parent.is_dir():
        raise ValueError(
            f"cannot write {str(path)!r}: the folder {str(parent)!r} does not exist."
        )
    if not os.access(parent, os.W_OK):
        raise ValueError(
            f"cannot write {str(path)!r}: the folder {str(parent)!r} is not writable."
        )


def _check_text_corpus(path):
    """Reject a corpus that is missing or is not UTF-8 text.

    The first ``_TEXT_SAMPLE_BYTES`` (decompressed for ``.gz``/``.bz2``) must
    decode as UTF-8 and hold at most ``_MAX_CONTROL_SHARE`` control
    characters other than whitespace (none of them NUL).
    """
    import codecs

    from gensim import utils

    path = Path(path)
    if not path.is_file():
        what = "is a directory" if path.is_dir() else "does not exist"
        raise ValueError(f"corpus {str(path)!r} {what}.")
    try:
        with utils.open(str(path), "rb") as fh:
            sample = fh.read(_TEXT_SAMPLE_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(
            f"cannot read the corpus {str(path)!r}: {exc or type(exc).__name__} "
            "(a truncated file, or one whose name ends in .gz/.bz2 but that is "
            "not compressed?)"
        ) from None
    try:
        # An incremental decoder: a character cut by the sample's end is fine.
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"corpus {str(path)!r} is not UTF-8 text (invalid byte at offset "
            f"{exc.start}); give a text file, one document per line, encoded as "
            "UTF-8."
        ) from None
    control = sum(
        1 for ch in text if ch < " " and ch not in "\t\n\r\f\v" or ch == "\x7f"
    )
    if "\x00" in text or control > _MAX_CONTROL_SHARE * max(len(text), 1):
        raise ValueError(
            f"corpus {str(path)!r} does not look like text ({control} control "
            f"characters in its first {len(text):,}); give a text file, one "
            "document per line."
        )


def _cmd_pretrain(args):
    import tempfile

    from sktransfer.embeddings import Word2VecVectorizer, save_vectors
    from sktransfer.embeddings._corpus import LineCorpus
    from sktransfer.embeddings._tokenize import DEFAULT_TOKEN_PATTERN, Tokenizer

    _check_output_path(args.output)
    _check_text_corpus(args.corpus)
    token_pattern = None if args.whitespace else DEFAULT_TOKEN_PATTERN
    corpus = LineCorpus(args.corpus, Tokenizer(not args.no_lowercase, token_pattern))
    vec = Word2VecVectorizer(
        algorithm=args.algorithm,
        vector_size=args.vector_size,
        window=args.window,
        min_count=args.min_count,
        negative=args.negative,
        sample=args.sample,
        epochs=args.epochs,
        workers=args.workers,
        random_state=args.seed,
    )
    vec._validate_params()

    # A bar redrawn with "\r" on a terminal; plain lines in a log or a pipe.
    tty = sys.stderr.isatty()

    def progress(epoch, epochs, loss):
        line = f"{_progress(epoch, epochs)} loss={loss:.4g}"
        if tty:
            end = "" if epoch < epochs else "\n"
            print("\r" + line, end=end, file=sys.stderr, flush=True)
        else:
            print(f"epoch {line}", file=sys.stderr, flush=True)

    start = time.perf_counter()
    if args.workers > 1:
        print(
            f"note: with --workers {args.workers} the vectors differ from run to "
            "run (gensim's threads race); --workers 1 gives the same vectors for "
            "the same --seed.",
            file=sys.stderr,
            flush=True,
        )
        # gensim's corpus_file mode: each worker reads the file itself.
        with tempfile.TemporaryDirectory() as tmp:
            line_file = Path(tmp) / "corpus.txt"
            corpus.write_line_sentence(line_file)
            wv, _ = vec._train(
                None, args.vector_size, corpus_file=line_file, progress=progress
            )
    else:
        wv, _ = vec._train(corpus, args.vector_size, progress=progress)
    save_vectors(wv, args.output, format=args.format)
    print(
        f"trained {args.algorithm} vectors for {len(wv):,} words "
        f"({wv.vector_size} dimensions) in {time.perf_counter() - start:.1f} s; "
        f"wrote {args.output} ({args.format})"
    )
    return 0


def _cmd_evaluate(args):
    from sktransfer.embeddings import evaluate_word_vectors, load_vectors

    wv = load_vectors(args.vectors, format=args.format)
    scores = evaluate_word_vectors(
        wv, restrict_vocab=args.restrict_vocab, analogies=not args.no_analogies
    )
    print(f"{args.vectors}: {len(wv):,} words, {wv.vector_size} dimensions")
    print(f"{'benchmark':<14}{'score':>10}{'pearson':>10}{'OOV pairs':>11}")
    for name in ("wordsim353", "simlex999"):
        r = scores[name]
        print(
            f"{name:<14}{r['spearman']:>10.3f}{r['pearson']:>10.3f}"
            f"{100 * r['oov']:>10.1f}%"
        )
    if "analogies" in scores:
        r = scores["analogies"]
        print(
            f"{'analogies':<14}{r['accuracy']:>10.3f}{'':>10}"
            f"{100 * (1 - r['n_questions'] / r['n_total']):>10.1f}%"
        )
    print("(score: Spearman correlation for word pairs, accuracy for analogies)")
    return 0


def _positive_int(text):
    """Parse a count (an argparse type) that must be at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


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
        help="compare transfer methods on the bundled sentiment domains",
        description=(
            "Pretrain word2vec once on the text of the bundled sentiment "
            "domains, then for every ordered (source, target) pair compare "
            "source-only TF-IDF and word2vec models, the recommended adaptation "
            "recipe (make_text_adaptation_pipeline) and, when torch is "
            "installed, a TextClassifier fine-tuned with init_from on a few "
            "target labels, in target balanced accuracy and accuracy beside the "
            "majority baseline. A progress bar shows on stderr when it is a "
            "terminal; the table goes to stdout."
        ),
    )
    demo.add_argument(
        "--domains",
        nargs="+",
        default=None,
        metavar="DOMAIN",
        help="at least two domains (default: all four)",
    )
    demo.add_argument(
        "--quick",
        action="store_true",
        help="a smaller run (300 documents per domain), under a minute",
    )
    demo.add_argument(
        "--n-docs",
        type=_positive_int,
        default=None,
        help="documents drawn per domain (default: 2000, 300 with --quick)",
    )
    demo.add_argument(
        "--n-target-labels",
        type=_positive_int,
        default=50,
        help="labelled target documents of the fine-tuned networks (default: 50)",
    )
    demo.add_argument(
        "--no-neural",
        action="store_true",
        help="leave out the TextClassifier columns (they need torch)",
    )
    demo.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    demo.add_argument("--json", metavar="FILE", help="write the scores as JSON")
    demo.add_argument(
        "--plot",
        metavar="FILE",
        help="write a heatmap of the recipe's gain over source-only TF-IDF "
        "(needs matplotlib)",
    )
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.add_argument(
        "-v", "--verbose", action="store_true", help="log each fit and its score"
    )
    demo.set_defaults(func=_cmd_demo)

    pre = sub.add_parser(
        "pretrain",
        help="train word2vec vectors on a text file (one document per line)",
        description=(
            "Train Skip-gram or CBOW vectors on CORPUS, streamed from disk (one "
            "document per line; .gz/.bz2 read on the fly), and write them to "
            "VECTORS. With --workers > 1 the corpus is tokenised once to a "
            "temporary file that gensim's workers read in parallel."
        ),
    )
    pre.add_argument("corpus", help="text file, one document per line")
    pre.add_argument("-o", "--output", required=True, help="vector file to write")
    pre.add_argument("--format", default="word2vec_binary", choices=_FORMATS)
    pre.add_argument("--algorithm", choices=["skipgram", "cbow"], default="skipgram")
    pre.add_argument("--vector-size", type=int, default=100)
    pre.add_argument("--window", type=int, default=5)
    pre.add_argument("--min-count", type=int, default=5)
    pre.add_argument("--negative", type=int, default=5)
    pre.add_argument("--sample", type=float, default=1e-3)
    pre.add_argument("--epochs", type=int, default=5)
    pre.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        help="worker threads (default 1: the same vectors for the same --seed); "
        "more train from a tokenised temporary copy of the corpus in gensim's "
        "corpus_file mode, faster but not reproducible",
    )
    pre.add_argument("--seed", type=int, default=0)
    pre.add_argument("--no-lowercase", action="store_true")
    pre.add_argument(
        "--whitespace",
        action="store_true",
        help="split on whitespace instead of the default token pattern",
    )
    pre.add_argument(
        "-v", "--verbose", action="store_true", help="gensim's progress log"
    )
    pre.set_defaults(func=_cmd_pretrain)

    ev = sub.add_parser(
        "evaluate",
        help="score vectors on WordSim353, SimLex-999 and Google analogies",
        description=(
            "Spearman correlation on WordSim353 and SimLex-999 and accuracy on "
            "the Google analogy questions, from the files shipped with gensim."
        ),
    )
    ev.add_argument(
        "vectors",
        help="vector file (word2vec text/binary, GloVe; a gensim pickle only with "
        "--format gensim, for files you trust)",
    )
    ev.add_argument("--format", default="auto", choices=("auto", *_FORMATS))
    ev.add_argument(
        "--restrict-vocab",
        type=_positive_int,
        default=300_000,
        help="evaluate only the most frequent words (at least 1)",
    )
    ev.add_argument("--no-analogies", action="store_true", help="skip the analogies")
    ev.set_defaults(func=_cmd_evaluate)
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
    if getattr(args, "verbose", False):
        # The command line, not the library, configures logging: gensim's
        # progress log and sktransfer's own messages, with timestamps.
        import logging

        logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO)
    try:
        return args.func(args)
    except _USER_ERRORS as exc:
        # A user error (a bad file, path or value) is one line, as argparse
        # reports its own; anything else is a bug and keeps its traceback.
        message = str(exc) or type(exc).__name__
        if isinstance(exc, OSError | EOFError | zlib.error):
            message = _file_error_message(exc)
        parser.exit(2, f"sktransfer {args.command}: error: {message}\n")


#: Exceptions that mean bad input, not a bug: reported without a traceback.
_USER_ERRORS = (ValueError, OSError, EOFError, zlib.error)


def _file_error_message(exc):
    """One line for an error reading or writing a file."""
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        return f"{exc.strerror}: {exc.filename!r}"
    what = str(exc) or type(exc).__name__
    return f"cannot read the file: {what} (is it truncated or not compressed?)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
