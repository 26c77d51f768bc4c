"""The import graph of the package: acyclic, and running the way DESIGN.md says.

The graph is read from the source, not from an interpreter: every ``import``
and ``from ... import`` statement of ``sktransfer/**/*.py``, at module level
or inside a function, is an edge to the module it names (``from a.b import
c`` names ``a.b.c`` when that is a module, else ``a.b``). The parent
packages Python initialises on the way are not edges: a subpackage's
``__init__`` re-exporting its private modules is not a cycle. Imports by
name at run time (``importlib.import_module``, used by the lazy top-level
exports and by ``utils.discovery.all_estimators`` to walk the package) are
not statements and are not seen.
"""

import ast
import graphlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sktransfer"


def _module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: Module name -> source file, for every module of the package.
MODULES = {_module_name(p): p for p in sorted((ROOT / PACKAGE).rglob("*.py"))}


def import_statements(source, module, is_package=False):
    """``(from_module, names)`` of every import statement of ``source``.

    ``import a.b`` gives ``("a.b", ())``; ``from a.b import c, d`` gives
    ``("a.b", ("c", "d"))``. Relative imports are resolved against
    ``module`` (a package when ``is_package``).
    """
    statements = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            statements.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            prefix = node.module
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + is_package]
                prefix = ".".join(base + ([node.module] if node.module else []))
            statements.append((prefix, tuple(alias.name for alias in node.names)))
    return statements


def imported_modules(statements, modules):
    """The modules of ``modules`` that ``statements`` import.

    ``from a.b import c`` imports the module ``a.b.c`` when there is one,
    else (``c`` is a name defined in ``a.b``) the module ``a.b``.
    """
    found = set()
    for prefix, names in statements:
        submodules = {f"{prefix}.{name}" for name in names} & modules
        found |= submodules
        if len(submodules) < len(names) or not names:
            found |= {prefix} & modules
    return found


def _graph():
    graph, external = {}, {}
    for module, path in MODULES.items():
        source = path.read_text(encoding="utf-8")
        statements = import_statements(source, module, path.name == "__init__.py")
        graph[module] = imported_modules(statements, set(MODULES)) - {module}
        external[module] = {p.split(".")[0] for p, _ in statements} - {PACKAGE}
    return graph, external


GRAPH, EXTERNAL = _graph()


def _family(module):
    """``embeddings`` for ``sktransfer.embeddings._io``, ``cli`` for the command.

    ``""`` for the top-level package and its private modules (``_version``).
    """
    parts = module.split(".")
    return "" if len(parts) == 1 or parts[1].startswith("_") else parts[1]


# --------------------------------------------------------------------------- #
# the graph reader itself
# --------------------------------------------------------------------------- #
def test_import_statements_are_found_at_every_level():
    source = (
        "import numpy as np\n"
        "import a.b.c, os\n"
        "from sktransfer.embeddings._tokenize import Tokenizer, token_ids\n"
        "from . import sibling\n"
        "from ..utils._domains import check_domains\n"
        "def f():\n"
        "    from gensim.models import Word2Vec\n"
        "    class C:\n"
        "        def g(self):\n"
        "            import torch\n"
    )
    statements = import_statements(source, "sktransfer.embeddings._word2vec")
    assert sorted(statements) == [
        ("a.b.c", ()),
        ("gensim.models", ("Word2Vec",)),
        ("numpy", ()),
        ("os", ()),
        ("sktransfer.embeddings", ("sibling",)),
        ("sktransfer.embeddings._tokenize", ("Tokenizer", "token_ids")),
        ("sktransfer.utils._domains", ("check_domains",)),
        ("torch", ()),
    ]
    # In a package's __init__, "." is the package itself.
    assert import_statements("from ._io import x", "sktransfer.embeddings", True) == [
        ("sktransfer.embeddings._io", ("x",))
    ]


def test_imported_modules_are_modules_not_the_names_in_them():
    modules = {"p", "p.a", "p.sub", "p.sub._x", "p.sub._y"}
    # A name defined in a module: the module.
    assert imported_modules([("p.a", ("f", "g"))], modules) == {"p.a"}
    # Submodules imported from their package: the submodules only.
    statements = [("p.sub", ("_x", "_y"))]
    assert imported_modules(statements, modules) == {"p.sub._x", "p.sub._y"}
    # A submodule and a name its package's __init__ defines: both.
    statements = [("p.sub", ("_x", "Public"))]
    assert imported_modules(statements, modules) == {"p.sub", "p.sub._x"}
    assert imported_modules([("p.sub._x", ())], modules) == {"p.sub._x"}
    assert imported_modules([("numpy.linalg", ("norm",))], modules) == set()


def test_graph_holds_the_edges_it_should():
    # Not vacuous: known imports of the tree are edges, at module level and
    # inside functions.
    assert "sktransfer.embeddings._fastids" in GRAPH["sktransfer.embeddings._tokenize"]
    assert "sktransfer.embeddings._corpus" in GRAPH["sktransfer.cli"]
    assert "sktransfer.utils._domains" in GRAPH["sktransfer.adaptation._base"]
    assert "gensim" in EXTERNAL["sktransfer.embeddings._word2vec"]
    assert _family("sktransfer.embeddings._io") == "embeddings"
    assert _family("sktransfer.embeddings") == "embeddings"
    assert _family("sktransfer.cli") == "cli"
    assert _family("sktransfer._version") == ""


# --------------------------------------------------------------------------- #
# the package
# --------------------------------------------------------------------------- #
def test_no_module_is_part_of_an_import_cycle():
    try:
        graphlib.TopologicalSorter(GRAPH).prepare()
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_no_relative_imports():
    relative = [
        f"{module}:{node.lineno}"
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level
    ]
    assert relative == []


def test_fastids_is_a_leaf():
    # The engine takes what it needs (the tokenisation, the index) as
    # arguments; the policy stays with the tokenizer.
    module = "sktransfer.embeddings._fastids"
    statements = import_statements(MODULES[module].read_text("utf-8"), module)
    # Relative imports are resolved, so they would count here too.
    assert [p for p, _ in statements if p.split(".")[0] == PACKAGE] == []
    assert GRAPH["sktransfer.embeddings._fastids"] == set()
    assert EXTERNAL["sktransfer.embeddings._fastids"] <= {"re", "itertools", "numpy"}


#: Subpackages (and the command line) of the package, but utils.
FAMILIES = {
    "adaptation", "cli", "datasets", "embeddings", "model_selection", "neural",
    "transformers",
}  # fmt: skip
#: skorch and Hugging Face transformers stand for torch, which they import.
TORCH_OR_GENSIM = {"torch", "skorch", "transformers", "gensim"}
#: DESIGN.md, "Which way imports run": what each part may not import, as
#: (families of the package, third-party modules). utils imports no family;
#: datasets only utils; transformers/ only neural/ and utils/, and nothing but
#: the command line imports it; nothing imports the command line.
RULES = {
    "utils": (FAMILIES, set()),
    "datasets": (FAMILIES - {"datasets"}, set()),
    "adaptation": ({"neural", "embeddings", "transformers", "cli"}, TORCH_OR_GENSIM),
    "model_selection": (
        {"neural", "embeddings", "transformers", "cli"},
        TORCH_OR_GENSIM,
    ),
    "embeddings": ({"neural", "transformers", "cli"}, set()),
    "neural": ({"transformers", "cli"}, set()),
    "transformers": (FAMILIES - {"neural", "transformers"}, set()),
}


def violations(graph, external, family):
    """``"module imports name"`` for each import ``RULES`` forbid to ``family``."""
    families, modules = RULES[family]
    return sorted(
        f"{module} imports {name}"
        for module in graph
        if _family(module) == family
        for name in {t for t in graph[module] if _family(t) in families}
        | (external[module] & modules)
    )


def test_violations_are_found():
    graph = {
        "sktransfer.utils._a": {"sktransfer.utils._b", "sktransfer.neural._text"},
        "sktransfer.utils._b": set(),
        "sktransfer.adaptation._x": {"sktransfer.utils._b"},
        "sktransfer.datasets._d": {"sktransfer.utils._b", "sktransfer.embeddings"},
        "sktransfer.neural._text": {"sktransfer.embeddings._io"},
    }
    external = dict.fromkeys(graph, {"numpy"}) | {"sktransfer.adaptation._x": {"torch"}}
    assert violations(graph, external, "utils") == [
        "sktransfer.utils._a imports sktransfer.neural._text"
    ]
    assert violations(graph, external, "adaptation") == [
        "sktransfer.adaptation._x imports torch"
    ]
    assert violations(graph, external, "datasets") == [
        "sktransfer.datasets._d imports sktransfer.embeddings"
    ]
    assert violations(graph, external, "neural") == []


@pytest.mark.parametrize("family", sorted(RULES))
def test_imports_run_the_way_the_design_says(family):
    assert violations(GRAPH, EXTERNAL, family) == []


def test_nothing_imports_the_command_line():
    assert [m for m in GRAPH if "sktransfer.cli" in GRAPH[m]] == []
