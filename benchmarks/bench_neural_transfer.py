"""Benchmark of the transfer objectives of TextClassifier on every pair of domains.

On the bundled sentiment domains (``load_sentiment_domains``: tweets,
movie_reviews, product_reviews, nyt_editorials), for all 12 ordered (source,
target) pairs, the target balanced accuracy (headline) and accuracy of
``TextClassifier`` networks with the same base settings (``encoder='mean'``,
``embedding_dim=32``, ``hidden_size=32``, ``lr=3e-3``, batches of 64, 8
epochs, CPU, one torch thread) and one transfer objective each:

* ``source only``: fitted on the labelled source rows and the target rows
  unlabelled (``y == -1``; they only bring their words to the vocabulary),
  the reference row;
* ``DANN``: ``domain_adversarial=0.3, domain_adversarial_schedule='ganin'``;
* ``deep CORAL``: ``coral_loss=20.0``;
* ``distillation``: ``teacher=`` the recipe ``make_text_adaptation_pipeline()``
  fitted on the same ``X, y`` (the best shallow pipeline of
  ``bench_adaptation.py``), ``distillation_weight=0.7``; the teacher's own
  scores are the ``(teacher)`` row;
* these use the default ``unlabelled_batch_ratio='auto'``: 0.5 for DANN and
  deep CORAL (every batch of 64 labelled rows joined by 32 unlabelled ones),
  1 for distillation; ``DANN r=1`` and ``deep CORAL r=1`` are the same with
  ``unlabelled_batch_ratio=1`` (the balanced batches of Ganin et al.),
  ``distillation r=0.5`` with 0.5: what the other choice would cost or
  save;
* with 50 labelled target rows (drawn at random per seed and pair; the
  others stay unlabelled): ``multi-task 50``, ``heads='per_domain'`` on the
  source rows (domain 0) and the target rows (domain -1, the predicted
  head), default ``task_weights``; ``target 50 only``, a network fitted on
  those 50 rows alone (the other target rows unlabelled, for the
  vocabulary); ``fine-tune 50``, the same started from the ``source only``
  network (``init_from``). The 50-row fits use batches of 16 and 40 epochs
  (about 160 optimizer steps) instead of 8 epochs of 64.

Every method is scored on the same target rows: all those of the subsample
except the 50 labelled ones. Every seed draws its own subsample of each domain
(the same for all methods and pairs: the comparisons are paired) and seeds
the networks. Per method: mean balanced accuracy and accuracy, mean gain over
``source only``, the worst pair, the pairs better / worse than ``source
only`` by more than one standard error of the paired per-seed gain, and the
CPU time per epoch relative to ``source only`` (a skorch callback reads
``time.process_time`` at the start and end of every epoch; median over the
epochs of a fit, mean over the fits; the target is at most 1.5x). Then the
balanced accuracy per pair, and the summary as an RST list-table.

BLAS/OpenMP threads and torch's intra-op threads are set to 1 (the machine is
shared). Run ``python benchmarks/bench_neural_transfer.py`` (about 6 minutes
on a shared 2-core machine with the defaults: 2,000 documents per domain
as in ``bench_adaptation.py``, 5 seeds) or ``--quick`` (a smoke run).
"""

import platform
import sys
import time
import warnings
from collections import Counter

import _harness as harness

harness.limit_blas_threads()

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import torch  # noqa: E402
from bench_adaptation import DOMAINS, gain_stats, short_pair, subsample  # noqa: E402
from sklearn.metrics import accuracy_score, balanced_accuracy_score  # noqa: E402
from skorch.callbacks import Callback  # noqa: E402

from sktransfer.adaptation import make_text_adaptation_pipeline  # noqa: E402
from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.neural import TextClassifier  # noqa: E402

TARGET_EPOCH_RATIO = 1.5  # no objective costs more than 1.5x source-only

BASE = {
    "encoder": "mean",
    "embedding_dim": 32,
    "hidden_size": 32,
    "lr": 3e-3,
    "batch_size": 64,
    "max_epochs": 8,
    "device": "cpu",
}
#: The fits on 50 labelled target rows: as many optimizer steps as possible
#: without a second pass over the labels turning into memorisation.
FEW = {"batch_size": 16, "max_epochs": 40}

REFERENCE = "source only"
TEACHER = "(teacher)"
METHODS = [
    REFERENCE,
    "DANN",
    "deep CORAL",
    "distillation",
    "DANN r=1",
    "deep CORAL r=1",
    "distillation r=0.5",
    TEACHER,
    "multi-task 50",
    "target 50 only",
    "fine-tune 50",
]
#: Methods trained epoch by epoch on the same labelled source rows as the
#: reference: their CPU time per epoch is comparable with its.
EPOCH_COMPARABLE = [
    "DANN",
    "deep CORAL",
    "distillation",
    "DANN r=1",
    "deep CORAL r=1",
    "distillation r=0.5",
    "multi-task 50",
]
#: The other unlabelled_batch_ratio of each objective than its default
#: ('auto': 0.5 for DANN and deep CORAL, 1 for distillation).
OTHER_RATIO = {"DANN": 1.0, "deep CORAL": 1.0, "distillation": 0.5}


class EpochCPUTimer(Callback):
    """Record the CPU seconds of each epoch as ``history[:, 'cpu_dur']``."""

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = time.process_time()

    def on_epoch_end(self, net, **kwargs):
        net.history.record("cpu_dur", time.process_time() - self.start_)


def network(seed, **params):
    callbacks = [("epoch_cpu", EpochCPUTimer())]
    return TextClassifier(**{**BASE, **params}, random_state=seed, callbacks=callbacks)


def fit_pair(src, tgt, n_labelled, seed):
    """Fit every method on one pair: ``{method: (predictions, epoch CPU s)}``.

    ``src`` and ``tgt`` are ``(docs, labels)``; returns also the evaluation
    labels (target rows not among the ``n_labelled`` ones).
    """
    src_docs, src_y = src
    tgt_docs, tgt_y = tgt
    rng = np.random.RandomState(seed)
    labelled = np.zeros(len(tgt_docs), dtype=bool)
    labelled[rng.choice(len(tgt_docs), n_labelled, replace=False)] = True
    eval_docs = [d for d, keep in zip(tgt_docs, labelled) if not keep]
    eval_y = tgt_y[~labelled]

    X = list(src_docs) + list(tgt_docs)
    y_so = np.r_[src_y, -np.ones(len(tgt_docs), dtype=int)]
    y_few = np.where(labelled, tgt_y, -1)
    y_mt = np.r_[src_y, y_few]
    domain = np.r_[np.zeros(len(src_docs), dtype=int), -np.ones(len(tgt_docs), int)]
    out = {}

    def run(name, model, *args, **kwargs):
        model.fit(*args, **kwargs)
        epoch = float(np.median(model.history[:, "cpu_dur"]))
        out[name] = (model.predict(eval_docs), epoch)
        return model

    source_only = run(REFERENCE, network(seed), X, y_so)
    teacher = make_text_adaptation_pipeline().fit(X, y_so)
    out[TEACHER] = (teacher.predict(eval_docs), np.nan)
    objectives = {
        "DANN": {"domain_adversarial": 0.3, "domain_adversarial_schedule": "ganin"},
        "deep CORAL": {"coral_loss": 20.0},
        "distillation": {"teacher": teacher, "distillation_weight": 0.7},
    }
    for name, params in objectives.items():
        run(name, network(seed, **params), X, y_so)
        ratio = OTHER_RATIO[name]
        run(
            f"{name} r={ratio:g}",
            network(seed, **params, unlabelled_batch_ratio=ratio),
            X,
            y_so,
        )
    run(
        "multi-task 50",
        network(seed, heads="per_domain"),
        X,
        y_mt,
        sample_domain=domain,
    )
    # sample_domain says that y == -1 marks the unlabelled target rows.
    target_only = {"sample_domain": -np.ones(len(tgt_docs), dtype=int)}
    run("target 50 only", network(seed, **FEW), list(tgt_docs), y_few, **target_only)
    run(
        "fine-tune 50",
        network(seed, init_from=source_only, **FEW),
        list(tgt_docs),
        y_few,
        **target_only,
    )
    return out, eval_y


def bench(n_per_domain, seeds, n_labelled):
    bunch = load_sentiment_domains()
    sizes = Counter(np.asarray(bunch.domain).tolist())
    pairs = [(s, t) for s in DOMAINS for t in DOMAINS if s != t]
    shape = (len(pairs), len(METHODS), len(seeds))
    bacc, acc, epoch = (
        np.full(shape, np.nan),
        np.full(shape, np.nan),
        np.full(shape, np.nan),
    )
    warned = Counter()
    for k, seed in enumerate(seeds):
        data = subsample(bunch, n_per_domain, seed)
        for i, (src, tgt) in enumerate(pairs):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                out, eval_y = fit_pair(data[src], data[tgt], n_labelled, seed)
            for w in caught:
                msg = str(w.message).splitlines()[0][:100]
                warned[(w.category.__name__, msg)] += 1
            for j, method in enumerate(METHODS):
                pred, cpu = out[method]
                bacc[i, j, k] = balanced_accuracy_score(eval_y, pred)
                acc[i, j, k] = accuracy_score(eval_y, pred)
                epoch[i, j, k] = cpu
            print(
                f"  seed {seed} pair {i + 1:2d}/12 {short_pair(src, tgt)}: "
                f"{time.perf_counter() - T_START:.0f} s since start",
                flush=True,
            )
        print(f"  seed {seed} done; " + harness.load_line("now"), flush=True)
    return {
        "pairs": pairs,
        "bacc": bacc,
        "acc": acc,
        "epoch": epoch,
        "warned": warned,
        "sizes": sizes,
        "n_source": {d: min(n_per_domain, sizes[d]) for d in DOMAINS},
    }


def epoch_ratio(res, j):
    """Mean epoch CPU of method ``j`` over the fits / that of the reference."""
    epoch = res["epoch"]
    if np.isnan(epoch[:, j]).all():
        return np.nan
    return float(np.nanmean(epoch[:, j]) / np.nanmean(epoch[:, 0]))


def summary_rows(res, seeds):
    """``(method, bacc, acc, gain, worst gain, worst pair, +/-, epoch CPU x)``."""
    pairs, bacc = res["pairs"], res["bacc"]
    gain, _, better, worse = gain_stats(bacc)
    rows = []
    for j, method in enumerate(METHODS):
        worst = int(np.argmin(gain[:, j]))
        counts = f"{better[:, j].sum()}/{worse[:, j].sum()}" if len(seeds) > 1 else ""
        ratio = epoch_ratio(res, j) if method in EPOCH_COMPARABLE or j == 0 else np.nan
        rows.append(
            (
                method,
                float(bacc[:, j].mean()),
                float(res["acc"][:, j].mean()),
                float(gain[:, j].mean()),
                float(gain[worst, j]),
                short_pair(*pairs[worst]) if j else "",
                "" if j == 0 else counts,
                "" if np.isnan(ratio) else f"{ratio:.2f}x",
            )
        )
    return rows


SUMMARY_TABLE = (
    "{method:<18}{bal. acc:>9.3f}{accuracy:>9.3f}{mean gain:>+10.3f}"
    "{worst gain:>+11.3f}{worst pair:>11}{pairs +/-:>10}{epoch CPU:>11}"
)


def marked_table(res, ref_j, methods_j):
    """Per-pair balanced accuracy of ``methods_j``, marked against ``ref_j``."""
    pairs = res["pairs"]
    bacc = res["bacc"][:, [ref_j, *methods_j], :]
    _, _, better, worse = gain_stats(bacc)
    mean_bacc = bacc.mean(axis=2)
    template = "{method:<18}" + "".join(f"{{{short_pair(*p)}:>7}}" for p in pairs)
    rows = []
    for jj, j in enumerate([ref_j, *methods_j]):
        cells = []
        for i in range(len(pairs)):
            mark = (
                " "
                if jj == 0
                else "+"
                if better[i, jj]
                else "-"
                if worse[i, jj]
                else " "
            )
            cells.append(f"{mean_bacc[i, jj]:.3f}{mark}")
        rows.append((METHODS[j], *cells))
    harness.print_table(template, rows, rule_width=20 + 7 * len(pairs))


def print_results(res, n_per_domain, seeds, n_labelled):
    bacc, epoch = res["bacc"], res["epoch"]
    print(
        "\ntarget balanced accuracy and accuracy, mean over 12 pairs and "
        f"{len(seeds)} seed(s) {list(seeds)}"
    )
    sizes = ", ".join(
        f"{DOMAINS[d]} {res['n_source'][d]:,} of {res['sizes'][d]:,}" for d in DOMAINS
    )
    print(f"   documents per domain (random per seed): {sizes}")
    print(
        f"   scored on the target rows minus the {n_labelled} labelled ones of "
        "the '50' rows (the same rows for every method)"
    )
    print(f"   base network: {BASE}; 50-row fits: {FEW}")
    if len(seeds) > 1:
        print(
            "   gain: balanced accuracy minus source only's, paired per seed; "
            "pairs +/-: pairs better / worse\n   by more than one standard error "
            "of that gain (std(gain, ddof=1) / sqrt(n_seeds))."
        )
    else:
        print("   one seed: no standard error, so no pair counts.")
    print(
        "   epoch CPU: CPU seconds per epoch relative to source only (median "
        "over a fit's epochs, mean over fits);\n   only for the objectives "
        "trained on the same labelled source rows."
    )
    harness.print_table(SUMMARY_TABLE, summary_rows(res, seeds), rule_width=82)
    ref_epoch = float(np.nanmean(epoch[:, 0]))
    print(f"  source only: {ref_epoch:.3f} CPU s per epoch (mean over fits)")
    for method in EPOCH_COMPARABLE:
        j = METHODS.index(method)
        ratio = epoch_ratio(res, j)
        met = "MET" if ratio <= TARGET_EPOCH_RATIO else "NOT met"
        print(
            f"  {method}: {ratio:.2f}x source only's epoch CPU time -> target "
            f"<= {TARGET_EPOCH_RATIO}x {met}"
        )
    print(
        "\n  per pair: target balanced accuracy, mean over seeds; '+' / '-': "
        "better / worse than source only\n  by more than one SE of the paired gain"
    )
    marked_table(res, 0, list(range(1, len(METHODS))))
    print("  source>target: " + ", ".join(f"{d[:2]} = {d}" for d in DOMAINS.values()))
    ref = METHODS.index("target 50 only")
    others = [METHODS.index("multi-task 50"), METHODS.index("fine-tune 50")]
    print(
        f"\n  with {n_labelled} labelled target rows: marked against target 50 "
        "only (the network fitted on them alone)"
    )
    marked_table(res, ref, others)
    gain, _, better, worse = gain_stats(bacc[:, [ref, *others], :])
    for jj, j in enumerate(others, start=1):
        counts = f", pairs +/- {better[:, jj].sum()}/{worse[:, jj].sum()}"
        print(
            f"  {METHODS[j]} vs target 50 only: mean gain {gain[:, jj].mean():+.3f}, "
            f"worst pair {gain[:, jj].min():+.3f}" + (counts if len(seeds) > 1 else "")
        )
    print(
        "\n  unlabelled_batch_ratio: the default ('auto') against the other "
        "ratio, paired per seed"
    )
    for name, ratio in OTHER_RATIO.items():
        other = f"{name} r={ratio:g}"
        pair_j = [METHODS.index(other), METHODS.index(name)]
        gain, _, better, worse = gain_stats(bacc[:, pair_j, :])
        counts = f", pairs +/- {better[:, 1].sum()}/{worse[:, 1].sum()}"
        print(
            f"  {name} (default) vs {other}: mean gain {gain[:, 1].mean():+.3f}, "
            f"worst pair {gain[:, 1].min():+.3f}" + (counts if len(seeds) > 1 else "")
        )
    if res["warned"]:
        print("  warnings raised during the fits (category, count, message):")
        for (cat, msg), count in sorted(res["warned"].items()):
            print(f"    {cat}, {count}x: {msg}")
    else:
        print("  no warnings were raised during the fits")


def rst_summary(res, seeds):
    """The summary table as an RST list-table, for ``docs/benchmarks.rst``."""
    lines = [".. list-table::", "   :header-rows: 1", "", "   * - method"]
    headers = ["bal. acc", "accuracy", "mean gain", "worst pair", "pairs + / -"]
    headers.append("epoch CPU")
    lines += [f"     - {h}" for h in headers]
    for method, ba, a, g, wg, wp, counts, ratio in summary_rows(res, seeds):
        worst = f"{wg:+.3f} ({wp})" if wp else "–"
        cells = [f"{ba:.3f}", f"{a:.3f}", f"{g:+.3f}", worst, counts or "–"]
        cells.append(ratio or "–")
        lines.append(f"   * - {method}")
        lines += [f"     - {c}" for c in cells]
    return "\n".join(lines)


def main(argv=None):
    global T_START
    parser = harness.BenchmarkParser(
        __doc__,
        repeat=1,
        repeat_help="unused (every fit is timed once, per epoch); kept for "
        "the common flags",
        quick={"n_per_domain": 150, "seeds": 1, "n_labelled": 20},
        quick_help="smoke run: 150 documents per domain, 1 seed, 20 labelled "
        "target rows",
    )
    parser.add_argument(
        "--n-per-domain",
        type=int,
        default=2000,
        help="documents drawn per domain, as in bench_adaptation.py (default 2000)",
    )
    parser.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 (default 5)")
    parser.add_argument(
        "--n-labelled",
        type=int,
        default=50,
        help="labelled target rows of the multi-task and fine-tuning rows (default 50)",
    )
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    torch.set_num_threads(1)

    harness.print_header("sktransfer.neural transfer objectives benchmark")
    print(
        f"python {platform.python_version()} ({sys.executable}), numpy "
        f"{np.__version__}, scikit-learn {sklearn.__version__}, torch "
        f"{torch.__version__} ({torch.get_num_threads()} thread), "
        f"{platform.machine()}"
    )
    print("BLAS pools: " + harness.blas_pools())
    print(
        f"options: n_per_domain={args.n_per_domain}, seeds={seeds}, "
        f"n_labelled={args.n_labelled}, quick={args.quick}"
    )
    if args.quick:
        print("--quick: a smoke run (small data); numbers are not meaningful")
    T_START = time.perf_counter()
    print(f"\nrunning {12 * len(seeds)} pairs x {len(METHODS)} methods")
    res = bench(args.n_per_domain, seeds, args.n_labelled)
    print_results(res, args.n_per_domain, seeds, args.n_labelled)
    print("\nthe summary as an RST table for docs/benchmarks.rst:\n")
    print(rst_summary(res, seeds))
    harness.print_footer(T_START)


T_START = time.perf_counter()

if __name__ == "__main__":
    main()
