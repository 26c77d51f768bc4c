"""The transfer comparison of ``sktransfer demo``."""

import io
import json
import os
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

import sktransfer.cli as cli
from sktransfer._demo import _SHORT, DEMO_METHODS, _torch_available
from sktransfer.cli import (
    format_demo_table,
    main,
    plot_demo_gain,
    run_transfer_demo,
    summarize_demo,
)

DOMAINS = ["tweets", "product_reviews"]
N_DOCS = 80
N_LABELS = 20


@pytest.fixture(scope="module")
def result():
    """One small run on two domains, shared by the tests that only read it."""
    threads = _torch_threads()
    out = run_transfer_demo(
        DOMAINS, quick=True, n_docs=N_DOCS, n_target_labels=N_LABELS, random_state=3
    )
    # The library function leaves torch's settings alone (only the command
    # runs torch on one thread).
    assert _torch_threads() == threads
    return out


def _torch_threads():
    if not _torch_available():
        return None
    import torch

    return torch.get_num_threads()


def test_one_torch_thread_restores_the_setting():
    torch = pytest.importorskip("torch")
    from sktransfer._demo import one_torch_thread

    before = torch.get_num_threads()
    with one_torch_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def _true_labels(domain, result):
    """The labels of the scored target documents of ``domain``, redrawn."""
    from sktransfer._demo import _labelled_rows, _subsample
    from sktransfer.datasets import load_sentiment_domains

    data = load_sentiment_domains(result["domains"])
    rng = np.random.RandomState(result["settings"]["random_state"])
    docs = np.asarray(data.data, dtype=object)
    domains = np.asarray(data.domain)
    labels = {}
    for name in result["domains"]:
        rows = domains == name
        labels[name] = _subsample(
            docs[rows], data.target[rows], result["settings"]["n_docs"], rng
        )[1]
    seen = {
        name: _labelled_rows(labels[name], N_LABELS, rng) for name in result["domains"]
    }
    keep = np.ones(len(labels[domain]), dtype=bool)
    keep[seen[domain]] = False
    return labels[domain][keep]


def test_records_cover_every_pair_and_method(result):
    """Every (pair, method) once, with every field in range."""
    neural = ["net_source", "net_target", "net_init_from"]
    expected = [m for m in DEMO_METHODS if _torch_available() or m not in neural]
    assert result["methods"] == expected
    assert result["domains"] == DOMAINS
    keys = {(r["source"], r["target"], r["method"]) for r in result["records"]}
    pairs = [("tweets", "product_reviews"), ("product_reviews", "tweets")]
    assert keys == {(s, t, m) for s, t in pairs for m in expected}
    assert len(result["records"]) == len(keys)
    for r in result["records"]:
        assert set(r) == {
            "source",
            "target",
            "method",
            "balanced_accuracy",
            "accuracy",
            "n_test",
            "seconds",
        }
        assert 0 <= r["balanced_accuracy"] <= 1 and 0 <= r["accuracy"] <= 1
        assert r["n_test"] == N_DOCS - N_LABELS
        assert r["seconds"] >= 0
    assert result["settings"]["n_docs"] == N_DOCS
    assert result["settings"]["n_target_labels"] == N_LABELS


def test_majority_baseline_is_the_constant_predictor(result):
    for r in result["records"]:
        if r["method"] != "majority":
            continue
        y = _true_labels(r["target"], result)
        assert r["balanced_accuracy"] == 0.5  # binary labels
        assert r["accuracy"] == pytest.approx(np.bincount(y).max() / len(y))


def test_result_is_json_serialisable(result):
    assert json.loads(json.dumps(result)) == result


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_same_seed_same_scores_and_only_a_progress_bar(result, capfd, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    again = run_transfer_demo(
        DOMAINS,
        quick=True,
        n_docs=N_DOCS,
        n_target_labels=N_LABELS,
        random_state=3,
        progress=True,
    )
    # The bar is drawn on a terminal only, and cleared at the end.
    # (tqdm redraws at most every 0.1 s, so which counts are drawn depends on
    # the speed of the machine; the total is always drawn.)
    n_steps = 1 + 2 * len(result["methods"])
    assert f"/{n_steps} [" in terminal.getvalue()
    assert "sktransfer demo" in terminal.getvalue()
    drop = "seconds"
    assert [{k: v for k, v in r.items() if k != drop} for r in again["records"]] == [
        {k: v for k, v in r.items() if k != drop} for r in result["records"]
    ]
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_table_and_summary(result):
    text = format_demo_table(result)
    lines = text.splitlines()
    bacc_header = next(i for i, line in enumerate(lines) if line.startswith("balanced"))
    acc_header = next(i for i, line in enumerate(lines) if line.startswith("accuracy"))
    assert lines[bacc_header].split()[2:] == [_SHORT[m] for m in result["methods"]]
    # Two pairs and a mean row under each header.
    assert lines[bacc_header + 1].startswith("tweets -> products")
    assert lines[bacc_header + 3].startswith("mean")
    assert lines[acc_header + 3].startswith("mean")
    first = {
        r["method"]: r["balanced_accuracy"]
        for r in result["records"]
        if r["source"] == "tweets"
    }
    values = lines[bacc_header + 1].split()[3:]
    assert values == [f"{first[m]:.3f}" for m in result["methods"]]
    summary = summarize_demo(result)
    last_paragraph = " ".join(text.split("\n\n")[-1].splitlines())
    assert last_paragraph.startswith(
        f"The recipe gains {summary['mean_gain']:+.3f} balanced accuracy"
    )
    gains = [
        next(
            r["balanced_accuracy"]
            for r in result["records"]
            if (r["source"], r["target"], r["method"]) == (s, t, "recipe")
        )
        - next(
            r["balanced_accuracy"]
            for r in result["records"]
            if (r["source"], r["target"], r["method"]) == (s, t, "tfidf")
        )
        for s, t in [("tweets", "product_reviews"), ("product_reviews", "tweets")]
    ]
    assert summary["mean_gain"] == pytest.approx(np.mean(gains))
    assert summary["n_pairs"] == 2
    assert summary["n_better"] + summary["n_worse"] <= 2


def test_plot_writes_an_annotated_heatmap(result, tmp_path):
    path = tmp_path / "gain.png"
    ax = plot_demo_gain(result, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    texts = sorted(t.get_text() for t in ax.texts if t.get_text())
    summary = summarize_demo(result)
    assert len(texts) == 2
    assert np.mean([float(t) for t in texts]) == pytest.approx(
        summary["mean_gain"], abs=1e-3
    )
    with pytest.raises(ValueError, match="both 'tfidf'"):
        plot_demo_gain(result, method="tfidf")
    with pytest.raises(ValueError, match="baseline must be one of"):
        plot_demo_gain(result, baseline="svm")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_target_labels": 1}, "n_target_labels"),
        ({"n_docs": 30}, "n_docs=30"),
        ({"n_docs": 2.5}, "n_docs must be"),
        ({"neural": "yes"}, "neural must be"),
        ({"domains": ["tweets"]}, "at least two domains"),
    ],
)
def test_bad_arguments(kwargs, match):
    kwargs = {"domains": DOMAINS, **kwargs}
    with pytest.raises((ValueError, TypeError), match=match):
        run_transfer_demo(**kwargs)


# --------------------------------------------------------------------------- #
# the command
# --------------------------------------------------------------------------- #
def test_command_writes_table_json_and_plot(result, tmp_path, monkeypatch, capsys):
    calls = []

    def fake(domains, **kwargs):
        calls.append((domains, kwargs))
        return result

    monkeypatch.setattr(cli, "run_transfer_demo", fake)
    json_path, plot_path = tmp_path / "demo.json", tmp_path / "demo.png"
    argv = ["demo", "--domains", *DOMAINS, "--n-docs", "80", "--random-state", "3"]
    argv += ["--json", str(json_path), "--plot", str(plot_path), "--no-progress"]
    assert main(argv) == 0
    assert calls == [
        (
            DOMAINS,
            {
                "quick": False,
                "n_docs": 80,
                "n_target_labels": 50,
                "neural": "auto",
                "random_state": 3,
                "progress": False,
            },
        )
    ]
    captured = capsys.readouterr()
    assert captured.out.strip() == format_demo_table(result)
    assert captured.err == ""
    assert json.loads(json_path.read_text()) == result
    umask = os.umask(0)
    os.umask(umask)
    for path in (json_path, plot_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    assert plot_path.read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo.json", "demo.png"]


def test_command_quick_and_no_neural_flags(result, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(
        cli, "run_transfer_demo", lambda domains, **kw: calls.append(kw) or result
    )
    assert main(["demo", "--quick", "--no-neural", "--n-target-labels", "10"]) == 0
    assert calls[0]["quick"] is True and calls[0]["neural"] is False
    assert calls[0]["n_docs"] == "auto" and calls[0]["n_target_labels"] == 10
    assert "majority" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["demo", "--n-docs", "0"], "must be a positive integer"),
        (["demo", "--random-state", "x"], "invalid int value"),
        (["demo", "--cv", "2"], "unrecognized arguments"),
        (["demo", "--domains", "tweets"], "at least two domains"),
        (["demo", "--domains", "tweets", "emails"], "emails"),
        (["demo", "--n-docs", "40"], "n_docs=40"),
        (["demo", "--json", "/no/such/folder/out.json"], "does not exist"),
    ],
)
def test_command_errors_are_one_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_plot_without_matplotlib_is_a_clean_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--plot", str(tmp_path / "x.png")])
    assert exc.value.code == 2
    assert "pip install matplotlib" in capsys.readouterr().err


@pytest.mark.slow
def test_quick_demo_end_to_end_under_a_minute(tmp_path):
    """``sktransfer demo --quick`` in a fresh process, as a user runs it.

    Its CPU time must stay under a minute; its wall time too, allowing for
    the load of a shared machine (the wall-time bound scales with the load
    average per core when that exceeds 1).
    """
    json_path = tmp_path / "quick.json"
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    before = os.times()
    proc = subprocess.run(
        [sys.executable, "-m", "sktransfer.cli", "demo", "--quick"]
        + ["--json", str(json_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    assert proc.returncode == 0, proc.stderr
    assert cpu < 60, f"CPU time {cpu:.1f} s"
    load = max(load_before, os.getloadavg()[0]) / (os.cpu_count() or 1)
    assert wall < 60 * max(1.0, load), f"wall time {wall:.1f} s at load {load:.1f}"
    result = json.loads(json_path.read_text())
    assert len(result["domains"]) == 4
    assert len(result["records"]) == 12 * len(result["methods"])
    assert "balanced accuracy" in proc.stdout and "majority" in proc.stdout
    assert "The recipe gains" in proc.stdout.split("\n\n")[-1]
    majority = [r for r in result["records"] if r["method"] == "majority"]
    assert all(r["balanced_accuracy"] == 0.5 for r in majority)
