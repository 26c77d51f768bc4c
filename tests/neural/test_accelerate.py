"""The text nets under Hugging Face accelerate (skorch's AccelerateMixin), on CPU.

The recipe of the "Beyond one machine" guide: a one-line subclass
``AcceleratedTextClassifier(AccelerateMixin, TextClassifier)``. On one CPU
process it must train exactly as the plain net with the same seed, work in a
grid search, pickle once training has unwrapped the module, and hand its
weights to a plain TextClassifier (for ``save_pretrained``). bf16 mixed
precision runs on a CPU too (autocast to bfloat16). Several GPUs (data
parallelism) are not tested here.
"""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

pytest.importorskip("torch")
accelerate = pytest.importorskip("accelerate")

from accelerate.state import AcceleratorState  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from skorch.hf import AccelerateMixin  # noqa: E402

from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.neural import TextClassifier  # noqa: E402


class AcceleratedTextClassifier(AccelerateMixin, TextClassifier):
    """TextClassifier trained through an ``accelerate.Accelerator``."""


PARAMS = {"embedding_dim": 16, "hidden_size": 16, "max_epochs": 3, "random_state": 0}


@pytest.fixture(autouse=True)
def fresh_accelerator_state():
    """accelerate keeps its settings in a process-wide state: reset it after."""
    yield
    AcceleratorState._reset_state(reset_partial_state=True)


@pytest.fixture(scope="module")
def reviews():
    data = load_sentiment_domains("movie_reviews")
    rng = np.random.RandomState(0)
    idx = rng.choice(len(data.data), 240, replace=False)
    return [data.data[i] for i in idx], data.target[idx]


def accelerated(**params):
    # print_log's sink: Python's print, so that verbose=0 stays silent (the
    # mixin's default, the accelerator's print, prints whatever verbose is).
    return AcceleratedTextClassifier(
        accelerator=accelerate.Accelerator(cpu=True, **params),
        callbacks__print_log__sink=print,
        **PARAMS,
    )


def test_trains_as_the_plain_net_with_the_same_seed(reviews, capsys):
    X, y = reviews
    plain = TextClassifier(device="cpu", **PARAMS).fit(X, y)
    net = accelerated().fit(X, y)
    assert net.device is None  # placement is left to accelerate
    assert_array_equal(net.history[:, "train_loss"], plain.history[:, "train_loss"])
    assert_array_equal(net.predict_proba(X), plain.predict_proba(X))
    assert_array_equal(net.classes_, plain.classes_)
    assert capsys.readouterr().out == ""  # verbose=0


# Unpickled with device=None, skorch picks the CPU and says so.
@pytest.mark.filterwarnings("ignore::skorch.exceptions.DeviceWarning")
def test_unwrapped_after_training_so_it_pickles(reviews):
    X, y = reviews
    net = accelerated().fit(X, y)
    # The module is the net's own again, not accelerate's wrapper.
    assert type(net.module_).__module__.startswith("sktransfer.")
    again = pickle.loads(pickle.dumps(net))
    again.set_params(device="cpu")
    assert_array_equal(again.predict_proba(X), net.predict_proba(X))


def test_hands_its_weights_to_a_plain_net(reviews, tmp_path):
    X, y = reviews
    net = accelerated().fit(X, y)
    # A plain TextClassifier over the same documents, its weights copied and
    # not trained further: it predicts exactly as the accelerated net, and
    # saves to the pickle-free directory format.
    plain = TextClassifier(init_from=net, **{**PARAMS, "max_epochs": 0}).fit(X, y)
    assert plain.transferred_ == {"embedding": 1.0, "encoder": True, "head": True}
    assert_array_equal(plain.predict_proba(X), net.predict_proba(X))
    path = plain.set_params(init_from=None).save_pretrained(tmp_path / "model")
    loaded = TextClassifier.from_pretrained(path)
    assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))


def test_grid_search_matches_the_plain_net(reviews):
    X, y = reviews
    grid = {"lr": [1e-3, 3e-2]}
    search = GridSearchCV(accelerated(), grid, cv=2).fit(X, y)
    plain = GridSearchCV(TextClassifier(device="cpu", **PARAMS), grid, cv=2).fit(X, y)
    assert search.best_params_ == plain.best_params_
    assert_array_equal(
        search.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )
    assert isinstance(clone(search.best_estimator_), AcceleratedTextClassifier)


def test_bf16_mixed_precision_on_cpu(reviews):
    X, y = reviews
    plain = TextClassifier(device="cpu", **PARAMS).fit(X, y)
    net = accelerated(mixed_precision="bf16").fit(X, y)
    # Autocast to bfloat16 changes the arithmetic, not what is learnt.
    loss, ref = net.history[:, "train_loss"], plain.history[:, "train_loss"]
    assert not np.array_equal(loss, ref)
    assert_allclose(loss, ref, rtol=1e-2)
    assert loss[-1] < loss[0]
    assert (net.predict(X) == plain.predict(X)).mean() > 0.95


def test_transfer_objectives_are_refused_not_skipped(reviews):
    # The mixin's training step comes first: the objectives would silently not
    # run, so asking for them is an error that says why.
    X, y = reviews
    y = y.copy()
    y[::3] = -1  # unlabelled target rows for the domain head
    net = accelerated()
    net.set_params(domain_adversarial=0.1)
    with pytest.raises(ValueError, match="overrides train_step_single"):
        net.fit(X, y)
