"""Parameters of the skorch nets: ``device='auto'``, private attributes, cloning.

Shared by the text nets (:mod:`sktransfer.neural`) and the transformer
fine-tuners (:mod:`sktransfer.transformers`), which are both skorch
``NeuralNet`` subclasses with scikit-learn's parameter conventions.
"""

import copy

import torch
from sklearn.base import clone


def resolve_device(device):
    """Return the torch device a ``device`` parameter stands for.

    ``'auto'`` is ``'cuda'`` when PyTorch sees a GPU and ``'cpu'`` otherwise;
    every other value is returned as it is.
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def _fused_adam_supported(device):
    """Whether torch's fused Adam/AdamW runs on ``device`` (CPU: torch >= 2.4)."""
    kind = torch.device(device if device is not None else "cpu").type
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    return kind == "cuda" or (kind == "cpu" and version >= (2, 4))


class _NetParamsMixin:
    """``device`` as given, parameters without private attributes, lazy callbacks.

    Put before skorch's ``NeuralNet`` in the bases.
    """

    @property
    def device(self):
        """The torch device in use (``'auto'`` resolved; see ``get_params``)."""
        return resolve_device(vars(self).get("device", "cpu"))

    @device.setter
    def device(self, value):
        vars(self)["device"] = value

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_"; private ones are
        # implementation details, not parameters.
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    def get_params(self, deep=True, **kwargs):
        """Get the parameters (``device`` as given, e.g. ``'auto'``).

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of sub-objects (callbacks).

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep, **kwargs)
        if "device" in params:
            params["device"] = vars(self).get("device")
        return params

    def set_params(self, **params):
        """Set the parameters (skorch's ``set_params``).

        Parameters
        ----------
        **params : dict
            Parameter names (with skorch's ``module__*``, ``optimizer__*``,
            ``callbacks__*``, ... prefixes) mapped to their new values.

        Returns
        -------
        self : object
            The estimator.
        """
        if not self.initialized_:
            # skorch builds the callbacks eagerly in set_params, which fails on
            # values fit would reject with a clear message. Before fit, store
            # them; initialize_callbacks checks them.
            for key in [k for k in params if k.startswith("callbacks")]:
                vars(self)[key] = params.pop(key)
        return super().set_params(**params)


def clone_sharing(estimator, shared):
    """Clone ``estimator`` as :func:`sklearn.base.clone`, sharing some parameters.

    The parameters named in ``shared`` (fitted models that are only read, such
    as ``init_from`` or a teacher, which ``clone`` would un-fit) are passed to
    the copy as they are; the others are cloned.
    """
    params = estimator.get_params(deep=False)
    for name, value in params.items():
        if name not in shared:
            params[name] = clone(value, safe=False)
    new = type(estimator)(**params)
    for attr in ("_metadata_request", "_sklearn_output_config"):
        if hasattr(estimator, attr):
            setattr(new, attr, copy.deepcopy(getattr(estimator, attr)))
    return new
