"""Without the ``torch`` or ``transformers`` extra, sktransfer imports and
says how to install it.

Each test runs a fresh interpreter in which a ``sys.meta_path`` finder makes
``import torch`` and ``import skorch`` (or only ``import transformers``) fail,
as on a machine where the extra is not installed.
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
            if name.split(".")[0] in {blocked!r}:
                raise ImportError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, _Block())
    """
)

HINT = 'pip install "sktransfer[torch]"'
TRANSFORMERS_HINT = 'pip install "sktransfer[transformers]"'


def _run(code, blocked=("torch", "skorch")):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    block = _BLOCK.format(blocked=tuple(blocked))
    result = subprocess.run(
        [sys.executable, "-c", block + textwrap.dedent(code)],
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
        print("transformers" in sys.modules)
        """
    )
    assert out.split() == ["False", "False", "False"]


_TRANSFORMERS_STATEMENTS = (
    "import sktransfer.transformers",
    "from sktransfer.transformers import _pretrained",
    "import sktransfer; sktransfer.transformers",
)


@pytest.mark.parametrize("blocked", [("transformers",), ("torch", "skorch")])
def test_transformers_without_the_extra_says_how_to_install(blocked):
    # One interpreter for the three statements: a failed import leaves no
    # module behind, so each statement imports afresh.
    code = "\n".join(
        f"print('STATEMENT {i}')\n" + _CHECK.format(stmt=stmt)
        for i, stmt in enumerate(_TRANSFORMERS_STATEMENTS)
    )
    out = _run(code, blocked=blocked)
    chunks = out.split("STATEMENT ")[1:]
    assert len(chunks) == len(_TRANSFORMERS_STATEMENTS)
    for chunk in chunks:
        assert "NO ERROR" not in chunk
        lines = dict(line.split(" ", 1) for line in chunk.splitlines()[1:])
        assert TRANSFORMERS_HINT in lines["MESSAGE"]
        assert "sktransfer.transformers" in lines["MESSAGE"]
        assert lines["NAME"] in blocked


def test_everything_else_imports_without_transformers():
    out = _run(
        """
        import sktransfer, sktransfer.neural, sktransfer.adaptation
        from sktransfer.utils.discovery import all_estimators
        names = [name for name, _ in all_estimators()]
        print("transformers" in sys.modules, "TextClassifier" in names)
        """,
        blocked=("transformers",),
    )
    assert out.split() == ["False", "True"]


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
