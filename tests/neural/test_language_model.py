"""LSTM language-model pretraining: lm_pretraining_epochs, TextLanguageModel."""

import math
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV

from sktransfer.neural import TextLanguageModel, TextModule, TextRegressor
from sktransfer.neural._language_model import (
    FULL_SOFTMAX_WORDS,
    TAIL_CUTOFF,
    NextWordHead,
    directional_outputs,
    language_model_loss,
)
from sktransfer.utils._testing import TEXT_CORPUS, TEXT_LABELS

DOCS = list(TEXT_CORPUS)


def _module(vocab_size=12, dim=6, hidden=5, seed=0):
    torch.manual_seed(seed)
    return TextModule(
        vocab_size, 2, encoder="lstm", embedding_dim=dim, hidden_size=hidden
    ).eval()


def test_no_output_sees_the_word_it_predicts():
    module = _module()
    X = torch.tensor([[3, 4, 5, 6, 7, 0, 0], [2, 9, 8, 0, 0, 0, 0]])
    forward, backward = directional_outputs(module, X)
    for t in range(1, 5):
        changed = X.clone()
        changed[0, t] = 11
        f2, b2 = directional_outputs(module, changed)
        # The forward output before t has not read token t; the backward
        # output after t has not either.
        assert torch.equal(forward[0, :t], f2[0, :t])
        assert torch.equal(backward[0, t + 1 :], b2[0, t + 1 :])
        # ... while the outputs that read it change (the test can fail).
        assert not torch.equal(forward[0, t], f2[0, t])
        assert not torch.equal(backward[0, t], b2[0, t])
        # The other document of the batch is left as it was.
        assert torch.equal(forward[1], f2[1]) and torch.equal(backward[1], b2[1])


def test_the_loss_on_random_words_stays_at_their_entropy():
    # Words drawn independently: nothing predicts them, so a model that could
    # see its target would drive the loss towards 0, one that cannot stays
    # near log(n_words).
    n_words = 8
    rng = np.random.default_rng(0)
    docs = [
        " ".join(f"w{int(i)}" for i in rng.integers(n_words, size=12))
        for _ in range(120)
    ]
    lm = TextLanguageModel(
        embedding_dim=16,
        hidden_size=16,
        max_epochs=15,
        lr=1e-2,
        batch_size=16,
        dropout=0.0,
        device="cpu",
        random_state=0,
    ).fit(docs)
    assert lm.lm_losses_[-1] > 0.9 * math.log(n_words)


def test_the_loss_falls_on_predictable_text():
    # Each word is followed by the next of a cycle: learnable in both
    # directions.
    words = [f"w{i}" for i in range(10)]
    docs = [" ".join(words[(s + k) % 10] for k in range(8)) for s in range(40)]
    lm = TextLanguageModel(
        embedding_dim=16,
        hidden_size=16,
        max_epochs=15,
        lr=1e-2,
        batch_size=8,
        dropout=0.0,
        device="cpu",
        random_state=0,
    ).fit(docs)
    assert lm.lm_losses_[0] > 1.5
    assert lm.lm_losses_[-1] < 0.3 * lm.lm_losses_[0]


def test_the_output_layer_covers_the_vocabulary_at_a_bounded_cost():
    small = NextWordHead(5, n_words=30)
    assert isinstance(small.softmax, torch.nn.Linear)
    big = NextWordHead(5, n_words=25_000)
    assert isinstance(big.softmax, torch.nn.AdaptiveLogSoftmaxWithLoss)
    assert big.softmax.cutoffs[:2] == [FULL_SOFTMAX_WORDS, TAIL_CUTOFF]
    # Every word of the vocabulary is a class (the rarest one too), and the
    # loss is a proper negative log-likelihood.
    hidden = torch.randn(4, 5)
    targets = torch.tensor([1, 2_500, 12_000, 25_000])
    loss = big(hidden, targets)
    assert torch.isfinite(loss) and loss > 0
    log_probs = big.softmax.log_prob(hidden)
    assert_allclose(log_probs.exp().sum(dim=1).detach(), 1.0, rtol=1e-4)
    expected = -log_probs[torch.arange(4), targets - 1].mean()
    assert_allclose(loss.item(), expected.item(), rtol=1e-5)
    # Clusters keep at least one dimension at any hidden size.
    assert all(layer[0].out_features >= 1 for layer in big.softmax.tail)
    # The padding row of the embeddings gets no gradient.
    module = _module(vocab_size=30)
    language_model_loss(module, small, torch.tensor([[1, 2, 25, 3, 0]])).backward()
    assert module.embedding.weight.grad[0].abs().sum() == 0
    assert module.embedding.weight.grad[[1, 2, 3, 25]].abs().sum(dim=1).gt(0).all()


def test_lm_pretraining_changes_the_encoder_then_the_classifier_trains(small):
    before = small(encoder="lstm", max_epochs=0).fit(DOCS, TEXT_LABELS)
    after = small(encoder="lstm", max_epochs=0, lm_pretraining_epochs=3).fit(
        DOCS, TEXT_LABELS
    )
    assert before.lm_losses_ == [] and len(after.lm_losses_) == 3
    ours, theirs = before.module_.state_dict(), after.module_.state_dict()
    for key in ("embedding.weight", "encoder.lstm.weight_ih_l0"):
        assert not torch.equal(ours[key], theirs[key])
    # The head is the task's: untouched by the language model.
    assert torch.equal(ours["head.weight"], theirs["head.weight"])
    assert torch.equal(theirs["embedding.weight"][0], torch.zeros(8))
    clf = small(encoder="lstm", max_epochs=4, lm_pretraining_epochs=2).fit(
        DOCS, TEXT_LABELS
    )
    assert len(clf.history_) == 4
    assert np.isfinite(clf.predict_proba(DOCS)).all()


def test_every_document_is_read_unlabelled_ones_too(small):
    y = np.where(np.arange(len(DOCS)) < 4, TEXT_LABELS, -1)
    a = small(encoder="lstm", max_epochs=0, lm_pretraining_epochs=2).fit(DOCS, y)
    b = small(encoder="lstm", max_epochs=0, lm_pretraining_epochs=2).fit(
        DOCS[:4] + ["zzz yyy"] * (len(DOCS) - 4), y
    )
    # A word seen only in unlabelled rows gets a trained vector.
    assert a.lm_losses_ != b.lm_losses_


def test_freeze_embeddings_keeps_them_during_lm_pretraining(small):
    plain = small(encoder="lstm", max_epochs=0).fit(DOCS, TEXT_LABELS)
    frozen = small(
        encoder="lstm", max_epochs=0, lm_pretraining_epochs=2, freeze_embeddings=True
    ).fit(DOCS, TEXT_LABELS)
    assert torch.equal(plain.module_.embedding.weight, frozen.module_.embedding.weight)
    assert frozen.module_.embedding.weight.requires_grad


@pytest.mark.parametrize("encoder", ["mean", "cnn"])
def test_other_encoders_are_refused(small, encoder):
    match = "lm_pretraining_epochs=1 needs encoder='lstm'"
    with pytest.raises(ValueError, match=match):
        small(encoder=encoder, lm_pretraining_epochs=1).fit(DOCS, TEXT_LABELS)
    # 0 is fine with any encoder.
    small(encoder=encoder, lm_pretraining_epochs=0, max_epochs=1).fit(DOCS, TEXT_LABELS)


@pytest.mark.parametrize("value", [-1, 1.5, "2", 20_000])
def test_bad_lm_pretraining_epochs(small, value):
    with pytest.raises(ValueError, match="lm_pretraining_epochs"):
        small(encoder="lstm", lm_pretraining_epochs=value).fit(DOCS, TEXT_LABELS)


def test_documents_too_short_for_a_language_model(small):
    with pytest.raises(ValueError, match="at least two"):
        small(encoder="lstm", lm_pretraining_epochs=1).fit(
            ["good", "bad", "fine"], [1, 0, 1]
        )
    with pytest.raises(ValueError, match="at least two"):
        TextLanguageModel(device="cpu").fit(["good", "bad"])


def test_deterministic_without_side_effects(small):
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    a = small(encoder="lstm", lm_pretraining_epochs=2).fit(DOCS, TEXT_LABELS)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert_array_equal(np.random.get_state()[1], np_state)
    b = small(encoder="lstm", lm_pretraining_epochs=2).fit(DOCS, TEXT_LABELS)
    assert a.lm_losses_ == b.lm_losses_
    assert_array_equal(a.predict_proba(DOCS), b.predict_proba(DOCS))
    c = small(encoder="lstm", lm_pretraining_epochs=2, random_state=1).fit(
        DOCS, TEXT_LABELS
    )
    assert a.lm_losses_ != c.lm_losses_


def test_regressor(small):
    reg = small(TextRegressor, encoder="lstm", lm_pretraining_epochs=2).fit(
        DOCS, np.arange(len(DOCS), dtype=float)
    )
    assert len(reg.lm_losses_) == 2
    assert np.isfinite(reg.predict(DOCS)).all()


def test_pickle_clone_and_grid_search(small):
    clf = small(encoder="lstm", lm_pretraining_epochs=1).fit(DOCS, TEXT_LABELS)
    loaded = pickle.loads(pickle.dumps(clf))
    assert loaded.lm_losses_ == clf.lm_losses_
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))
    assert clone(clf).get_params()["lm_pretraining_epochs"] == 1
    search = GridSearchCV(
        small(encoder="lstm", max_epochs=1), {"lm_pretraining_epochs": [0, 1]}, cv=2
    ).fit(DOCS, TEXT_LABELS)
    assert search.best_params_["lm_pretraining_epochs"] in (0, 1)


def test_skops_names_only_the_estimator(small):
    sio = pytest.importorskip("skops.io")
    clf = small(encoder="lstm", lm_pretraining_epochs=1).fit(DOCS, TEXT_LABELS)
    data = sio.dumps(clf)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == ["sktransfer.neural._classifier.TextClassifier"]
    loaded = sio.loads(data, trusted=untrusted)
    assert loaded.lm_losses_ == clf.lm_losses_
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))

    lm = TextLanguageModel(
        embedding_dim=8, hidden_size=8, max_epochs=1, device="cpu", random_state=0
    ).fit(DOCS)
    data = sio.dumps(lm)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == ["sktransfer.neural._text_language_model.TextLanguageModel"]
    loaded = sio.loads(data, trusted=untrusted)
    assert_array_equal(loaded.transform(DOCS), lm.transform(DOCS))


# --------------------------------------------------------------------------- #
# TextLanguageModel
# --------------------------------------------------------------------------- #
def _lm(**params):
    base = {"embedding_dim": 8, "hidden_size": 8, "max_epochs": 2, "device": "cpu"}
    base.update(params)
    return TextLanguageModel(random_state=0, **base)


def test_language_model_fit_transform_pickle_clone():
    lm = _lm().fit(DOCS)
    assert len(lm.lm_losses_) == 2
    Z = lm.transform(DOCS + ["", "unknownword"])
    assert Z.shape == (len(DOCS) + 2, 16) and Z.dtype == np.float32
    assert np.isfinite(Z).all()
    assert_array_equal(lm.transform(DOCS), lm.fit_transform(DOCS))
    assert list(lm.get_feature_names_out())[:2] == [
        "textlanguagemodel0",
        "textlanguagemodel1",
    ]
    loaded = pickle.loads(pickle.dumps(lm))
    assert_array_equal(loaded.transform(DOCS), Z[: len(DOCS)])
    assert "module_" not in vars(clone(lm))
    assert_array_equal(_lm().fit(DOCS).transform(DOCS), Z[: len(DOCS)])
    with pytest.raises(ValueError, match="string object received"):
        lm.transform("one document")


@pytest.mark.parametrize("as_file", [False, True])
def test_init_from_copies_the_encoder_and_the_rows_by_word(tmp_path, small, as_file):
    lm = _lm().fit(DOCS[:6] + ["a sentence of other words"])
    source = lm.save_weights(tmp_path / "lm.safetensors") if as_file else lm
    docs = DOCS + ["sentence words never seen before"]
    y = np.r_[TEXT_LABELS, 1]
    clf = small(encoder="lstm", max_epochs=0, init_from=source).fit(docs, y)
    assert clf.transferred_["encoder"] and not clf.transferred_["head"]
    assert 0 < clf.transferred_["embedding"] < 1
    for word in ("sentence", "words"):
        assert_allclose(
            clf.module_.embedding.weight[clf.vocabulary_[word]].detach(),
            lm.module_.embedding.weight[lm.vocabulary_[word]].detach(),
        )
    assert torch.equal(
        clf.module_.encoder.lstm.weight_hh_l0, lm.module_.encoder.lstm.weight_hh_l0
    )
    # Then fine-tuned as a language model on the task's documents, then trained.
    tuned = small(
        encoder="lstm", init_from=FrozenEstimator(lm), lm_pretraining_epochs=1
    ).fit(docs, y)
    assert len(tuned.lm_losses_) == 1 and len(tuned.history_) == 3


def test_init_from_language_model_needs_the_same_architecture(small):
    lm = _lm().fit(DOCS)
    with pytest.raises(ValueError, match="hidden_size"):
        small(encoder="lstm", hidden_size=4, init_from=lm).fit(DOCS, TEXT_LABELS)
    with pytest.raises(ValueError, match="encoder"):
        small(encoder="mean", init_from=lm).fit(DOCS, TEXT_LABELS)


def test_language_model_parameter_errors():
    with pytest.raises(ValueError, match="max_epochs"):
        _lm(max_epochs=-1).fit(DOCS)
    with pytest.raises(ValueError, match="hidden_size"):
        _lm(hidden_size=0).fit(DOCS)
    with pytest.raises(ValueError, match="vocabulary is empty"):
        _lm(min_count=100).fit(DOCS)


def test_save_pretrained_keeps_the_lm_losses(tmp_path, small):
    clf = small(encoder="lstm", max_epochs=1, lm_pretraining_epochs=2).fit(
        DOCS, TEXT_LABELS
    )
    clf.save_pretrained(tmp_path / "model")
    loaded = type(clf).from_pretrained(tmp_path / "model")
    assert loaded.lm_losses_ == clf.lm_losses_
    assert loaded.lm_pretraining_epochs == 2
    assert_array_equal(loaded.predict_proba(DOCS), clf.predict_proba(DOCS))


def test_score_is_the_mean_log_likelihood():
    words = [f"w{i}" for i in range(10)]
    docs = [" ".join(words[(s + k) % 10] for k in range(8)) for s in range(40)]
    params = {"hidden_size": 16, "lr": 1e-2, "batch_size": 8, "dropout": 0.0}
    untrained = _lm(max_epochs=0, **params).fit(docs)
    trained = _lm(max_epochs=15, **params).fit(docs)
    # Untrained: about the log of a uniform guess over the 10 words.
    assert abs(untrained.score(docs) + math.log(10)) < 0.5
    assert trained.score(docs) > untrained.score(docs) + 1.0
    # The score is the evaluation-mode loss (no dropout): deterministic.
    assert trained.score(docs) == trained.score(docs)
    loaded = pickle.loads(pickle.dumps(trained))
    assert loaded.score(docs) == trained.score(docs)
    with pytest.raises(ValueError, match="no document of X has two"):
        trained.score(["w1", "unknown words"])


@pytest.mark.slow
def test_lm_pretraining_learns_the_target_domain_text():
    from sktransfer.datasets import load_sentiment_domains

    bunch = load_sentiment_domains()
    tweets = [d for d, dom in zip(bunch.data, bunch.domain) if dom == "tweets"]
    rng = np.random.default_rng(0)
    order = rng.permutation(len(tweets))
    train = [tweets[i] for i in order[:1000]]
    held_out = [tweets[i] for i in order[1000:1300]]
    params = {"hidden_size": 32, "embedding_dim": 32, "lr": 3e-3, "device": "cpu"}
    before = TextLanguageModel(max_epochs=0, random_state=0, **params).fit(train)
    after = TextLanguageModel(max_epochs=4, random_state=0, **params).fit(train)
    # Held-out tweets are better predicted (per word, in nats) after training
    # on other tweets: the language model learns the domain's text.
    assert after.score(held_out) > before.score(held_out) + 1.0
    assert after.lm_losses_[-1] < after.lm_losses_[0]
