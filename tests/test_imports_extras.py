"""Without the ``torch`` extra, sktransfer imports and says how to install it.

Each test runs a fresh interpreter in which a ``sys.meta_path`` finder makes
``import torch`` and ``import skorch`` fail, as on a machine where the extra is
not installed.
"""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_BLOCK = textwrap.dedent(
    """
    import sys

    class _Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "skorch"):
                raise ImportError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, _Block())
    """
)

HINT = 'pip install "sktransfer[torch]"'


def _run(code):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", _BLOCK + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


_CHECK = """
try:
    {stmt}
except ImportError as exc:
    print("MESSAGE", exc)
    print("CAUSE", type(exc.__cause__).__name__, exc.__cause__.name)
    print("NAME", exc.name)
else:
    print("NO ERROR")
"""


@pytest.mark.parametrize(
    "stmt",
    [
        "import sktransfer.neural",
        "from sktransfer.neural import TextClassifier",
        "import sktransfer; sktransfer.TextClassifier",
        "import sktransfer; sktransfer.TextRegressor",
        "from sktransfer import TextClassifier",
        "import sktransfer; sktransfer.neural",
    ],
)
def test_neural_without_torch_says_how_to_install(stmt):
    out = _run(_CHECK.format(stmt=stmt))
    assert "NO ERROR" not in out
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert HINT in lines["MESSAGE"]
    assert "sktransfer.neural" in lines["MESSAGE"]
    # The original error is chained, and its missing module name is kept.
    assert lines["CAUSE"] in ("ImportError torch", "ImportError skorch")
    assert lines["NAME"] in ("torch", "skorch")


def test_core_imports_without_torch():
    out = _run(
        """
        import sktransfer
        from sktransfer import Word2VecVectorizer, TCAAdapter, check_domains
        import sktransfer.adaptation, sktransfer.embeddings
        import sktransfer.model_selection, sktransfer.datasets
        print("torch" in sys.modules, "skorch" in sys.modules)
        """
    )
    assert out.split() == ["False", "False"]


def test_all_estimators_without_torch_skips_the_neural_family():
    out = _run(
        """
        from sktransfer.utils.discovery import all_estimators
        names = [name for name, _ in all_estimators()]
        print(len(names))
        print(" ".join(names))
        """
    )
    count, names = out.splitlines()
    names = names.split()
    assert int(count) == len(names) > 10
    assert "Word2VecVectorizer" in names
    assert "TCAAdapter" in names
    assert "TextClassifier" not in names
    assert "TextRegressor" not in names


def test_all_estimators_with_torch_lists_the_neural_family():
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from sktransfer.utils.discovery import all_estimators

    names = [name for name, _ in all_estimators()]
    assert {"TextClassifier", "TextRegressor", "Word2VecVectorizer"} <= set(names)
