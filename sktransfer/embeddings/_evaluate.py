"""Intrinsic evaluation of word vectors on the benchmarks shipped with gensim."""

import logging
import numbers
import warnings

import numpy as np

__all__ = ["evaluate_word_vectors"]

_PAIRS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
_ANALOGIES = "questions-words.txt"


def evaluate_word_vectors(vectors, *, restrict_vocab=300_000, analogies=True):
    """Score word vectors on word similarity and analogy benchmarks.

    Uses the benchmark files shipped inside gensim's wheel (no download):
    WordSim353 and SimLex-999 (Spearman correlation between the vectors'
    cosine similarity and human scores) and the Google analogy questions
    (accuracy of ``a - b + c`` nearest-neighbour answers).

    Parameters
    ----------
    vectors : str, path-like, gensim KeyedVectors or fitted Word2VecVectorizer
        The vectors to evaluate (a path is read with
        :func:`~sktransfer.embeddings.load_vectors`).
    restrict_vocab : int, default=300_000
        Only the most frequent (first) words are searched, as in gensim; at
        least 1.
    analogies : bool, default=True
        Also run the analogy questions (the slowest part).

    Returns
    -------
    scores : dict
        ``{'wordsim353': {'spearman', 'pearson', 'oov'}, 'simlex999': {...},
        'analogies': {'accuracy', 'n_questions', 'n_total'}}``; ``oov`` is the
        share of pairs with a word missing from the vectors (those pairs are
        skipped). Correlations are NaN when no pair could be scored.

    Raises
    ------
    ValueError
        If ``restrict_vocab`` is not a whole number of at least 1.

    Examples
    --------
    >>> from gensim.test.utils import datapath
    >>> from sktransfer.embeddings import evaluate_word_vectors
    >>> scores = evaluate_word_vectors(datapath("euclidean_vectors.bin"),
    ...                                analogies=False)
    >>> sorted(scores)
    ['simlex999', 'wordsim353']
    >>> 0 <= scores["wordsim353"]["oov"] <= 1
    True
    """
    from gensim.test.utils import datapath

    from sktransfer.embeddings._io import load_vectors

    if (
        not isinstance(restrict_vocab, numbers.Integral)
        or isinstance(restrict_vocab, bool)
        or restrict_vocab < 1
    ):
        raise ValueError(
            "restrict_vocab must be a whole number of at least 1 (the number of "
            f"most frequent words searched), got {restrict_vocab!r}."
        )

    wv = getattr(vectors, "wv_", None)
    if wv is None:
        wv = load_vectors(vectors)
    scores = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on constant inputs
        gensim_logger = logging.getLogger("gensim")
        level = gensim_logger.level
        gensim_logger.setLevel(logging.WARNING)
        try:
            for name, fname in _PAIRS.items():
                try:
                    pearson, spearman, oov = wv.evaluate_word_pairs(
                        datapath(fname), restrict_vocab=restrict_vocab
                    )
                except ValueError:  # every pair out of vocabulary
                    nan = float("nan")
                    scores[name] = {"spearman": nan, "pearson": nan, "oov": 1.0}
                    continue
                scores[name] = {
                    "spearman": float(np.asarray(spearman)[0]),
                    "pearson": float(pearson[0]),
                    "oov": float(oov) / 100.0,
                }
            if analogies:
                accuracy, sections = wv.evaluate_word_analogies(
                    datapath(_ANALOGIES), restrict_vocab=restrict_vocab
                )
                total = sections[-1]
                n_done = len(total["correct"]) + len(total["incorrect"])
                with open(datapath(_ANALOGIES)) as fh:
                    n_total = sum(1 for line in fh if not line.startswith(":"))
                scores["analogies"] = {
                    "accuracy": float(accuracy) if n_done else float("nan"),
                    "n_questions": n_done,
                    "n_total": n_total,
                }
        finally:
            gensim_logger.setLevel(level)
    return scores
