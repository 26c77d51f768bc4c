"""Every example of the gallery runs, offline, within its time budget.

The documentation is built with ``plot_gallery=0`` (the examples are not
executed there), so this test runs each ``examples/**/plot_*.py`` as a user
would, in a fresh Python process with matplotlib's non-interactive backend.
Examples are found by glob: a new example is checked without editing this
file. Marked ``slow``: it runs with ``pytest -m slow`` (in CI), not by default.
"""

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    import resource
except ImportError:  # Windows: the budget applies to wall-clock time
    resource = None

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").rglob("plot_*.py"))

# Seconds of CPU time (user + system, of the example's process) per example.
# The examples aim at well under a minute on two CPU cores; the margin
# absorbs a slower CI machine. CPU time, not wall-clock time: on a shared
# machine other processes stretch the wall-clock time of an example several
# times over without making it any heavier.
BUDGET = 90
# A hang guard only: the wall-clock time after which an example is stopped.
TIMEOUT = 600

# Examples of a folder need the extra named here on top of the torch and test
# extras that the test suite runs with.
EXTRAS = {"transformers": "transformers", "neural": "torch"}


def _missing_extra(script):
    folder = script.relative_to(ROOT / "examples").parts[0]
    module = EXTRAS.get(folder)
    if module is not None and importlib.util.find_spec(module) is None:
        return module
    return None


def test_examples_are_found():
    assert len(EXAMPLES) >= 9
    assert all(script.is_file() for script in EXAMPLES)


@pytest.mark.slow
@pytest.mark.parametrize(
    "script", EXAMPLES, ids=[str(p.relative_to(ROOT / "examples")) for p in EXAMPLES]
)
def test_example_runs(script, tmp_path):
    missing = _missing_extra(script)
    if missing is not None:
        pytest.skip(
            f"{script.name} needs the {missing!r} package, which is not "
            f"installed here: pip install -e '.[{missing}]' to run it"
        )
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        # One math thread: the budget counts CPU seconds, which idle OpenMP
        # threads spinning on a busy machine would inflate.
        "OMP_NUM_THREADS": "1",
        # This checkout's sktransfer, wherever the package is installed from.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    start = time.perf_counter()
    usage = resource and resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,  # anything an example writes lands in a temporary folder
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    wall = time.perf_counter() - start
    cpu = wall
    if resource is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    assert proc.returncode == 0, (
        f"{script.name} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    )
    assert cpu < BUDGET, (
        f"{script.name} took {cpu:.0f} s of CPU time ({wall:.0f} s wall-clock), "
        f"over its {BUDGET} s budget"
    )
