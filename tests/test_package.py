"""The package as a user installs and imports it."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import sktransfer

ROOT = Path(__file__).resolve().parents[1]


def _run(code, **kwargs):
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        **kwargs,
    )


def test_import_does_not_import_heavy_backends():
    code = (
        "import sys, sktransfer, sktransfer.utils, sktransfer.adaptation, "
        "sktransfer.datasets\n"
        "from sktransfer import DomainAwareClassifier, pack_domains\n"
        "heavy = sorted(m for m in ('torch', 'gensim', 'skorch') if m in sys.modules)\n"
        "print(','.join(heavy))"
    )
    out = _run(code, cwd=ROOT).stdout.strip()
    assert out == "", f"importing sktransfer imported {out}"


def test_lazy_top_level_exports():
    from sktransfer.adaptation import DomainAwareClassifier

    assert sktransfer.DomainAwareClassifier is DomainAwareClassifier
    assert "DomainAwareClassifier" in dir(sktransfer)
    assert sktransfer.__version__
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sktransfer.nope  # noqa: B018


def test_every_lazy_name_resolves():
    import importlib.util

    has_torch = importlib.util.find_spec("torch") is not None
    for name in sktransfer.__all__:
        if sktransfer._LAZY.get(name) == "sktransfer.neural" and not has_torch:
            continue  # the torch extra is not installed
        assert getattr(sktransfer, name) is not None


def test_wheel_carries_data_and_works_without_the_source_tree(tmp_path):
    """A non-editable install has the bundled data and loads it."""
    wheel_dir = tmp_path / "wheel"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = wheel_dir.glob("sktransfer-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sktransfer/datasets/data/sentiment_domains.tsv.gz" in names
    assert "sktransfer/datasets/descr/sentiment_domains.rst" in names
    assert any(n.endswith("LICENSE_sentiment_domains.txt") for n in names)

    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import sktransfer\n"
        "from sktransfer.datasets import load_sentiment_domains\n"
        f"assert sktransfer.__file__.startswith({str(target)!r}), sktransfer.__file__\n"
        "d = load_sentiment_domains(drop_neutral=False)\n"
        "print(len(d.data))"
    )
    out = _run(code, cwd=tmp_path, env=env).stdout.strip()
    assert out == "23703"
