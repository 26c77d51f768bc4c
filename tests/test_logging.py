"""sktransfer reports through the ``sktransfer`` loggers and tqdm, never print.

The library never configures logging: it adds only a ``NullHandler`` to the
``sktransfer`` logger. Per-iteration messages are DEBUG records; ``verbose``
estimators show a progress bar on stderr.
"""

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from sktransfer.adaptation import (
    KLIEPWeighting,
    KMMWeighting,
    TCAAdapter,
    TrAdaBoostClassifier,
)
from sktransfer.cli import main
from sktransfer.embeddings import Word2VecVectorizer

ROOT = Path(__file__).resolve().parents[1]

DOCS = [
    "the cat sat on the mat",
    "the dog sat on the log",
    "a cat and a dog played",
    "the mat and the log were red",
] * 5


def _records(caplog, level=logging.DEBUG):
    return [
        r
        for r in caplog.records
        if r.name.startswith("sktransfer") and r.levelno >= level
    ]


def test_library_adds_no_handler():
    code = textwrap.dedent(
        """
        import logging
        import sktransfer
        from sktransfer import adaptation, embeddings, model_selection, utils
        from sktransfer.embeddings import Word2VecVectorizer
        vec = Word2VecVectorizer(vector_size=4, min_count=1, epochs=1, verbose=1)
        vec.fit(["a bb cc", "bb cc dd"])
        root = logging.getLogger()
        lib = logging.getLogger("sktransfer")
        print(len(root.handlers), [type(h).__name__ for h in lib.handlers])
        print(lib.level, root.level)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=300,
    ).stdout.splitlines()
    assert out[0] == "0 ['NullHandler']"
    # Levels are left to the application (NOTSET; root keeps WARNING).
    assert out[1] == f"{logging.NOTSET} {logging.WARNING}"


def test_basicconfig_only_in_the_cli_main():
    hits = []
    for path in (ROOT / "sktransfer").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split("#")[0]
            if ("basicConfig(" in code or "addHandler(" in code) and "``" not in code:
                hits.append((path.relative_to(ROOT).as_posix(), line.strip()))
    assert sorted(hits) == [
        (
            "sktransfer/__init__.py",
            "logging.getLogger(__name__).addHandler(logging.NullHandler())",
        ),
        (
            "sktransfer/cli.py",
            'logging.basicConfig(format="%(asctime)s %(message)s", level=logging.INFO)',
        ),
    ]


def test_word2vec_quiet_by_default(capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="sktransfer")
    vec = Word2VecVectorizer(vector_size=8, min_count=1, epochs=3, random_state=0)
    vec.fit(DOCS)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert _records(caplog, logging.INFO) == []
    # Each epoch's loss is a DEBUG record of sktransfer.embeddings.
    epochs = [r for r in _records(caplog) if "epoch" in r.getMessage()]
    assert [r.name for r in epochs] == ["sktransfer.embeddings._word2vec"] * 3
    assert epochs[-1].getMessage().startswith("Word2VecVectorizer epoch 3/3: loss=")


def test_word2vec_verbose_shows_a_progress_bar(capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="sktransfer")
    vec = Word2VecVectorizer(
        vector_size=8, min_count=1, epochs=3, random_state=0, verbose=1
    )
    vec.fit(DOCS)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Word2VecVectorizer" in captured.err
    assert "3/3" in captured.err and "loss=" in captured.err
    assert _records(caplog, logging.INFO) == []


@pytest.fixture
def domains():
    rng = np.random.RandomState(0)
    Xs = rng.normal(size=(40, 3))
    Xt = rng.normal(loc=0.5, size=(30, 3))
    X = np.vstack([Xs, Xt])
    y = np.r_[(Xs[:, 0] > 0).astype(int), np.full(30, -1)]
    y[40:45] = (Xt[:5, 0] > 0.5).astype(int)
    sample_domain = np.r_[np.ones(40, dtype=int), -np.ones(30, dtype=int)]
    return X, y, sample_domain


@pytest.mark.parametrize(
    "estimator, what",
    [
        (KMMWeighting(B=10.0), "KMMWeighting: problem 1/1, 40 source x 30 target"),
        (KLIEPWeighting(random_state=0), "KLIEPWeighting: 40 source x 30 target"),
        (TCAAdapter(n_components=2), "TCAAdapter: 2 components from 70 rows"),
        (TrAdaBoostClassifier(n_estimators=3, random_state=0), "round 3/3"),
    ],
    ids=lambda p: type(p).__name__ if not isinstance(p, str) else "",
)
def test_adaptation_logs_progress_at_debug(domains, estimator, what, capsys, caplog):
    caplog.set_level(logging.DEBUG, logger="sktransfer")
    X, y, sample_domain = domains
    estimator.fit(X, y, sample_domain=sample_domain)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    records = _records(caplog)
    assert records, "no DEBUG record"
    assert all(r.levelno == logging.DEBUG for r in records)
    assert all(r.name.startswith("sktransfer.adaptation.") for r in records)
    assert any(what in r.getMessage() for r in records), [
        r.getMessage() for r in records
    ]


def _pretrain(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(DOCS) + "\n", encoding="utf-8")
    out = tmp_path / "vectors.txt"
    args = ["pretrain", str(corpus), "-o", str(out), "--format", "word2vec_text"]
    args += ["--vector-size", "8", "--min-count", "1", "--epochs", "3"]
    return main(args)


def test_cli_pretrain_progress_without_a_terminal(tmp_path, capsys):
    assert _pretrain(tmp_path) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch [" + "=" * 10)
    assert " 1/3 loss=" in lines[0] and " 3/3 loss=" in lines[2]


def test_cli_pretrain_progress_on_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert _pretrain(tmp_path) == 0
    err = capsys.readouterr().err
    assert err.count("\r") == 3 and err.endswith("\n")
    assert err.count("\n") == 1
