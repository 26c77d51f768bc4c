"""The transfer comparison that ``sktransfer demo`` runs on the bundled data.

:func:`run_transfer_demo` computes the records; :func:`format_demo_table`,
:func:`summarize_demo` and :func:`plot_demo_gain` turn them into the
command's table, summary line and heatmap.
"""

import logging
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = [
    "DEMO_METHODS",
    "format_demo_table",
    "plot_demo_gain",
    "run_transfer_demo",
    "summarize_demo",
]

logger = logging.getLogger("sktransfer.demo")

#: The compared methods, in table order, with their one-line descriptions.
DEMO_METHODS = {
    "majority": "predicts the target's most frequent class (balanced accuracy 0.5)",
    "tfidf": "source only: TF-IDF + LogisticRegression(C=10) "
    "(make_text_adaptation_pipeline(self_training=False))",
    "word2vec": "source only: mean of the shared word2vec vectors + "
    "LogisticRegression(C=10)",
    "recipe": "make_text_adaptation_pipeline(): TF-IDF + class-balanced "
    "self-training on the unlabelled target documents",
    "net_source": "TextClassifier from the word2vec vectors, trained on the source",
    "net_target": "TextClassifier from the word2vec vectors, trained on the "
    "labelled target documents only",
    "net_init_from": "the same, fine-tuned from the source TextClassifier (init_from=)",
}

#: Methods that need torch (the ``torch`` extra).
_NEURAL = ("net_source", "net_target", "net_init_from")

#: Short column names of the table.
_SHORT = {
    "majority": "majority",
    "tfidf": "tfidf",
    "word2vec": "w2v",
    "recipe": "recipe",
    "net_source": "net-src",
    "net_target": "net-tgt",
    "net_init_from": "net-init",
}

#: Short domain names of the row labels.
_DOMAIN_SHORT = {
    "tweets": "tweets",
    "movie_reviews": "movies",
    "product_reviews": "products",
    "nyt_editorials": "nyt",
}

#: Settings of the full run and of ``quick=True``.
_FULL = {"n_docs": 2000, "w2v_epochs": 5, "net_epochs": 10, "finetune_epochs": 20}
_QUICK = {"n_docs": 300, "w2v_epochs": 2, "net_epochs": 10, "finetune_epochs": 20}

#: Learning rates of the source networks and of the fine-tuning.
_NET_LR = 3e-2
_FINETUNE_LR = 1e-2


@contextmanager
def one_torch_thread():
    """Run torch on one intra-op thread inside the block, then restore it.

    The demo's networks are small: on one thread they train many times
    faster than on several, above all on a loaded machine. The ``sktransfer
    demo`` command (an application, not the library) uses it around
    :func:`run_transfer_demo`, which itself leaves torch's settings alone.
    """
    try:
        import torch
    except ImportError:
        yield
        return

    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n_threads)


def _torch_available():
    try:
        import skorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def _subsample(docs, labels, n_docs, rng):
    """Draw up to ``n_docs`` random rows (kept in their original order)."""
    if n_docs is None or n_docs >= len(docs):
        return docs, labels
    idx = np.sort(rng.choice(len(docs), n_docs, replace=False))
    return docs[idx], labels[idx]


def _labelled_rows(labels, n_target_labels, rng):
    """Draw ``n_target_labels`` row indices, stratified by class, sorted."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    chosen, _ = train_test_split(
        idx,
        train_size=n_target_labels,
        stratify=labels,
        random_state=rng.randint(np.iinfo(np.int32).max),
    )
    return np.sort(chosen)


def run_transfer_demo(
    domains=None,
    *,
    quick=False,
    n_docs="auto",
    n_target_labels=50,
    neural="auto",
    random_state=0,
    progress=False,
):
    """Compare transfer methods on every ordered pair of the bundled domains.

    Word2vec vectors are pretrained once on all the documents of the chosen
    domains (unlabelled text; no labels are used) and shared by every pair.
    Then, for every ordered pair (source, target) of domains of
    :func:`~sktransfer.datasets.load_sentiment_domains`, with the source
    documents labelled and the target documents unlabelled, each method is
    scored on the target labels:

    * ``'majority'``: the target's most frequent class, a constant (balanced
      accuracy 0.5 on binary labels; its accuracy is the bar that any useful
      model must clear);
    * ``'tfidf'``: source only,
      ``make_text_adaptation_pipeline(self_training=False)`` (TF-IDF +
      ``LogisticRegression(C=10)``, the recipe with everything else equal);
    * ``'word2vec'``: source only, the mean of the pretrained word vectors
      (:class:`~sktransfer.embeddings.Word2VecVectorizer` with
      ``pretrained=``) + ``LogisticRegression(C=10)``;
    * ``'recipe'``:
      :func:`~sktransfer.adaptation.make_text_adaptation_pipeline`, fitted on
      the labelled source and the unlabelled target documents (``y == -1``);
    * with torch installed (``neural``), three
      :class:`~sktransfer.neural.TextClassifier` models whose word vectors
      start from the pretrained ones: ``'net_source'``, trained on the
      source (one per source domain); ``'net_target'``, trained on
      ``n_target_labels`` labelled target documents alone; and
      ``'net_init_from'``, fine-tuned on the same labelled target documents
      from the source model (``init_from=``), which shows what parameter
      transfer adds to a few target labels.

    Every method is scored on the same target documents: all of them but
    the ``n_target_labels`` whose labels the ``'net_*'`` models may see.

    Parameters
    ----------
    domains : list of str, default=None
        At least two domains of
        :func:`~sktransfer.datasets.load_sentiment_domains`; all four when
        None.
    quick : bool, default=False
        A smaller run (300 documents per domain, fewer word2vec epochs) that
        takes well under a minute.
    n_docs : int, None or 'auto', default='auto'
        Documents drawn at random from each domain (at least
        ``n_target_labels + 20``). None keeps every document; 'auto' uses
        2,000 (300 with ``quick``).
    n_target_labels : int, default=50
        Labelled target documents of the ``'net_*'`` models, stratified by
        class (at least 2).
    neural : bool or 'auto', default='auto'
        Include the :class:`~sktransfer.neural.TextClassifier` methods. 'auto'
        includes them when torch and skorch are importable; True requires
        them.
    random_state : int, default=0
        Seeds the subsamples, the word vectors, the networks and the choice
        of labelled target documents. The result is the same for the same
        seed.
    progress : bool, default=False
        Show a progress bar on stderr (tqdm; only when stderr is a terminal).

    Returns
    -------
    result : dict
        ``'records'``: list of dict, one per (source, target, method) with
        keys ``'source'``, ``'target'``, ``'method'``,
        ``'balanced_accuracy'``, ``'accuracy'``, ``'n_test'`` (scored target
        documents) and ``'seconds'`` (wall time of fit and predict; the
        models of ``'net_source'`` and ``'net_target'``, fitted once per
        source or target domain, count on their first pair only).
        ``'methods'``: the method names, in order; ``'domains'``: the
        domains; ``'settings'``: the settings used (``n_docs``,
        ``n_target_labels``, epochs, ``random_state``); ``'seconds'``: the
        wall time of the whole run.

    See Also
    --------
    sktransfer.adaptation.make_text_adaptation_pipeline : The recipe.
    sktransfer.cli.run_demo : Source-only scores with in-domain baselines.
    format_demo_table, plot_demo_gain : The table and heatmap of the result.

    Notes
    -----
    The word vectors are Skip-gram, 100 dimensions, ``min_count=2``, 5
    epochs (2 with ``quick``), trained on one thread so that they are
    reproducible. The networks are :class:`~sktransfer.neural.TextClassifier`
    with the mean encoder (64 hidden units) on the CPU: the source models
    train for 10 epochs at ``lr=0.03``, the target-label models for 20
    epochs at ``lr=0.01`` with batches of 16. Torch's thread settings are
    left as they are; the ``sktransfer demo`` command runs torch on one
    intra-op thread, on which such small networks train many times faster,
    above all on a busy machine.

    The full run takes about a minute of CPU time (``quick``: about 30
    seconds), most of it in the recipe's self-training and the networks.

    Examples
    --------
    >>> from sktransfer.cli import run_transfer_demo
    >>> result = run_transfer_demo(
    ...     ["tweets", "product_reviews"], quick=True, n_docs=100, neural=False
    ... )
    >>> result["methods"]
    ['majority', 'tfidf', 'word2vec', 'recipe']
    >>> len(result["records"])  # 2 ordered pairs x 4 methods
    8
    >>> sorted(result["records"][0])
    ['accuracy', 'balanced_accuracy', 'method', 'n_test', 'seconds', 'source', 'target']
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.pipeline import make_pipeline
    from tqdm.auto import tqdm

    from sktransfer.adaptation import (
        DomainAwareClassifier,
        make_text_adaptation_pipeline,
    )
    from sktransfer.adaptation._recipe import RECIPE_C
    from sktransfer.datasets import load_sentiment_domains
    from sktransfer.embeddings import Word2VecVectorizer
    from sktransfer.utils import pack_domains

    start_all = time.perf_counter()
    settings = dict(_QUICK if quick else _FULL)
    if n_docs != "auto":
        if n_docs is not None and (
            isinstance(n_docs, bool) or not isinstance(n_docs, int | np.integer)
        ):
            raise TypeError(f"n_docs must be an int, None or 'auto', got {n_docs!r}.")
        settings["n_docs"] = None if n_docs is None else int(n_docs)
    if (
        isinstance(n_target_labels, bool)
        or not isinstance(n_target_labels, int | np.integer)
        or n_target_labels < 2
    ):
        raise ValueError(
            f"n_target_labels must be an int of at least 2, got {n_target_labels!r}."
        )
    if settings["n_docs"] is not None and settings["n_docs"] < n_target_labels + 20:
        raise ValueError(
            f"n_docs={settings['n_docs']} leaves too few target documents to "
            f"score: give at least n_target_labels + 20 = {n_target_labels + 20}."
        )
    if neural not in ("auto", True, False):
        raise ValueError(f"neural must be 'auto', True or False, got {neural!r}.")
    have_torch = _torch_available()
    if neural is True and not have_torch:
        raise ValueError(
            "neural=True needs torch and skorch: pip install 'sktransfer[torch]'."
        )
    use_neural = have_torch if neural == "auto" else bool(neural)
    if isinstance(domains, str):
        domains = [domains]
    data = load_sentiment_domains(domains)
    names = list(data.domain_names)
    if len(names) < 2:
        raise ValueError(f"domains must name at least two domains, got {names!r}.")
    settings.update(
        n_target_labels=int(n_target_labels),
        net_lr=_NET_LR,
        finetune_lr=_FINETUNE_LR,
        random_state=random_state,
    )
    methods = [m for m in DEMO_METHODS if use_neural or m not in _NEURAL]

    rng = np.random.RandomState(random_state)
    docs_all = np.asarray(data.data, dtype=object)
    domain = np.asarray(data.domain)
    by_domain = {}
    for name in names:
        rows = domain == name
        by_domain[name] = _subsample(
            docs_all[rows], data.target[rows], settings["n_docs"], rng
        )
    labelled = {
        name: _labelled_rows(by_domain[name][1], n_target_labels, rng) for name in names
    }
    seed = int(rng.randint(np.iinfo(np.int32).max))

    pairs = [(s, t) for s in names for t in names if s != t]
    n_steps = 1 + len(pairs) * len(methods)
    bar = tqdm(
        total=n_steps,
        desc="sktransfer demo",
        unit="fit",
        disable=None if progress else True,
        leave=False,
    )
    try:
        # Pretrained once, on the text of every chosen domain, labels unused.
        t0 = time.perf_counter()
        bar.set_postfix_str("pretraining word2vec")
        w2v = Word2VecVectorizer(
            vector_size=100,
            min_count=2,
            epochs=settings["w2v_epochs"],
            random_state=seed,
        ).fit(docs_all.tolist())
        logger.info(
            "pretrained word2vec on %d documents (%d words) in %.1f s",
            len(docs_all),
            len(w2v.wv_),
            time.perf_counter() - t0,
        )
        bar.update()

        def lr():
            return LogisticRegression(C=RECIPE_C, max_iter=1000)

        def net(**params):
            from sktransfer.neural import TextClassifier

            return TextClassifier(
                embeddings=w2v,
                hidden_size=64,
                device="cpu",
                random_state=seed,
                **params,
            )

        source_nets = {}
        target_preds = {}
        records = []
        for source, target in pairs:
            Xs, ys = by_domain[source]
            Xt, yt = by_domain[target]
            seen = np.zeros(len(yt), dtype=bool)
            seen[labelled[target]] = True
            X_test, y_test = Xt[~seen].tolist(), yt[~seen]
            X, y, _ = pack_domains(source=(Xs.tolist(), ys), target=Xt.tolist())
            # Target documents, labelled only on the chosen few.
            y_few = np.where(seen, yt, -1)
            target_domain = np.full(len(yt), -1)
            for method in methods:
                bar.set_postfix_str(
                    f"{_DOMAIN_SHORT.get(source, source)} -> "
                    f"{_DOMAIN_SHORT.get(target, target)}: {method}"
                )
                t0 = time.perf_counter()
                if method == "majority":
                    values, counts = np.unique(y_test, return_counts=True)
                    pred = np.full(len(y_test), values[np.argmax(counts)])
                elif method == "tfidf":
                    model = make_text_adaptation_pipeline(self_training=False)
                    pred = model.fit(X, y).predict(X_test)
                elif method == "word2vec":
                    model = make_pipeline(
                        Word2VecVectorizer(pretrained=w2v.wv_),
                        DomainAwareClassifier(lr()),
                    )
                    pred = model.fit(X, y).predict(X_test)
                elif method == "recipe":
                    pred = make_text_adaptation_pipeline().fit(X, y).predict(X_test)
                elif method == "net_source":
                    if source not in source_nets:
                        source_nets[source] = net(
                            max_epochs=settings["net_epochs"], lr=_NET_LR
                        ).fit(Xs.tolist(), ys)
                    pred = source_nets[source].predict(X_test)
                elif method == "net_target":
                    # It does not depend on the source: one per target.
                    if target not in target_preds:
                        model = net(
                            max_epochs=settings["finetune_epochs"],
                            lr=_FINETUNE_LR,
                            batch_size=16,
                        )
                        target_preds[target] = model.fit(
                            Xt.tolist(), y_few, sample_domain=target_domain
                        ).predict(X_test)
                    pred = target_preds[target]
                else:  # net_init_from
                    model = net(
                        max_epochs=settings["finetune_epochs"],
                        lr=_FINETUNE_LR,
                        batch_size=16,
                        init_from=source_nets[source],
                    )
                    pred = model.fit(
                        Xt.tolist(), y_few, sample_domain=target_domain
                    ).predict(X_test)
                seconds = time.perf_counter() - t0
                records.append(
                    {
                        "source": source,
                        "target": target,
                        "method": method,
                        "balanced_accuracy": float(
                            balanced_accuracy_score(y_test, pred)
                        ),
                        "accuracy": float(accuracy_score(y_test, pred)),
                        "n_test": len(y_test),
                        "seconds": round(seconds, 3),
                    }
                )
                logger.info(
                    "%s -> %s %s: balanced accuracy %.3f (%.1f s)",
                    source,
                    target,
                    method,
                    records[-1]["balanced_accuracy"],
                    seconds,
                )
                bar.update()
    finally:
        bar.close()
    return {
        "domains": names,
        "methods": methods,
        "settings": settings,
        "records": records,
        "seconds": round(time.perf_counter() - start_all, 3),
    }


def _pivot(result, metric):
    """``(pairs, table)``: ``table[i, j]`` is ``metric`` of pair i, method j."""
    methods = result["methods"]
    pairs = []
    for r in result["records"]:
        if (r["source"], r["target"]) not in pairs:
            pairs.append((r["source"], r["target"]))
    table = np.full((len(pairs), len(methods)), np.nan)
    for r in result["records"]:
        table[pairs.index((r["source"], r["target"])), methods.index(r["method"])] = r[
            metric
        ]
    return pairs, table


def summarize_demo(result):
    """Mean gain of the recipe over source-only TF-IDF, in balanced accuracy.

    Parameters
    ----------
    result : dict
        The result of :func:`run_transfer_demo`.

    Returns
    -------
    summary : dict
        ``'mean_gain'``: mean over pairs of the recipe's balanced accuracy
        minus that of ``'tfidf'``; ``'n_better'``, ``'n_worse'``: the pairs
        where the recipe is better or worse; ``'n_pairs'``; and, when the
        ``'net_*'`` methods ran, ``'init_from_gain'``: the mean balanced
        accuracy of ``'net_init_from'`` minus ``'net_target'``.

    Examples
    --------
    >>> from sktransfer.cli import summarize_demo
    >>> records = [
    ...     {"source": s, "target": t, "method": m, "balanced_accuracy": b}
    ...     for s, t, m, b in [
    ...         ("a", "b", "tfidf", 0.60), ("a", "b", "recipe", 0.70),
    ...         ("b", "a", "tfidf", 0.65), ("b", "a", "recipe", 0.60),
    ...     ]
    ... ]
    >>> summary = summarize_demo({"methods": ["tfidf", "recipe"], "records": records})
    >>> round(summary["mean_gain"], 3), summary["n_better"], summary["n_worse"]
    (0.025, 1, 1)
    """
    _, bacc = _pivot(result, "balanced_accuracy")
    methods = result["methods"]
    gain = bacc[:, methods.index("recipe")] - bacc[:, methods.index("tfidf")]
    summary = {
        "mean_gain": float(gain.mean()),
        "n_better": int((gain > 0).sum()),
        "n_worse": int((gain < 0).sum()),
        "n_pairs": len(gain),
    }
    if "net_init_from" in methods:
        summary["init_from_gain"] = float(
            (
                bacc[:, methods.index("net_init_from")]
                - bacc[:, methods.index("net_target")]
            ).mean()
        )
    return summary


def format_demo_table(result):
    """Format the table and summary that ``sktransfer demo`` prints.

    Parameters
    ----------
    result : dict
        The result of :func:`run_transfer_demo`.

    Returns
    -------
    text : str
        A block of balanced accuracy per pair and method with the mean over
        pairs, the same for accuracy, a legend and a summary line.
    """
    methods = result["methods"]
    settings = result["settings"]
    n_docs = settings["n_docs"]
    size = "all documents" if n_docs is None else f"up to {n_docs:,} documents"
    labels = (
        f"The net-tgt and net-init columns use {settings['n_target_labels']} "
        "labelled target documents, the others none. "
        if "net_target" in methods
        else "No method uses target labels. "
    )
    caption = (
        "Target balanced accuracy (the headline; 0.5 = chance on two classes) and "
        "accuracy, for every ordered pair of domains (source -> target; "
        f"{size} per domain; scored on the target documents whose labels no "
        f"method saw). {labels}An accuracy below the majority column's is worse "
        "than a constant."
    )
    lines = textwrap.wrap(caption, 88)
    width = max(8, *(len(_SHORT[m]) for m in methods)) + 1
    for metric, title in (
        ("balanced_accuracy", "balanced accuracy"),
        ("accuracy", "accuracy"),
    ):
        pairs, table = _pivot(result, metric)
        labels = [
            f"{_DOMAIN_SHORT.get(s, s)} -> {_DOMAIN_SHORT.get(t, t)}" for s, t in pairs
        ]
        label_width = max(len(title), *(len(label) for label in labels)) + 2
        lines.append("")
        lines.append(
            f"{title:<{label_width}}"
            + "".join(f"{_SHORT[m]:>{width}}" for m in methods)
        )
        for label, row in zip(labels, table):
            lines.append(
                f"{label:<{label_width}}" + "".join(f"{v:>{width}.3f}" for v in row)
            )
        lines.append(
            f"{'mean':<{label_width}}"
            + "".join(f"{v:>{width}.3f}" for v in table.mean(axis=0))
        )
    lines.append("")
    for m in methods:
        lines.extend(
            textwrap.wrap(
                f"{_SHORT[m]:>9}: {DEMO_METHODS[m]}", 88, subsequent_indent=" " * 11
            )
        )
    summary = summarize_demo(result)
    line = (
        f"The recipe gains {summary['mean_gain']:+.3f} balanced accuracy over "
        f"source-only TF-IDF on average (better on {summary['n_better']} of "
        f"{summary['n_pairs']} pairs, worse on {summary['n_worse']})"
    )
    if "init_from_gain" in summary:
        line += (
            f"; init_from adds {summary['init_from_gain']:+.3f} to a TextClassifier "
            f"trained on {settings['n_target_labels']} target labels"
        )
    lines.append("")
    lines.extend(textwrap.wrap(line.strip() + f" ({result['seconds']:.0f} s).", 88))
    return "\n".join(lines)


def plot_demo_gain(result, path=None, *, method="recipe", baseline="tfidf", ax=None):
    """Heatmap of a method's balanced-accuracy gain over a baseline method.

    Rows are the source domains, columns the target domains; each cell is
    annotated with the gain (positive: blue, the method transfers better).
    Needs matplotlib.

    Parameters
    ----------
    result : dict
        The result of :func:`run_transfer_demo`.
    path : str or path-like, default=None
        Image file to write (the format from its extension, e.g. ``.png``,
        ``.svg``, ``.pdf``); None writes nothing.
    method : str, default='recipe'
        The method whose gain is shown.
    baseline : str, default='tfidf'
        The method it is compared with (source-only TF-IDF by default).
    ax : matplotlib Axes, default=None
        Where to draw; None makes a new figure (off-screen when ``path`` is
        given).

    Returns
    -------
    ax : matplotlib Axes
        The heatmap.
    """
    try:
        if ax is None and path is not None:
            # A file only: draw off-screen, whatever the default backend.
            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure
        elif ax is None:
            import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "plotting the demo needs matplotlib: pip install matplotlib"
        ) from None
    methods = result["methods"]
    for name, value in (("method", method), ("baseline", baseline)):
        if value not in methods:
            raise ValueError(f"{name} must be one of {methods}, got {value!r}.")
    if method == baseline:
        raise ValueError(f"method and baseline are both {method!r}.")
    names = result["domains"]
    index = {d: i for i, d in enumerate(names)}
    gain = np.full((len(names), len(names)), np.nan)
    pairs, bacc = _pivot(result, "balanced_accuracy")
    for (s, t), row in zip(pairs, bacc):
        gain[index[s], index[t]] = (
            row[methods.index(method)] - row[methods.index(baseline)]
        )
    if ax is None:
        if path is not None:
            fig = Figure(figsize=(5.6, 4.6))
            FigureCanvasAgg(fig)
            ax = fig.add_subplot()
        else:
            _, ax = plt.subplots(figsize=(5.6, 4.6))
    limit = max(0.05, float(np.nanmax(np.abs(gain))))
    image = ax.imshow(gain, cmap="RdBu", vmin=-limit, vmax=limit)
    labels = [_DOMAIN_SHORT.get(d, d) for d in names]
    ax.set_xticks(range(len(names)), labels)
    ax.set_yticks(range(len(names)), labels)
    ax.set_xlabel("target domain")
    ax.set_ylabel("source domain")
    for i in range(len(names)):
        for j in range(len(names)):
            if np.isnan(gain[i, j]):
                continue
            dark = abs(gain[i, j]) > 0.6 * limit
            ax.text(
                j,
                i,
                f"{gain[i, j]:+.3f}",
                ha="center",
                va="center",
                fontsize=10,
                color="white" if dark else "black",
            )
    ax.set_title(
        f"{_SHORT.get(method, method)} minus {_SHORT.get(baseline, baseline)}"
        "\n(target balanced accuracy)",
        fontsize=11,
    )
    ax.figure.colorbar(image, ax=ax, shrink=0.8)
    if path is not None:
        from sktransfer.utils._atomic import atomic_path

        ax.figure.tight_layout()
        fmt = Path(path).suffix[1:].lower() or "png"
        with atomic_path(path) as tmp:
            ax.figure.savefig(tmp, dpi=110, format=fmt)
    return ax
