"""Loader for the bundled multi-domain sentiment data of Hutto & Gilbert (2014)."""

import functools
import gzip
import numbers
from importlib import resources
from types import MappingProxyType

import numpy as np
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_sentiment_domains"]

DOMAINS = ("tweets", "movie_reviews", "product_reviews", "nyt_editorials")
_DATA_FILE = "sentiment_domains.tsv.gz"
_DESCR_FILE = "sentiment_domains.rst"
_HEADER = "domain\tid\trating\ttext"
_TARGET_NAMES = ("negative", "positive")


def _package_files():
    return resources.files("sktransfer.datasets")


@functools.lru_cache(maxsize=1)
def _load_table():
    """Parse the bundled TSV once per process.

    Returns a read-only mapping ``domain -> (texts, ids, ratings)`` where
    ``texts`` is a tuple of str and ``ids`` / ``ratings`` are read-only arrays.
    Callers must copy before handing anything out.
    """
    raw = (_package_files() / "data" / _DATA_FILE).read_bytes()
    lines = gzip.decompress(raw).decode("utf-8").split("\n")
    if lines[0] != _HEADER or lines[-1] != "":
        raise OSError(f"{_DATA_FILE} is corrupt: unexpected header or trailer")
    columns = {name: ([], [], []) for name in DOMAINS}
    for lineno, line in enumerate(lines[1:-1], start=2):
        fields = line.split("\t", 3)
        if len(fields) != 4 or fields[0] not in columns:
            raise OSError(f"{_DATA_FILE} is corrupt at line {lineno}: {line[:60]!r}")
        texts, ids, ratings = columns[fields[0]]
        ids.append(fields[1])
        ratings.append(fields[2])
        texts.append(fields[3])

    table = {}
    for name, (texts, ids, ratings) in columns.items():
        ids = np.array(ids, dtype=str)
        ratings = np.array(ratings, dtype=str).astype(np.float64)
        ids.flags.writeable = False
        ratings.flags.writeable = False
        table[name] = (tuple(texts), ids, ratings)
    return MappingProxyType(table)


@functools.lru_cache(maxsize=1)
def _load_descr():
    return (_package_files() / "descr" / _DESCR_FILE).read_text(encoding="utf-8")


def _check_domains(domains):
    """Return the selected domain names as a list of str, validated."""
    if domains is None:
        return list(DOMAINS)
    if isinstance(domains, str):
        domains = [domains]
    elif isinstance(domains, bytes) or not hasattr(domains, "__iter__"):
        raise TypeError(
            "domains must be None, a domain name or a list of domain names, "
            f"got {type(domains).__name__}."
        )
    else:
        domains = list(domains)
    valid = ", ".join(repr(name) for name in DOMAINS)
    if not domains:
        raise ValueError(f"domains must not be empty; valid domain names are {valid}.")
    for name in domains:
        if not isinstance(name, str):
            raise TypeError(
                f"domain names must be str, got {type(name).__name__} ({name!r})."
            )
    domains = [str(name) for name in domains]
    unknown = [name for name in domains if name not in DOMAINS]
    if unknown:
        raise ValueError(
            f"Unknown domain name(s) {unknown}; valid domain names are {valid}."
        )
    duplicates = sorted({name for name in domains if domains.count(name) > 1})
    if duplicates:
        raise ValueError(f"domains contains duplicate names: {duplicates}.")
    return domains


def _check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}.")
    return bool(value)


def _check_threshold(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"neutral_threshold must be a real number, got {type(value).__name__}."
        )
    value = float(value)
    if not 0.0 <= value <= 4.0:  # also rejects NaN
        raise ValueError(f"neutral_threshold must be in [0, 4], got {value!r}.")
    return value


def load_sentiment_domains(
    domains=None,
    *,
    drop_neutral=True,
    neutral_threshold=0.5,
    shuffle=False,
    random_state=None,
    return_X_y=False,
):
    """Load the multi-domain sentiment data set of Hutto & Gilbert (2014).

    Short English texts from four domains, each rated for sentiment by at
    least 20 human raters, bundled with the package (no download needed).
    Texts are turned into a binary negative / positive classification task,
    which makes the data a small, real benchmark for cross-domain transfer.

    ===================  =======  ===============================================
    Domain               Texts    Source
    ===================  =======  ===============================================
    ``tweets``           4,200    tweet-like texts (4,000 inspired by public
                                  tweets, 200 contrived to test syntax and
                                  intensity cues)
    ``movie_reviews``    10,605   sentence snippets of rottentomatoes.com
                                  reviews (Pang & Lee, 2004)
    ``product_reviews``  3,708    sentence snippets of 309 Amazon customer
                                  reviews of 5 products (Hu & Liu, 2004)
    ``nyt_editorials``   5,190    sentence snippets of 500 New York Times
                                  opinion editorials
    ===================  =======  ===============================================

    The ``rating`` of a text is the mean of its human ratings on a scale from
    -4 (extremely negative) through 0 (neutral) to +4 (extremely positive).
    With the default filtering (drop texts with ``|rating| < 0.5``) the four
    domains keep 3,432, 10,072, 2,985 and 2,970 texts, of which 68.3%, 49.6%,
    58.6% and 40.0% are positive: the domains differ in vocabulary, length,
    style and label balance.

    Parameters
    ----------
    domains : str or list of str, default=None
        Domain(s) to load, among ``"tweets"``, ``"movie_reviews"``,
        ``"product_reviews"`` and ``"nyt_editorials"``. ``None`` loads all
        four in that order. Rows are grouped by domain in the order given.

    drop_neutral : bool, default=True
        If True, drop the near-neutral texts, i.e. those with
        ``|rating| < neutral_threshold``. If False, keep every text.

    neutral_threshold : float, default=0.5
        Half-width of the near-neutral band, in [0, 4]. See Notes.

    shuffle : bool, default=False
        If True, shuffle the rows within each domain (they stay grouped by
        domain). The upstream order is not random (see Notes).

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling; used only with ``shuffle=True``. Pass an int
        for the same order on every call.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : list of str
            The texts, grouped by domain.
        rating : ndarray of shape (n_samples,), dtype float64
            Mean human sentiment rating in [-4, 4].
        target : ndarray of shape (n_samples,), dtype int64
            Binary label: 0 (negative) or 1 (positive).
        domain : ndarray of shape (n_samples,), dtype str
            Domain name of each text, e.g. for
            :class:`~sklearn.model_selection.LeaveOneGroupOut`.
        domain_names : list of str
            The selected domains, in the order of the rows.
        ids : ndarray of shape (n_samples,), dtype str
            Original ids of the texts in the upstream files (unique within a
            domain, not across domains).
        target_names : ndarray of shape (2,)
            ``['negative', 'positive']``.
        DESCR : str
            Full description of the data set.

    (data, target) : tuple if ``return_X_y`` is True
        The list of texts and the int64 label array.

    See Also
    --------
    sklearn.model_selection.LeaveOneGroupOut : Leave-one-domain-out
        cross-validation, with ``groups=data.domain``.

    Notes
    -----
    Labelling rule, with ``t = neutral_threshold``:

    - ``drop_neutral=True`` (and ``t > 0``): texts with ``rating >= t`` are
      positive (1), texts with ``rating <= -t`` are negative (0), and the
      near-neutral texts with ``|rating| < t`` are dropped. With ``t = 0``
      nothing is dropped and labels are as for ``drop_neutral=False``.
    - ``drop_neutral=False``: every text is kept and labelled by the sign of
      its rating, 1 if ``rating > 0`` else 0; a rating of exactly 0 is
      labelled negative (0). ``neutral_threshold`` is then unused.

    By default rows keep the order of the upstream files, which is not
    random: within a domain, long runs of texts share a label (the first 500
    movie-review snippets are 98% positive). Draw subsets at random (e.g.
    with ``numpy.random.RandomState.choice`` or ``train_test_split``), or
    load with ``shuffle=True``, before slicing ``data[:n]``.

    The data are the "ground truth" files of the VADER paper, taken from the
    ``vaderSentiment==3.3.2`` source distribution, where they are distributed
    under the MIT license (Copyright (c) 2016 C.J. Hutto); see
    ``sktransfer/datasets/data/LICENSE_sentiment_domains.txt``. Ids, ratings
    and texts are unchanged. If you use the data, please cite:

    Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model
    for Sentiment Analysis of Social Media Text. ICWSM-14.

    The file is parsed once per process and cached; every call returns fresh
    copies, so modifying a result does not affect later calls.

    Examples
    --------
    >>> from sktransfer.datasets import load_sentiment_domains
    >>> data = load_sentiment_domains(drop_neutral=False)
    >>> for name in data.domain_names:
    ...     print(name, int((data.domain == name).sum()))
    tweets 4200
    movie_reviews 10605
    product_reviews 3708
    nyt_editorials 5190
    >>> len(data.data), data.target_names
    (23703, array(['negative', 'positive'], dtype='<U8'))
    >>> X, y = load_sentiment_domains("product_reviews", return_X_y=True)
    >>> len(X), y.shape, y.dtype
    (2985, (2985,), dtype('int64'))
    """
    selected = _check_domains(domains)
    drop_neutral = _check_bool(drop_neutral, "drop_neutral")
    threshold = _check_threshold(neutral_threshold)
    shuffle = _check_bool(shuffle, "shuffle")
    return_X_y = _check_bool(return_X_y, "return_X_y")
    rng = check_random_state(random_state) if shuffle else None

    table = _load_table()
    texts, ids, ratings, domain = [], [], [], []
    for name in selected:
        name_texts, name_ids, name_ratings = table[name]
        texts.extend(name_texts)
        ids.append(name_ids)
        ratings.append(name_ratings)
        domain.append(np.full(len(name_texts), name))
    # np.concatenate always returns new, writeable arrays.
    ids = np.concatenate(ids)
    rating = np.concatenate(ratings)
    domain = np.concatenate(domain)

    if drop_neutral:
        keep = np.abs(rating) >= threshold
        texts = [text for text, k in zip(texts, keep) if k]
        ids, rating, domain = ids[keep], rating[keep], domain[keep]
    if shuffle:
        # A permutation within each domain: the rows stay grouped by domain.
        order = np.concatenate(
            [rng.permutation(np.flatnonzero(domain == name)) for name in selected]
        ).astype(np.intp)
        texts = [texts[i] for i in order]
        ids, rating, domain = ids[order], rating[order], domain[order]
    # For kept rows with t > 0, ``rating > 0`` is the same as ``rating >= t``.
    target = (rating > 0).astype(np.int64)

    if return_X_y:
        return texts, target
    return Bunch(
        data=texts,
        rating=rating,
        target=target,
        domain=domain,
        domain_names=selected,
        ids=ids,
        target_names=np.array(_TARGET_NAMES),
        DESCR=_load_descr(),
    )
