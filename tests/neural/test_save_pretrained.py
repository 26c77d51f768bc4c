"""TextClassifier/TextRegressor save_pretrained and from_pretrained: no pickle."""

import json
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal

from sktransfer.neural import TextClassifier, TextModule, TextRegressor
from sktransfer.utils._testing import TEXT_CORPUS

pytest.importorskip("safetensors")

DOCS = list(TEXT_CORPUS)


def _refuse_pickle(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)


@pytest.mark.parametrize(
    "cls, y",
    [
        (TextClassifier, [i % 2 for i in range(len(DOCS))]),
        (
            TextClassifier,
            ["pos", "neg", "mid"] * (len(DOCS) // 3) + ["pos"] * (len(DOCS) % 3),
        ),
        (TextRegressor, [float(i) for i in range(len(DOCS))]),
    ],
)
@pytest.mark.parametrize("encoder", ["mean", "cnn", "lstm"])
def test_round_trip_is_exact_and_pickle_free(
    small, tmp_path, monkeypatch, cls, y, encoder
):
    extra = {"cnn": {"module__kernel_sizes": (2, 3)}, "lstm": {}, "mean": {}}
    est = small(cls, encoder=encoder, **extra[encoder])
    est.fit(DOCS, y)
    path = est.save_pretrained(tmp_path / "model")
    with monkeypatch.context() as m:
        _refuse_pickle(m)
        again = cls.from_pretrained(path)
    assert_array_equal(again.predict(DOCS), est.predict(DOCS))
    if cls is TextClassifier:
        assert_array_equal(again.predict_proba(DOCS), est.predict_proba(DOCS))
        assert again.classes_.dtype == est.classes_.dtype
        assert_array_equal(again.classes_, est.classes_)
    assert again.get_params(deep=False).keys() == est.get_params(deep=False).keys()
    for key, value in est.get_params(deep=False).items():
        if isinstance(value, tuple):
            value = list(value)  # JSON has lists only; TextModule takes either
        if not isinstance(value, type):
            assert again.get_params(deep=False)[key] == value, key
    assert again.vocabulary_ == est.vocabulary_
    assert again.transferred_ == est.transferred_
    assert again.embedding_coverage_ == est.embedding_coverage_
    # It keeps working as an estimator: score and a further fit.
    again.score(DOCS, y)
    again.fit(DOCS, y)


def test_non_json_parameters_are_refused(small, vec, tmp_path):
    y = [i % 2 for i in range(len(DOCS))]

    class MyModule(TextModule):
        pass

    cases = [
        (small(module=MyModule), "module=.*rebuilds the default TextModule"),
        (small(tokenizer=str.split), "tokenizer=.*token_pattern"),
        (small(embeddings=vec), r"embeddings=.*set_params\(embeddings=None\)"),
    ]
    for est, message in cases:
        est.fit(DOCS, y)
        with pytest.raises(ValueError, match=message):
            est.save_pretrained(tmp_path / "model")
        assert not (tmp_path / "model").exists()
    est = cases[2][0].set_params(embeddings=None)
    again = TextClassifier.from_pretrained(est.save_pretrained(tmp_path / "model"))
    assert_array_equal(again.predict_proba(DOCS), est.predict_proba(DOCS))


@pytest.mark.parametrize(
    "name, change, message",
    [
        ("vocabulary.json", lambda w: w[:-1], "do not fit the module"),
        ("config.json", lambda c: {**c, "embedding_dim": 5}, "do not fit the module"),
        ("config.json", lambda c: {**c, "embedding_dim": True}, "positive integer"),
        ("config.json", lambda c: {**c, "classes_": [0]}, "at least 2 labels"),
        ("config.json", lambda c: {**c, "classes_dtype": "<M8"}, "classes_dtype"),
        (
            "config.json",
            lambda c: {**c, "params": {**c["params"], "encoder": "gru"}},
            "invalid parameters",
        ),
        ("config.json", lambda c: {**c, "estimator": "TextRegressor"}, "TextRegressor"),
    ],
)
def test_inconsistent_directories_are_rejected(small, tmp_path, name, change, message):
    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    path = est.save_pretrained(tmp_path / "model")
    file = path / name
    file.write_text(json.dumps(change(json.loads(file.read_text()))))
    with pytest.raises(ValueError, match=message):
        TextClassifier.from_pretrained(path)


def test_weights_with_nan_are_rejected(small, tmp_path):
    import safetensors.numpy as stn

    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    path = est.save_pretrained(tmp_path / "model")
    arrays = stn.load_file(str(path / "arrays.safetensors"))
    key = sorted(arrays)[0]
    arrays[key] = np.full_like(arrays[key], np.nan)
    stn.save_file(arrays, str(path / "arrays.safetensors"))
    with pytest.raises(ValueError, match="holds NaN or inf"):
        TextClassifier.from_pretrained(path)


def test_load_weights_on_a_file_that_is_not_theirs(small, tmp_path):
    est = small().fit(DOCS, [i % 2 for i in range(len(DOCS))])
    for name, data in [
        ("weights.safetensors", b""),
        ("pickle.safetensors", pickle.dumps({"a": 1})),
        ("cut.safetensors", est.save_weights(tmp_path / "w.st") and b""),
    ]:
        path = tmp_path / name
        if name == "cut.safetensors":
            full = (tmp_path / "w.st").read_bytes()
            data = full[: len(full) // 2]
        path.write_bytes(data)
        with pytest.raises(ValueError, match=f"{name}.*not a weights file written"):
            est.load_weights(path)


# Multi-task heads: domain 0 (sentiment, 2 classes), domain -2 (3 topics of
# other sentences, string labels), domain 1 (booleans); some unlabelled
# target rows for the domain head.
_TOPICS = ["a film and its cast", "a song and its music", "a plot and its story"]
HEAD_DOCS = DOCS + _TOPICS * 3 + DOCS[:8] + ["unlabelled words", "more unlabelled"] * 3
HEAD_Y = np.array(
    [i % 2 for i in range(len(DOCS))]
    + ["film", "music", "story"] * 3
    + [True, False] * 4
    + [-1] * 6,
    dtype=object,
)
HEAD_SD = np.r_[
    np.zeros(len(DOCS), int), np.full(9, -2), np.ones(8, int), np.full(6, -2)
]


@pytest.mark.parametrize("domain_adversarial", [0.0, 0.2])
def test_round_trip_of_per_domain_heads_and_domain_head(
    small, tmp_path, monkeypatch, domain_adversarial
):
    est = small(
        heads="per_domain",
        task_weights={-2: 2.0},
        predict_domain=-2,
        domain_adversarial=domain_adversarial,
    ).fit(HEAD_DOCS, HEAD_Y, sample_domain=HEAD_SD)
    path = est.save_pretrained(tmp_path / "model")
    with monkeypatch.context() as m:
        _refuse_pickle(m)
        again = TextClassifier.from_pretrained(path)
    heads, saved = again._task_heads, est._task_heads
    assert (heads.domains, heads.offsets, heads.weights) == (
        saved.domains,
        saved.offsets,
        saved.weights,
    )
    assert heads.domains == (-2, 0, 1)
    assert heads.weights == (2.0, 1.0, 1.0)  # task_weights={-2: 2.0}
    assert again.task_weights == {-2: 2.0}
    for got, expected in zip(heads.classes, saved.classes):
        assert got.dtype == expected.dtype
        assert_array_equal(got, expected)
    assert again._target_domains == est._target_domains
    assert again.domain_classes_.keys() == est.domain_classes_.keys()
    for domain in (0, 1, -2):
        est.set_params(predict_domain=domain)
        again.set_params(predict_domain=domain)
        assert_array_equal(again.predict_proba(DOCS), est.predict_proba(DOCS))
        assert_array_equal(again.predict(DOCS), est.predict(DOCS))
        assert again.classes_.dtype == est.classes_.dtype
        assert_array_equal(again.classes_, est.classes_)
        assert_array_equal(again.domain_classes_[domain], est.domain_classes_[domain])
    if domain_adversarial:
        saved = est.domain_classifier_.state_dict()
        for name, value in again.domain_classifier_.state_dict().items():
            assert torch.equal(value, saved[name]), name
    else:
        assert not hasattr(again, "domain_classifier_")
    # It goes on training with its heads.
    again.set_params(max_epochs=1).partial_fit(HEAD_DOCS, HEAD_Y, sample_domain=HEAD_SD)
    assert "train_loss_task_-2" in again.history[-1]


def test_round_trip_of_regressor_heads(small, tmp_path):
    y = np.r_[np.arange(len(DOCS), dtype=float), np.arange(len(DOCS)) + 10.0]
    sd = np.r_[np.zeros(len(DOCS), int), -np.ones(len(DOCS), int)]
    est = small(TextRegressor, heads="per_domain", domain_adversarial=0.1)
    est.fit(DOCS + DOCS, y, sample_domain=sd)
    again = TextRegressor.from_pretrained(est.save_pretrained(tmp_path / "model"))
    for domain in (0, -1):
        est.set_params(predict_domain=domain)
        again.set_params(predict_domain=domain)
        assert_array_equal(again.predict(DOCS), est.predict(DOCS))
    for name, value in again.domain_classifier_.state_dict().items():
        assert torch.equal(value, est.domain_classifier_.state_dict()[name])


def test_loading_draws_nothing_from_the_global_generator(small, tmp_path):
    est = small(domain_adversarial=0.1).fit(
        DOCS + ["unlabelled"] * 4, [i % 2 for i in range(len(DOCS))] + [-1] * 4
    )
    path = est.save_pretrained(tmp_path / "model")
    state = torch.random.get_rng_state()
    TextClassifier.from_pretrained(path)
    assert torch.equal(torch.random.get_rng_state(), state)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda h: {**h, "domains": [0]}, "at least 2 domains"),
        (lambda h: {**h, "domains": ["0", "-2", "1"]}, "must list ints"),
        (lambda h: {**h, "weights": [1.0, -1.0, 1.0]}, "non-negative weights"),
        (lambda h: {**h, "offsets": [0, 1, 2]}, "offsets"),
        (lambda h: {**h, "classes": h["classes"][:2]}, "at least 2 labels"),
        (lambda h: {**h, "classes_dtypes": ["<M8"] * 3}, "classes_dtypes"),
    ],
)
def test_inconsistent_heads_are_rejected(small, tmp_path, change, message):
    est = small(heads="per_domain", predict_domain=0)
    est.fit(HEAD_DOCS, HEAD_Y, sample_domain=HEAD_SD)
    path = est.save_pretrained(tmp_path / "model")
    file = path / "config.json"
    config = json.loads(file.read_text())
    config["task_heads"] = change(config["task_heads"])
    file.write_text(json.dumps(config))
    with pytest.raises(ValueError, match=message):
        TextClassifier.from_pretrained(path)


def test_a_missing_or_extra_domain_head_is_rejected(small, tmp_path):
    import safetensors.numpy as stn

    y = [i % 2 for i in range(len(DOCS))] + [-1] * 4
    est = small(domain_adversarial=0.1).fit(DOCS + ["unlabelled"] * 4, y)
    path = est.save_pretrained(tmp_path / "model")
    file = path / "arrays.safetensors"
    arrays = stn.load_file(str(file))
    stn.save_file(
        {k: v for k, v in arrays.items() if not k.startswith("domain_classifier.")},
        str(file),
    )
    with pytest.raises(ValueError, match="domain head .* is missing"):
        TextClassifier.from_pretrained(path)
    plain = small().fit(DOCS + ["unlabelled"] * 4, y)
    path = plain.save_pretrained(tmp_path / "plain")
    stn.save_file(
        {
            **stn.load_file(str(path / "arrays.safetensors")),
            **{k: v for k, v in arrays.items() if k.startswith("domain_classifier.")},
        },
        str(path / "arrays.safetensors"),
    )
    with pytest.raises(ValueError, match="holds a domain head"):
        TextClassifier.from_pretrained(path)
