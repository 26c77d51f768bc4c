#!/usr/bin/env python
"""Regenerate the README's figure of ``sktransfer demo``.

Runs the full demo (:func:`sktransfer.cli.run_transfer_demo`, the settings
``sktransfer demo`` uses, seed 0) and writes ``docs/_static/demo_heatmap.png``:
two heatmaps of the gain in target balanced accuracy, per (source, target)
pair of the bundled sentiment domains,

* left: the recommended recipe (``make_text_adaptation_pipeline``) over
  source-only TF-IDF, no target labels;
* right: a ``TextClassifier`` fine-tuned with ``init_from`` from the source
  model over the same network trained on the same 50 labelled target
  documents alone.

The demo's table is printed as well. Needs matplotlib and the torch extra.

Usage (from the repository root)::

    python scripts/make_readme_figure.py [--output PATH] [--json PATH]
"""

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", default=str(ROOT / "docs" / "_static" / "demo_heatmap.png")
    )
    parser.add_argument("--json", help="also write the demo's records here")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from sktransfer._demo import one_torch_thread
    from sktransfer.cli import format_demo_table, plot_demo_gain, run_transfer_demo

    with one_torch_thread():
        result = run_transfer_demo(neural=True, random_state=args.random_state)
    print(format_demo_table(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")

    fig = Figure(figsize=(11, 4.6))
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    plot_demo_gain(result, method="recipe", baseline="tfidf", ax=left)
    plot_demo_gain(result, method="net_init_from", baseline="net_target", ax=right)
    left.set_title("recipe minus source-only TF-IDF\n(no target labels)", fontsize=11)
    right.set_title(
        f"TextClassifier: init_from minus target-only\n"
        f"({result['settings']['n_target_labels']} target labels)",
        fontsize=11,
    )
    fig.suptitle(
        "sktransfer demo: gain in target balanced accuracy "
        f"(up to {result['settings']['n_docs']:,} documents per domain)",
        fontsize=12,
    )
    fig.tight_layout()
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    # metadata=None entries: no software version or date, so that the file
    # changes only when the numbers do.
    fig.savefig(output, dpi=100, metadata={"Software": None})
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
