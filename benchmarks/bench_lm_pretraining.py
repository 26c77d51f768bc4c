"""Benchmark: does language-model pretraining help TextClassifier's LSTM?

ULMFiT's second step on the bundled sentiment domains: ``TextClassifier``
with ``encoder="lstm"`` with and without ``lm_pretraining_epochs`` (next-word
language-model training of the embeddings and the LSTM over every document
of the fit) on four cross-domain pairs (movies -> products, products ->
tweets, tweets -> nyt, nyt -> movies), the pairs of
``bench_transformers.py --part usefulness``. Each fit gets ``--n-source``
(200) labelled source documents and ``--n-target`` (1,000) unlabelled target
documents (``y = -1``: their words enter the vocabulary, and the language
model reads them); the score is on ``--n-test`` (300) other target documents.
TF-IDF + logistic regression on the labelled documents is the baseline a user
would otherwise write.

Balanced accuracy and accuracy, mean and standard deviation over
``--seeds`` (3) sampling and training seeds; CPU seconds per fit. PyTorch
runs with one intra-op thread (the machine is shared).

``--general-lm-epochs N`` adds ULMFiT's first step: per pair, a
``TextLanguageModel`` fitted ``N`` epochs on all the documents of the two
other domains (no labels), as ``init_from`` of a third LSTM row (which then
runs its ``lm_pretraining_epochs`` on the fit's documents).

Run ``python benchmarks/bench_lm_pretraining.py`` (about 8 CPU minutes; 18
minutes of wall time on a loaded 2-core machine) or ``--quick`` (a smoke
run).
"""

import sys

import _harness as harness

harness.limit_blas_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402

import sktransfer  # noqa: E402
from sktransfer.datasets import load_sentiment_domains  # noqa: E402

SHORT = {
    "tweets": "tweets",
    "movie_reviews": "movies",
    "product_reviews": "products",
    "nyt_editorials": "nyt",
}
PAIRS = [
    ("movie_reviews", "product_reviews"),
    ("product_reviews", "tweets"),
    ("tweets", "nyt_editorials"),
    ("nyt_editorials", "movie_reviews"),
]
TABLE = (
    "{setting:<20}{method:<38}{bal. acc:>9.3f}{sd:>7.3f}{accuracy:>10.3f}"
    "{sd.:>7.3f}{CPU s:>8.1f}"
)


def _data(src, tgt, args, seed):
    bunch = load_sentiment_domains()
    docs = np.asarray(bunch.data, dtype=object)
    target = np.asarray(bunch.target)
    domain = np.asarray(bunch.domain)
    rng = np.random.RandomState(seed)
    s = rng.permutation(np.flatnonzero(domain == src))[: args.n_source]
    t = rng.permutation(np.flatnonzero(domain == tgt))
    test, pool = t[: args.n_test], t[args.n_test : args.n_test + args.n_target]
    X = docs[s].tolist() + docs[pool].tolist()
    y = np.concatenate([target[s], np.full(len(pool), -1)])
    return X, y, docs[test].tolist(), target[test], docs[s].tolist(), target[s]


def _scores(y_true, y_pred):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score

    return balanced_accuracy_score(y_true, y_pred), accuracy_score(y_true, y_pred)


def main(argv=None):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sktransfer.neural import TextClassifier, TextLanguageModel

    parser = harness.BenchmarkParser(
        __doc__,
        repeat=1,
        repeat_help="unused (one fit per seed)",
        quick={
            "seeds": 1,
            "n_source": 40,
            "n_target": 100,
            "n_test": 60,
            "epochs": 2,
            "lm_epochs": 1,
            "n_pairs": 1,
        },
        quick_help="smoke run: 1 pair, 1 seed, tiny sizes, 2 epochs",
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..seeds-1")
    parser.add_argument("--n-source", type=int, default=200, help="labelled docs")
    parser.add_argument(
        "--n-target", type=int, default=1000, help="unlabelled target docs"
    )
    parser.add_argument("--n-test", type=int, default=300, help="target test docs")
    parser.add_argument("--epochs", type=int, default=20, help="task epochs")
    parser.add_argument("--lm-epochs", type=int, default=10, help="LM epochs")
    parser.add_argument("--lr", type=float, default=3e-3, help="learning rate")
    parser.add_argument("--n-pairs", type=int, default=len(PAIRS), help="pairs run")
    parser.add_argument(
        "--unfreeze-at-epoch",
        type=int,
        default=0,
        help="add ULMFiT's step 3: the LM row again with gradual unfreezing "
        "(unfreeze_at_epoch=this; 0: off)",
    )
    parser.add_argument(
        "--only-new",
        action="store_true",
        help="run only the gradual-unfreezing row (with --unfreeze-at-epoch)",
    )
    parser.add_argument(
        "--general-lm-epochs",
        type=int,
        default=0,
        help="add ULMFiT's step 1: a TextLanguageModel fitted this many epochs on "
        "the two domains outside the pair, as init_from (0: off)",
    )
    args = parser.parse_args(argv)
    start = harness.clock()[0]
    harness.print_header(f"bench_lm_pretraining (sktransfer {sktransfer.__version__})")
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    print(
        f"{args.n_source} labelled source + {args.n_target} unlabelled target "
        f"documents per fit; {args.n_test} target test documents; seeds "
        f"0..{args.seeds - 1}; TextClassifier(encoder='lstm', max_epochs="
        f"{args.epochs}, lr={args.lr}); LM rows: lm_pretraining_epochs="
        f"{args.lm_epochs}",
        flush=True,
    )

    def lstm(lm_epochs, seed, init_from=None, unfreeze_at_epoch=None):
        return TextClassifier(
            encoder="lstm",
            max_epochs=args.epochs,
            lr=args.lr,
            lm_pretraining_epochs=lm_epochs,
            init_from=init_from,
            unfreeze_at_epoch=unfreeze_at_epoch,
            random_state=seed,
            device="cpu",
        )

    methods = {
        "TF-IDF + logistic regression": lambda X, y, src_docs, src_y, seed: (
            make_pipeline(
                TfidfVectorizer(sublinear_tf=True, min_df=2), LogisticRegression(C=10.0)
            ).fit(src_docs, src_y)
        ),
        "LSTM, no LM pretraining": lambda X, y, _d, _y, seed: lstm(0, seed).fit(X, y),
        f"LSTM, {args.lm_epochs} LM epochs (src + tgt)": lambda X, y, _d, _y, seed: (
            lstm(args.lm_epochs, seed).fit(X, y)
        ),
    }
    if args.unfreeze_at_epoch:
        name = (
            f"LSTM, {args.lm_epochs} LM ep., unfreeze_at_epoch={args.unfreeze_at_epoch}"
        )
        if args.only_new:
            methods = {}
        methods[name] = lambda X, y, _d, _y, seed: lstm(
            args.lm_epochs, seed, unfreeze_at_epoch=args.unfreeze_at_epoch
        ).fit(X, y)
    general_name = (
        f"LSTM, general LM ({args.general_lm_epochs} ep.) + {args.lm_epochs} LM ep."
    )
    general = {}
    if args.general_lm_epochs:
        methods[general_name] = lambda X, y, _d, _y, seed: lstm(
            args.lm_epochs, seed, init_from=FrozenEstimator(general["lm"])
        ).fit(X, y)
    rows = []
    summary = {name: [] for name in methods}
    try:
        for src, tgt in PAIRS[: args.n_pairs]:
            setting = f"{SHORT[src]} -> {SHORT[tgt]}"
            if args.general_lm_epochs:
                # ULMFiT's step 1, once per pair: the text of the two other
                # domains (never the pair's), no labels.
                bunch = load_sentiment_domains()
                corpus = [
                    d
                    for d, dom in zip(bunch.data, bunch.domain)
                    if dom not in (src, tgt)
                ]
                _, cpu, general["lm"] = harness.time_once(
                    lambda corpus=corpus: TextLanguageModel(
                        max_epochs=args.general_lm_epochs,
                        lr=args.lr,
                        random_state=0,
                        device="cpu",
                    ).fit(corpus)
                )
                print(
                    f"  {setting}: general language model on {len(corpus)} "
                    f"documents of the other domains, {cpu:.0f} CPU s; losses "
                    + ", ".join(f"{v:.2f}" for v in general["lm"].lm_losses_),
                    flush=True,
                )
            results = {name: [] for name in methods}
            for seed in range(args.seeds):
                X, y, test, y_test, src_docs, src_y = _data(src, tgt, args, seed)
                for name, fn in methods.items():
                    _, cpu, model = harness.time_once(
                        lambda fn=fn: fn(X, y, src_docs, src_y, seed)
                    )
                    bal, acc = _scores(y_test, model.predict(test))
                    results[name].append((bal, acc, cpu))
                    summary[name].append((bal, acc))
                    print(
                        f"  {setting}, seed {seed}, {name}: bal. acc {bal:.3f}, "
                        f"acc {acc:.3f}, {cpu:.1f} CPU s",
                        flush=True,
                    )
            for name, r in results.items():
                r = np.asarray(r)
                rows.append(
                    (
                        setting,
                        name,
                        r[:, 0].mean(),
                        r[:, 0].std(),
                        r[:, 1].mean(),
                        r[:, 1].std(),
                        r[:, 2].mean(),
                    )
                )
        for name, r in summary.items():
            r = np.asarray(r)
            rows.append(
                (
                    "mean of the pairs",
                    name,
                    r[:, 0].mean(),
                    "",
                    r[:, 1].mean(),
                    "",
                    "",
                )
            )
    finally:
        torch.set_num_threads(torch_threads)
    print("\nbalanced accuracy and accuracy on the target test documents:")
    harness.print_table(TABLE, rows, rule_width=100)
    harness.print_footer(start)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
