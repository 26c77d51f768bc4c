"""Small, bundled data sets for examples, tests and benchmarks.

Every loader in this module works offline: the data ship with the package as
compressed files under ``sktransfer/datasets/data`` (together with their
licenses), and a description of each data set is available in the ``DESCR``
field of the returned :class:`~sklearn.utils.Bunch`.

- :func:`load_sentiment_domains` -- human-rated sentiment of short texts from
  four domains (tweets, movie reviews, product reviews, newspaper editorials),
  a natural benchmark for cross-domain transfer.
"""

from sktransfer.datasets._sentiment import load_sentiment_domains

__all__ = ["load_sentiment_domains"]
