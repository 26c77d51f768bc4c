"""What the benchmark scripts share: clocks, best-of-N, tables, flags, threads.

The scripts of this folder import it with ``import _harness as harness`` (the
folder of a script run as ``python benchmarks/bench_<name>.py`` comes first on
``sys.path``), the way scikit-learn's ``asv_benchmarks/benchmarks/common.py``
serves its benchmark files. At import it loads only the standard library, so
that a script can call :func:`limit_blas_threads` before numpy is imported
(:func:`blas_pools` imports threadpoolctl when called).

- Clocks: every time is a pair (wall, CPU): ``time.perf_counter`` and
  ``time.process_time`` (all threads of this process). :func:`time_once` runs
  one call after a garbage collection; :func:`best_of` runs candidates
  ``repeat`` times, interleaved so that a load change on a shared machine hits
  all of them, and keeps every run (:class:`Timings`: best and median).
- Memory: :func:`traced_peak` (tracemalloc) and :func:`max_rss_mib`.
- Output: :func:`print_table` (a table from a template that reads like its
  rows, ``"{method:<34}{wall s:>8.2f}"``, between rules), the header and
  footer lines with the load average (:func:`print_header`,
  :func:`print_footer`).
- Flags: :class:`BenchmarkParser`, an ``argparse`` parser with ``--repeat``
  and ``--quick`` (a smoke run that overrides the size flags).
"""

import argparse
import gc
import os
import re
import resource
import statistics
import string
import time
import tracemalloc
from dataclasses import dataclass, field

__all__ = [
    "BLAS_THREAD_VARIABLES",
    "BenchmarkParser",
    "Timings",
    "best_and_median",
    "best_of",
    "blas_pools",
    "clock",
    "elapsed",
    "format_table",
    "interleave",
    "limit_blas_threads",
    "load_line",
    "max_rss_mib",
    "print_footer",
    "print_header",
    "print_table",
    "time_once",
    "traced_peak",
]

#: Environment variables that size the BLAS / OpenMP thread pools.
BLAS_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


# --------------------------------------------------------------------------- #
# threads
# --------------------------------------------------------------------------- #
def limit_blas_threads(n_threads=1):
    """Size the BLAS / OpenMP pools, unless the caller has set them.

    Only effective before numpy (or torch) is imported: the libraries read
    the variables of :data:`BLAS_THREAD_VARIABLES` when they load.

    Parameters
    ----------
    n_threads : int, default=1
        Threads per pool; an explicit setting in the environment wins.
    """
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, str(n_threads))


def blas_pools():
    """One line describing the loaded BLAS / OpenMP pools (threadpoolctl).

    Returns
    -------
    summary : str
        ``"<api> (<library file>) <n> thread(s)"`` per pool, ``"; "``-joined.
    """
    from threadpoolctl import threadpool_info

    parts = []
    for info in threadpool_info():
        name = info.get("internal_api", "?")
        lib = os.path.basename(info.get("filepath", "") or "")
        parts.append(f"{name} ({lib}) {info.get('num_threads')} thread(s)")
    return "; ".join(parts) or "no BLAS/OpenMP pool found by threadpoolctl"


# --------------------------------------------------------------------------- #
# clocks
# --------------------------------------------------------------------------- #
def clock():
    """Now, as ``(wall, cpu)``: ``time.perf_counter``, ``time.process_time``."""
    return time.perf_counter(), time.process_time()


def elapsed(start):
    """Wall and CPU seconds since ``start``, a :func:`clock` reading."""
    w0, c0 = start
    return time.perf_counter() - w0, time.process_time() - c0


def time_once(fn):
    """Call ``fn()`` once, after a garbage collection.

    Returns
    -------
    wall, cpu : float
        Seconds of wall-clock and CPU time (all threads of the process).
    result : object
        What ``fn`` returned.
    """
    gc.collect()
    start = clock()
    result = fn()
    wall, cpu = elapsed(start)
    return wall, cpu, result


def best_and_median(values):
    """``(min(values), median(values))``."""
    return min(values), float(statistics.median(values))


@dataclass
class Timings:
    """Wall and CPU seconds of every run of one candidate, in run order."""

    wall: list = field(default_factory=list)
    cpu: list = field(default_factory=list)

    def add(self, wall, cpu):
        """Record one run."""
        self.wall.append(wall)
        self.cpu.append(cpu)

    def __len__(self):
        return len(self.wall)

    @property
    def best(self):
        """``(best wall, best CPU)``: each the minimum over the runs."""
        return min(self.wall), min(self.cpu)

    def summary(self):
        """``(best wall, median wall, best CPU, median CPU)`` over the runs."""
        return (*best_and_median(self.wall), *best_and_median(self.cpu))


def interleave(names, repeat, *, alternate=False):
    """Run order of ``repeat`` rounds over ``names``: yields ``(round, name)``.

    Parameters
    ----------
    names : iterable of str
        The candidates, in the order of the first round.
    repeat : int
        Rounds.
    alternate : bool, default=False
        Reverse the order in every other round (for two candidates, neither
        always runs first).
    """
    names = list(names)
    for r in range(repeat):
        for name in names[::-1] if alternate and r % 2 else names:
            yield r, name


def best_of(candidates, repeat, *, keep=(), alternate=False):
    """Time every candidate ``repeat`` times, interleaved (:func:`interleave`).

    Parameters
    ----------
    candidates : dict of str to callable
        Functions of no argument, each timed with :func:`time_once`.
    repeat : int
        Runs per candidate.
    keep : collection of str, default=()
        Candidates whose result of the last run is returned; the other
        results are dropped as soon as they are timed.
    alternate : bool, default=False
        Reverse the order in every other round.

    Returns
    -------
    timings : dict of str to Timings
        Every run of each candidate.
    kept : dict of str to object
        The last result of each candidate in ``keep``.
    """
    timings = {name: Timings() for name in candidates}
    kept = {}
    for _, name in interleave(candidates, repeat, alternate=alternate):
        wall, cpu, result = time_once(candidates[name])
        timings[name].add(wall, cpu)
        if name in keep:
            kept[name] = result
        del result
    return timings, kept


# --------------------------------------------------------------------------- #
# memory
# --------------------------------------------------------------------------- #
def traced_peak(fn, *args, **kwargs):
    """Call ``fn(*args, **kwargs)`` under tracemalloc, after a garbage collection.

    Returns
    -------
    peak : int
        Peak traced bytes during the call (Python objects, numpy buffers).
    result : object
        What ``fn`` returned.
    """
    gc.collect()
    tracemalloc.start()
    try:
        result = fn(*args, **kwargs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result


def max_rss_mib():
    """Peak resident set size of this process so far, in MiB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


# --------------------------------------------------------------------------- #
# output
# --------------------------------------------------------------------------- #
#: A column's format spec: alignment, optional sign, width, then the rest.
_COLUMN_SPEC = re.compile(r"(?P<align>[<>^])(?P<sign>[-+ ]?)(?P<width>\d+)(.*)")


def _columns(template):
    """``[(header, align, width, spec)]`` of a table template."""
    columns = []
    for literal, header, spec, conversion in string.Formatter().parse(template):
        match = _COLUMN_SPEC.fullmatch(spec or "")
        if literal or conversion or not header or match is None:
            raise ValueError(
                f"table template {template!r}: write only fields like "
                "'{header:>8.2f}', each with an alignment and a width"
            )
        columns.append((header, match["align"], int(match["width"]), spec))
    return columns


def format_table(template, rows, *, indent=2, rule_width=78, rule_indent=0):
    """Lines of a table between rules, columns aligned.

    Parameters
    ----------
    template : str
        One field per column, ``{header:spec}``, the header being the field
        name and the spec a format spec that starts with an alignment and a
        width, e.g. ``"{method:<34}{wall s:>8.2f}{docs/s:>15,.0f}"``. A cell
        that is a string is aligned as it is; any other value is formatted
        with the spec.
    rows : list of sequence or None
        The cells of each row; ``None`` draws a rule.
    indent : int, default=2
        Spaces before the header and the rows.
    rule_width, rule_indent : int, default=78, 0
        Dashes of a rule and spaces before it.

    Returns
    -------
    table : str
        A rule, the header, a rule, the rows and a rule, one line each,
        without trailing spaces.
    """
    columns = _columns(template)
    rule = " " * rule_indent + "-" * rule_width

    def cell_text(column, cell):
        _, align, width, spec = column
        return f"{cell:{align}{width}}" if isinstance(cell, str) else f"{cell:{spec}}"

    def line(cells):
        text = "".join(cell_text(*pair) for pair in zip(columns, cells, strict=True))
        return (" " * indent + text).rstrip()

    lines = [rule, line([header for header, *_ in columns]), rule]
    lines += [rule if row is None else line(row) for row in rows]
    lines.append(rule)
    return "\n".join(lines)


def print_table(columns, rows, **kwargs):
    """Print :func:`format_table` (same parameters)."""
    print(format_table(columns, rows, **kwargs))


def load_line(when):
    """``"load average (1/5/15 min) <when>: a / b / c on <n> CPUs"``."""
    load = os.getloadavg()
    return (
        f"load average (1/5/15 min) {when}: {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} on {os.cpu_count()} CPUs"
    )


def print_header(title):
    """Print the title and the load average at start (the machine is shared)."""
    print(title)
    print(
        "NOTE: the machine may be shared; "
        + load_line("at start")
        + ". Wall times are noisy under load; CPU times less so."
    )


def print_footer(start, note=""):
    """Print the total wall time since ``start`` (``perf_counter``), CPU, load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        f"\ntotal {time.perf_counter() - start:.0f} s wall, "
        f"{usage.ru_utime + usage.ru_stime:.0f} s CPU{note}; " + load_line("at end")
    )


# --------------------------------------------------------------------------- #
# flags
# --------------------------------------------------------------------------- #
class BenchmarkParser(argparse.ArgumentParser):
    """Flags of a benchmark script: its own, plus ``--repeat`` and ``--quick``.

    Parameters
    ----------
    doc : str
        The script's docstring; its first paragraph is the description.
    repeat : int
        Default of ``--repeat``.
    repeat_help : str
        Help of ``--repeat`` (what is repeated).
    quick : dict
        What ``--quick`` sets, winning over the flags: attribute -> value, or
        a function of the parsed value.
    quick_help : str
        Help of ``--quick`` (what the smoke run shrinks).
    """

    def __init__(self, doc, *, repeat, repeat_help, quick, quick_help):
        super().__init__(description=doc.split("\n\n")[0])
        self.quick = dict(quick)
        common = self.add_argument_group("common options")
        common.add_argument("--repeat", type=int, default=repeat, help=repeat_help)
        common.add_argument("--quick", action="store_true", help=quick_help)

    def parse_known_args(self, args=None, namespace=None):
        """Parse, then apply the ``--quick`` settings if it was given."""
        namespace, extras = super().parse_known_args(args, namespace)
        if namespace.quick:
            for name, value in self.quick.items():
                if callable(value):
                    value = value(getattr(namespace, name))
                setattr(namespace, name, value)
        return namespace, extras
