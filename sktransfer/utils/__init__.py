"""Utilities shared by every family: the domain contract and estimator discovery.

The domain contract (which rows are source or target, labelled or not) is
implemented once in :func:`check_domains`; :func:`pack_domains` and
:func:`split_domains` build and take apart the ``X, y, sample_domain`` triple
that every domain-aware estimator accepts.
"""

from sktransfer.utils._domains import (
    DomainMasks,
    MinusOneClassWarning,
    check_domains,
)
from sktransfer.utils._packing import pack_domains, split_domains

__all__ = [
    "DomainMasks",
    "MinusOneClassWarning",
    "check_domains",
    "pack_domains",
    "split_domains",
]
