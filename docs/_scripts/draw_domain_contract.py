"""Draw the domain contract: source and target rows stacked in ``X, y``.

Writes ``docs/_static/domain_contract.png``, which the user guide shows
(docs/user_guide/domains.rst). The PNG is committed, so the documentation
build never runs this script; run it again after changing the picture::

    python docs/_scripts/draw_domain_contract.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "_static" / "domain_contract.png"

SOURCE = "#cfe2f3"  # light blue
SOURCE2 = "#9fc5e8"
TARGET = "#fce5cd"  # light orange
UNLABELLED = "#e6e6e6"

# (text, y, sample_domain, colour, domain label)
IMPLICIT = [
    ("a gripping, well-acted film", "1", "", SOURCE),
    ("dull and far too long", "0", "", SOURCE),
    ("a moving story, great cast", "1", "", SOURCE),
    ("loving this new phone", "-1", "", TARGET),
    ("worst customer service ever", "-1", "", TARGET),
    ("great day at the beach", "-1", "", TARGET),
]
EXPLICIT = [
    ("a gripping, well-acted film", "1", "0", SOURCE),
    ("dull and far too long", "0", "0", SOURCE),
    ("battery died in a week", "0", "1", SOURCE2),
    ("works great, easy setup", "1", "1", SOURCE2),
    ("worst customer service ever", "0", "-1", TARGET),
    ("loving this new phone", "-1", "-1", TARGET),
    ("great day at the beach", "-1", "-1", TARGET),
]


def draw_table(ax, rows, title, groups, show_domain):
    widths = [4.2, 0.9, 1.9] if show_domain else [4.2, 0.9]
    headers = ["X (documents)", "y", "sample_domain"][: len(widths)]
    n = len(rows)
    ax.set_xlim(-3.3, sum(widths) + 0.1)
    ax.set_ylim(n + 0.2, -1.6)
    ax.axis("off")
    ax.set_title(title, fontsize=12, loc="left", x=0.02)
    x = 0.0
    for header, w in zip(headers, widths):
        ax.text(x + w / 2, -0.55, header, ha="center", va="center", weight="bold")
        x += w
    for i, (text, y, domain, colour) in enumerate(rows):
        cells = [text, y, domain][: len(widths)]
        x = 0.0
        for j, (cell, w) in enumerate(zip(cells, widths)):
            face = colour
            if j == 1 and y == "-1":
                face = UNLABELLED
            ax.add_patch(Rectangle((x, i), w, 1, facecolor=face, edgecolor="white"))
            style = "italic" if (j == 1 and y == "-1") else "normal"
            ax.text(
                x + (0.12 if j == 0 else w / 2),
                i + 0.5,
                f'"{cell}"' if j == 0 else cell,
                ha="left" if j == 0 else "center",
                va="center",
                family="monospace" if j else None,
                style=style,
                fontsize=9.5 if j == 0 else 11,
            )
            x += w
    for start, stop, label in groups:
        ax.plot([-0.15, -0.15], [start + 0.08, stop - 0.08], color="k", lw=1.2)
        ax.text(-0.3, (start + stop) / 2, label, ha="right", va="center", fontsize=10)


fig, (left, right) = plt.subplots(
    1, 2, figsize=(13, 4.4), gridspec_kw={"width_ratios": [5.1, 7.0]}
)
draw_table(
    left,
    IMPLICIT,
    "Implicit domains: fit(X, y)",
    [
        (0, 3, "source\n(labelled rows)"),
        (3, 6, "target\n(y == -1:\nunlabelled)"),
    ],
    show_domain=False,
)
draw_table(
    right,
    EXPLICIT,
    "Explicit domains: fit(X, y, sample_domain=...)",
    [
        (0, 2, "source 0\n(sample_domain >= 0)"),
        (2, 4, "source 1"),
        (4, 7, "target\n(sample_domain < 0;\none labelled row)"),
    ],
    show_domain=True,
)
fig.suptitle(
    "Source and target rows travel together in X; y == -1 marks an unlabelled row",
    fontsize=13,
)
fig.tight_layout()
OUT.parent.mkdir(exist_ok=True)
fig.savefig(OUT, dpi=100)
print(f"wrote {OUT}")
