"""Every public name is in the API reference; every capability has an example."""

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
API = (ROOT / "docs" / "api.rst").read_text(encoding="utf-8")

SUBPACKAGES = ["adaptation", "datasets", "embeddings", "model_selection", "utils"]


def _documented():
    names, current = set(), None
    for line in API.splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            current = m.group(1)
            continue
        m = re.match(r"   ([A-Za-z_][\w.]*)$", line)
        if m and current:
            names.add(f"{current}.{m.group(1)}")
    return names


@pytest.mark.parametrize("sub", SUBPACKAGES)
def test_every_public_name_is_in_the_api_reference(sub):
    module = importlib.import_module(f"sktransfer.{sub}")
    documented = _documented()
    missing = [n for n in module.__all__ if f"sktransfer.{sub}.{n}" not in documented]
    assert not missing, f"add to docs/api.rst: {missing}"


@pytest.mark.parametrize(
    "sub, extra", [("neural", ("torch",)), ("transformers", ("torch", "transformers"))]
)
def test_optional_names_are_in_the_api_reference(sub, extra):
    for name in extra:
        pytest.importorskip(name)
    module = importlib.import_module(f"sktransfer.{sub}")
    documented = _documented()
    missing = [n for n in module.__all__ if f"sktransfer.{sub}.{n}" not in documented]
    assert not missing, f"add to docs/api.rst: {missing}"
    assert module.__all__


def test_documented_names_exist():
    for dotted in _documented():
        module, _, name = dotted.rpartition(".")
        if module.startswith("sktransfer.neural"):
            pytest.importorskip("torch")
        if module.startswith("sktransfer.transformers"):
            pytest.importorskip("transformers")
        assert hasattr(importlib.import_module(module), name), dotted


def test_examples_are_gallery_scripts():
    scripts = sorted((ROOT / "examples").rglob("plot_*.py"))
    assert scripts
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        assert text.startswith('"""'), f"{script} needs a docstring title"
        assert "# %%" in text, f"{script} needs sphinx-gallery cells"
        assert (script.parent / "README.txt").exists(), script.parent
