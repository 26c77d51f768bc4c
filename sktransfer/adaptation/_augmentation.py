"""Feature augmentation ("frustratingly easy" domain adaptation)."""

import warnings

import numpy as np
from scipy import sparse
from sklearn.base import OneToOneFeatureMixin
from sklearn.utils._param_validation import StrOptions

from sktransfer.adaptation._base import (
    BaseAdapter,
    NoLabelledTargetWarning,
    _substitute_docs,
)

__all__ = ["FeatureAugmentationAdapter"]


@_substitute_docs
class FeatureAugmentationAdapter(BaseAdapter):
    """Feature augmentation: shared, source-specific and target-specific copies.

    The "frustratingly easy" method of Daumé III (2007) copies every feature
    into a *shared* block, seen by every row, and a *domain-specific* block,
    seen only by rows of that domain. A linear model fitted on the augmented
    rows learns which features behave the same in both domains (shared
    weights) and which differ (domain weights). With ``x`` a row and ``0`` a
    block of zeros:

    * source rows (training only): ``x -> [x, x, 0]``;
    * target rows, in ``fit_transform`` and ``transform``: ``x -> [x, 0, x]``.

    The method is *supervised*: the target block is learned only from
    labelled target rows. Give a few with ``sample_domain`` (target rows,
    ``sample_domain < 0``, whose label is not ``-1``); without them
    ``fit`` warns with :class:`NoLabelledTargetWarning` (it does not raise,
    so the adapter still runs in a pipeline or grid search over implicit
    domains, where it then behaves like a source-only model).

    Parameters
    ----------
    source_blocks : {'per_domain', 'pooled'}, default='per_domain'
        With several source domains (``sample_domain`` values ``0, 1, ...``):
        ``'per_domain'`` gives each source domain its own block, as in the
        paper's K-domain version (``[x, 0, x, 0, 0]`` for the second of two
        sources); ``'pooled'`` gives all sources one block. The same with a
        single source domain.

    Attributes
    ----------
    source_domains_ : ndarray of shape (n_source_blocks,)
        The ``sample_domain`` value of each source block, in block order
        (``[0]`` with implicit domains). With ``source_blocks='pooled'``, the
        smallest source domain value stands for all of them.
    n_features_out_ : int
        Number of output features, ``(n_source_blocks + 2) * n_features_in_``.
    {adapter_fitted}

    See Also
    --------
    CORALAdapter : Unsupervised alignment of covariances.
    DomainAwareClassifier : Final step fitted on the labelled rows.

    Notes
    -----
    Sparse input gives sparse (CSR) output with twice the stored entries, so
    the adapter can follow a ``TfidfVectorizer`` directly; dense input gives
    dense output. The dtype is kept (float32 or float64).

    All target domains share the target block, since ``transform`` cannot
    tell target domains apart.

    The output only copies ``X``, so it is exactly scale-equivariant: ``c *
    X`` gives ``c`` times the output of ``X``, at any scale.

    Feature names are ``shared__f``, ``source__f`` (``source<k>__f`` for
    source domain ``k`` when there are several source blocks) and
    ``target__f``, for each input feature name ``f``.

    References
    ----------
    .. [1] H. Daumé III, "Frustratingly easy domain adaptation", ACL 2007.

    Examples
    --------
    >>> import numpy as np
    >>> from sktransfer.adaptation import FeatureAugmentationAdapter
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> y = np.array([0, 1, 1])
    >>> fa = FeatureAugmentationAdapter()
    >>> fa.fit_transform(X, y, sample_domain=[0, 0, -1])  # last row: target
    array([[1., 2., 1., 2., 0., 0.],
           [3., 4., 3., 4., 0., 0.],
           [5., 6., 0., 0., 5., 6.]])
    >>> fa.transform([[7.0, 8.0]])
    array([[7., 8., 0., 0., 7., 8.]])
    >>> fa.get_feature_names_out()
    array(['shared__x0', 'shared__x1', 'source__x0', 'source__x1',
           'target__x0', 'target__x1'], dtype=object)
    """

    _parameter_constraints: dict = {
        "source_blocks": [StrOptions({"per_domain", "pooled"})],
    }

    _accept_sparse = ["csr", "csc"]

    def __init__(self, *, source_blocks="per_domain"):
        self.source_blocks = source_blocks

    def _fit_identity(self, X, masks):
        super()._fit_identity(X, masks)
        self.n_features_out_ = X.shape[1]

    def _fit_domains(self, X, masks):
        if not np.any(masks.labelled & masks.target):
            warnings.warn(
                f"{type(self).__name__} found no labelled target rows: the "
                "target-specific features are never trained, so the model "
                "that follows works like a source-only model. Pass "
                "sample_domain with a few labelled target rows (negative "
                "sample_domain, label not -1).",
                NoLabelledTargetWarning,
                stacklevel=5,
            )
        domains = np.unique(masks.sample_domain[masks.source])
        if self.source_blocks == "pooled":
            domains = domains[:1]
        self.source_domains_ = domains
        self.n_features_out_ = (domains.shape[0] + 2) * X.shape[1]
        self._n_features_out = self.n_features_out_

    def _block_of_rows(self, masks):
        """Block number (1-based among source blocks) of each source row."""
        if self.source_domains_.shape[0] == 1:
            return np.where(masks.source, 1, 0)
        block = np.zeros(masks.n_samples, dtype=np.intp)
        for b, dom in enumerate(self.source_domains_, start=1):
            block[masks.sample_domain == dom] = b
        return block

    def _augment(self, X, block):
        """Copy row ``i`` into the shared block and into block ``block[i]``.

        ``block[i]`` is ``1..n_source_blocks`` for source rows and ``-1`` for
        the target block (the last one); every other block is zero.
        """
        n, d = X.shape
        n_blocks = self.source_domains_.shape[0] + 1  # source blocks + target
        where = np.where(block < 0, n_blocks, block)
        shape = (n, (n_blocks + 1) * d)
        if sparse.issparse(X):
            X = X.tocsr()
            row = np.repeat(np.arange(n), np.diff(X.indptr))
            rows = np.concatenate([row, row])
            cols = np.concatenate([X.indices, X.indices + where[row] * d])
            data = np.concatenate([X.data, X.data])
            csr = sparse.csr_array if isinstance(X, sparse.sparray) else None
            csr = csr or sparse.csr_matrix
            return csr((data, (rows, cols)), shape=shape, dtype=X.dtype)
        out = np.zeros(shape, dtype=X.dtype)
        out[:, :d] = X
        for b in range(1, n_blocks + 1):
            idx = np.flatnonzero(where == b)
            out[idx, b * d : (b + 1) * d] = X[idx]
        return out

    def _transform_training(self, X, masks):
        block = self._block_of_rows(masks)
        block[masks.target] = -1
        return self._augment(X, block)

    def _transform_target(self, X):
        return self._augment(X, np.full(X.shape[0], -1, dtype=np.intp))

    def _transform_identity(self, X):
        return X.copy() if not sparse.issparse(X) else X.tocsr(copy=True)

    def _get_feature_names_out(self, input_features):
        names = OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        if self.source_domains_.shape[0] == 1:
            source = ["source"]
        else:
            source = [f"source{dom}" for dom in self.source_domains_]
        prefixes = ["shared", *source, "target"]
        return np.asarray(
            [f"{prefix}__{name}" for prefix in prefixes for name in names],
            dtype=object,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
