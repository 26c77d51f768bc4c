"""No file given to a loader runs code unless the pickle format is asked for.

A pickle whose ``__reduce__`` writes a marker file is given under every name
a user might meet to every loader with its default arguments: the marker
never appears and each loader raises a clear ``ValueError``. Only the
explicitly pickle-based entry points (``format='gensim'``,
``Word2VecVectorizer.load``) read it, as documented.
"""

import bz2
import gzip
import importlib.util
import pathlib
import pickle

import pytest

from sktransfer.cli import main
from sktransfer.embeddings import (
    Word2VecVectorizer,
    evaluate_word_vectors,
    load_vectors,
)
from sktransfer.utils._testing import TEXT_CORPUS

NAMES = [
    "vectors.bin",
    "vectors.txt",
    "vectors.vec",
    "vectors.kv",
    "vectors.model",
    "vectors.pkl",
    "weights.safetensors",
    "vectors.gz",
    "vectors.bz2",
    "vectors.txt.gz",
    "vectors.bin.bz2",
]


class Payload:
    """Unpickling this writes ``marker``: the proof that code ran."""

    def __init__(self, marker):
        self.marker = pathlib.Path(marker)

    def __reduce__(self):
        return (pathlib.Path.write_text, (self.marker, "code ran"))


def _hostile_files(tmp_path, marker):
    """The payload under every name: plain, and compressed where the name says."""
    data = pickle.dumps(Payload(marker), protocol=pickle.HIGHEST_PROTOCOL)
    files = []
    for name in NAMES:
        plain = tmp_path / f"plain-{name}"
        plain.write_bytes(data)
        files.append(plain)
        if name.endswith(".gz"):
            packed = tmp_path / f"packed-{name}"
            packed.write_bytes(gzip.compress(data))
            files.append(packed)
        elif name.endswith(".bz2"):
            packed = tmp_path / f"packed-{name}"
            packed.write_bytes(bz2.compress(data))
            files.append(packed)
    folder = tmp_path / "model_dir"
    folder.mkdir()
    for name in [*NAMES, "config.json", "vocabulary.json", "arrays.safetensors"]:
        (folder / name).write_bytes(data)
    files.append(folder)
    return files


def _loaders():
    corpus = list(TEXT_CORPUS)
    yield "load_vectors", load_vectors
    yield (
        "Word2VecVectorizer(pretrained=)",
        (lambda p: Word2VecVectorizer(pretrained=p, min_count=1).fit(corpus)),
    )
    yield "evaluate_word_vectors", (lambda p: evaluate_word_vectors(p))
    if importlib.util.find_spec("safetensors") is not None:
        yield "Word2VecVectorizer.from_pretrained", Word2VecVectorizer.from_pretrained


def _assert_no_code_ran(marker):
    assert not marker.exists(), "a loader unpickled a file given with defaults"


def test_the_payload_does_run_when_unpickled(tmp_path):
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(Payload(marker)))
    assert marker.read_text() == "code ran"


def test_no_embeddings_loader_runs_code(tmp_path):
    marker = tmp_path / "marker"
    for path in _hostile_files(tmp_path, marker):
        for name, load in _loaders():
            with pytest.raises(ValueError, match=str(path.name)) as info:
                load(path)
            assert "pickle" in str(info.value) or "not" in str(info.value), name
            _assert_no_code_ran(marker)


def test_auto_names_the_explicit_format_and_the_risk(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "vectors.bin"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ValueError, match="never unpickles.*format='gensim'"):
        load_vectors(path)
    _assert_no_code_ran(marker)


def test_cli_evaluate_runs_no_code(tmp_path, capsys):
    marker = tmp_path / "marker"
    for path in _hostile_files(tmp_path, marker):
        with pytest.raises(SystemExit) as info:
            main(["evaluate", str(path), "--no-analogies"])
        assert info.value.code == 2
        assert str(path.name) in capsys.readouterr().err
        _assert_no_code_ran(marker)


def test_neural_loaders_run_no_code(tmp_path):
    pytest.importorskip("torch")
    from sktransfer.neural import TextClassifier, TextRegressor

    marker = tmp_path / "marker"
    docs = list(TEXT_CORPUS)
    y = [i % 2 for i in range(len(docs))]
    params = {"embedding_dim": 4, "hidden_size": 4, "max_epochs": 1}
    fitted = TextClassifier(**params, random_state=0).fit(docs, y)
    for path in _hostile_files(tmp_path, marker):
        for cls in (TextClassifier, TextRegressor):
            with pytest.raises(ValueError, match=str(path.name)):
                cls(**params, embeddings=path).fit(docs, y)
            _assert_no_code_ran(marker)
            with pytest.raises(ValueError, match=str(path.name)):
                cls(**params, init_from=path).fit(docs, y)
            _assert_no_code_ran(marker)
        with pytest.raises(ValueError, match=str(path.name)):
            fitted.load_weights(path)
        _assert_no_code_ran(marker)
        for cls in (TextClassifier, TextRegressor):
            with pytest.raises(ValueError, match=str(path.name)):
                cls.from_pretrained(path)
            _assert_no_code_ran(marker)


def test_only_the_explicit_pickle_formats_unpickle(tmp_path):
    """The documented trusted-file entry points do read pickles (the contrast)."""
    marker = tmp_path / "marker"
    path = tmp_path / "vectors.kv"
    path.write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(ValueError):
        load_vectors(path, format="gensim")
    assert marker.exists()
    marker.unlink()
    with pytest.raises(TypeError):
        Word2VecVectorizer.load(path)
    assert marker.exists()
