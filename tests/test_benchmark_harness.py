"""Tests of benchmarks/_harness.py and of the benchmark scripts' command lines.

The harness is loaded from its file (``benchmarks/`` is not a package); the
scripts are only asked for ``--help``, in subprocesses run side by side.
"""

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "benchmarks"
SCRIPTS = [
    "bench_word2vec.py",
    "bench_adaptation.py",
    "bench_neural.py",
    "bench_transformers.py",
    "bench_distributed.py",
    "bench_neural_transfer.py",
]


def _load_harness():
    spec = importlib.util.spec_from_file_location(
        "_harness", BENCHMARKS / "_harness.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


harness = _load_harness()


# --------------------------------------------------------------------------- #
# clocks
# --------------------------------------------------------------------------- #
def test_time_once_measures_a_sleep_as_wall_not_cpu():
    wall, cpu, result = harness.time_once(lambda: time.sleep(0.05) or "done")
    assert result == "done"
    assert wall >= 0.05
    assert 0.0 <= cpu < 0.02


def test_clock_and_elapsed():
    start = harness.clock()
    time.sleep(0.02)
    wall, cpu = harness.elapsed(start)
    assert wall >= 0.02
    assert cpu < 0.02


def test_best_of_interleaves_counts_repeats_and_keeps_the_minimum():
    sleeps = iter([0.15, 0.01, 0.08])
    calls = []

    def slow():
        calls.append("slow")
        time.sleep(next(sleeps))
        return len(calls)

    def fast():
        calls.append("fast")
        return "fast result"

    timings, kept = harness.best_of({"slow": slow, "fast": fast}, 3, keep=["slow"])
    assert calls == ["slow", "fast"] * 3
    assert {name: len(t) for name, t in timings.items()} == {"slow": 3, "fast": 3}
    assert kept == {"slow": 5}  # the last run's result, the others dropped
    slow_t = timings["slow"]
    assert len(slow_t.wall) == len(slow_t.cpu) == 3
    assert slow_t.best == (min(slow_t.wall), min(slow_t.cpu))
    # The 0.01 s sleep (second run) is the best wall time.
    assert slow_t.wall.index(slow_t.best[0]) == 1
    assert 0.01 <= slow_t.best[0] < 0.08
    assert slow_t.wall[0] >= 0.15 and slow_t.wall[2] >= 0.08


def test_best_of_alternates_the_order_on_request():
    calls = []
    candidates = {name: (lambda name=name: calls.append(name)) for name in "ab"}
    timings, kept = harness.best_of(candidates, 4, alternate=True)
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert kept == {}
    assert [len(t) for t in timings.values()] == [4, 4]


def test_interleave():
    assert list(harness.interleave(["a", "b", "c"], 2)) == [
        (0, "a"), (0, "b"), (0, "c"), (1, "a"), (1, "b"), (1, "c")
    ]  # fmt: skip
    assert list(harness.interleave(["a", "b"], 3, alternate=True)) == [
        (0, "a"), (0, "b"), (1, "b"), (1, "a"), (2, "a"), (2, "b")
    ]  # fmt: skip
    assert list(harness.interleave(["a"], 0)) == []


def test_timings_best_and_summary():
    t = harness.Timings()
    for wall, cpu in [(3.0, 0.5), (1.0, 0.75), (2.0, 0.25), (5.0, 1.0)]:
        t.add(wall, cpu)
    assert len(t) == 4
    assert t.best == (1.0, 0.25)
    # Medians of an even count: the mean of the two middle values.
    assert t.summary() == (1.0, 2.5, 0.25, 0.625)
    assert harness.best_and_median([4.0, 1.0, 9.0]) == (1.0, 4.0)


def test_traced_peak():
    peak, result = harness.traced_peak(lambda n: len(bytearray(n)), 8 * 2**20)
    assert result == 8 * 2**20
    assert 8 * 2**20 <= peak < 9 * 2**20


# --------------------------------------------------------------------------- #
# output
# --------------------------------------------------------------------------- #
def test_format_table():
    table = harness.format_table(
        "{method:<10}{wall s:>8.2f}{docs/s:>10,.0f}{overhead:>+9.1%}{x:>6}",
        [
            ("ours", 1.234, 12345.6, 0.05, "2.0x"),
            None,
            ("baseline", 12, 3, "", ""),
        ],
        rule_width=20,
    )
    assert table == "\n".join(
        [
            "-" * 20,
            "  method      wall s    docs/s overhead     x",
            "-" * 20,
            "  ours          1.23    12,346    +5.0%  2.0x",
            "-" * 20,
            "  baseline     12.00         3",
            "-" * 20,
        ]
    )


def test_format_table_indents_the_rules_on_request():
    lines = harness.format_table(
        "{a:<3}{b:>5}", [("x", 1)], indent=4, rule_width=6, rule_indent=2
    ).splitlines()
    assert lines == ["  ------", "    a      b", "  ------", "    x      1", "  ------"]


def test_print_table(capsys):
    harness.print_table("{a:<3}{b:>5.1f}", [("x", 1)], rule_width=4)
    out = capsys.readouterr().out
    assert out == "----\n  a      b\n----\n  x    1.0\n----\n"


@pytest.mark.parametrize(
    "template", ["{a}", "{a:8.2f}", "{a:<3} and {b:>3}", "{:<3}", "{a!r:<3}"]
)
def test_format_table_rejects_fields_without_alignment_and_width(template):
    with pytest.raises(ValueError, match="alignment and a width"):
        harness.format_table(template, [])


def test_format_table_rejects_rows_of_the_wrong_length():
    with pytest.raises(ValueError):
        harness.format_table("{a:<3}{b:>3}", [("only one",)])


def test_header_and_footer(capsys):
    start = time.perf_counter()
    harness.print_header("Title")
    harness.print_footer(start, note=" (this process)")
    lines = capsys.readouterr().out.splitlines()
    load = r"load average \(1/5/15 min\) at {}: [\d.]+ / [\d.]+ / [\d.]+ on \d+ CPUs"
    assert lines[0] == "Title"
    assert re.fullmatch(
        "NOTE: the machine may be shared; "
        + load.format("start")
        + r"\. Wall times are noisy under load; CPU times less so\.",
        lines[1],
    )
    assert lines[2] == ""
    assert re.fullmatch(
        r"total \d+ s wall, \d+ s CPU \(this process\); " + load.format("end"),
        lines[3],
    )


# --------------------------------------------------------------------------- #
# flags and threads
# --------------------------------------------------------------------------- #
def _parser():
    parser = harness.BenchmarkParser(
        "Benchmark of something.\n\nMore text.",
        repeat=5,
        repeat_help="timed runs",
        quick={"n_docs": 100, "repeat": 1, "check": lambda n: min(n, 30)},
        quick_help="smoke run",
    )
    parser.add_argument("--n-docs", type=int, default=1000)
    parser.add_argument("--check", type=int, default=200)
    return parser


def test_parser_defaults_and_quick_overrides():
    args = _parser().parse_args([])
    assert (args.n_docs, args.repeat, args.check, args.quick) == (1000, 5, 200, False)
    args = _parser().parse_args(["--repeat", "3", "--check", "20"])
    assert (args.n_docs, args.repeat, args.check) == (1000, 3, 20)
    # --quick wins over the flags; a function sees the parsed value.
    args = _parser().parse_args(["--quick", "--repeat", "3", "--n-docs", "7"])
    assert (args.n_docs, args.repeat, args.check, args.quick) == (100, 1, 30, True)
    args = _parser().parse_args(["--quick", "--check", "20"])
    assert args.check == 20


def test_parser_help():
    text = _parser().format_help()
    assert "Benchmark of something." in text
    assert "More text." not in text
    assert "common options:" in text
    assert re.search(r"--repeat REPEAT\s+timed runs", text)
    assert re.search(r"--quick\s+smoke run", text)


def test_limit_blas_threads_keeps_explicit_settings(monkeypatch):
    for name in harness.BLAS_THREAD_VARIABLES:
        monkeypatch.setenv(name, "0")  # remembered, restored after the test
        monkeypatch.delenv(name)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    harness.limit_blas_threads(2)
    assert {name: os.environ[name] for name in harness.BLAS_THREAD_VARIABLES} == {
        name: "3" if name == "MKL_NUM_THREADS" else "2"
        for name in harness.BLAS_THREAD_VARIABLES
    }


# --------------------------------------------------------------------------- #
# the scripts
# --------------------------------------------------------------------------- #
# Slow: each script imports torch, skorch and gensim before it parses its
# arguments (about 11 CPU-seconds for the three).
@pytest.mark.slow
def test_every_script_answers_help():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    procs = {
        script: subprocess.Popen(
            [sys.executable, str(BENCHMARKS / script), "--help"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for script in SCRIPTS
    }
    for script, proc in procs.items():
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, f"{script} --help failed:\n{err}"
        assert out.startswith("usage: "), script
        assert "Benchmark of" in out, script
        assert "common options:" in out, script
        assert re.search(r"--repeat REPEAT", out), script
        assert re.search(r"--quick\s+smoke run", out), script


# Slow: 12 pairs x 7 networks on 150 documents per domain, about 15 s.
@pytest.mark.slow
def test_neural_transfer_quick_run_prints_every_method_and_the_epoch_ratios():
    pytest.importorskip("torch")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    )
    proc = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_neural_transfer.py"), "--quick"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for method in [
        "source only",
        "DANN",
        "deep CORAL",
        "distillation",
        "(teacher)",
        "multi-task 50",
        "target 50 only",
        "fine-tune 50",
    ]:
        # a summary row: the method, then its balanced accuracy in [0, 1]
        match = re.search(rf"^  {re.escape(method)} +(\d\.\d{{3}}) ", out, re.M)
        assert match, method
        assert 0.0 <= float(match[1]) <= 1.0
    for method in ["DANN", "deep CORAL", "distillation", "multi-task 50"]:
        assert re.search(
            rf"^  {re.escape(method)}: \d+\.\d\dx source only's epoch CPU time "
            r"-> target <= 1\.5x (MET|NOT met)$",
            out,
            re.M,
        ), method
    assert "   * - fine-tune 50" in out  # the RST table
