"""Find the estimators, functions and displays of sktransfer."""

import importlib
import inspect
import pkgutil
from operator import itemgetter

from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    TransformerMixin,
)

__all__ = ["all_estimators"]

# Subpackages whose import needs an optional backend; skipped when it is missing.
_OPTIONAL = {
    "sktransfer.neural": ("torch", "skorch"),
    "sktransfer.transformers": ("torch", "skorch", "transformers"),
}
_SKIP = ("sktransfer.cli", "sktransfer._version")

_TYPE_FILTERS = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
}


def _walk_modules():
    import sktransfer

    for info in pkgutil.walk_packages(sktransfer.__path__, prefix="sktransfer."):
        name = info.name
        if name.startswith(_SKIP) or ".tests" in name:
            continue
        try:
            yield importlib.import_module(name)
        except ImportError as exc:
            missing = getattr(exc, "name", None) or ""
            optional = any(
                name.startswith(pkg) and missing.split(".")[0] in deps
                for pkg, deps in _OPTIONAL.items()
            )
            if not optional:
                raise


def all_estimators(type_filter=None):
    """List every public estimator class of sktransfer.

    Walks the package (optional families whose backend is not installed are
    skipped) and returns the concrete :class:`~sklearn.base.BaseEstimator`
    subclasses whose names do not start with an underscore. The common tests
    run over this list, so a new estimator is checked as soon as it exists.

    Parameters
    ----------
    type_filter : {'classifier', 'regressor', 'transformer'} or list of such \
            str, default=None
        Keep only estimators of these kinds. None keeps every estimator.

    Returns
    -------
    estimators : list of tuple (str, type)
        Pairs ``(name, class)`` sorted by name.

    Examples
    --------
    >>> from sktransfer.utils.discovery import all_estimators
    >>> names = [name for name, _ in all_estimators(type_filter="classifier")]
    >>> "DomainAwareClassifier" in names
    True
    """
    if type_filter is not None:
        filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        unknown = [f for f in filters if f not in _TYPE_FILTERS]
        if unknown:
            raise ValueError(
                f"type_filter must be None or among {sorted(_TYPE_FILTERS)}, "
                f"got {unknown}."
            )
    found = {}
    for module in _walk_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                name.startswith("_")
                or not cls.__module__.startswith("sktransfer.")
                or not issubclass(cls, BaseEstimator)
                or inspect.isabstract(cls)
            ):
                continue
            found[name] = cls
    estimators = sorted(found.items(), key=itemgetter(0))
    if type_filter is not None:
        mixins = tuple(_TYPE_FILTERS[f] for f in filters)
        estimators = [(n, c) for n, c in estimators if issubclass(c, mixins)]
    return estimators
