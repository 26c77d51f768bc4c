"""A tiny random BERT, built without any download, for the fast tests.

Its WordPiece vocabulary is the special tokens plus the most frequent
lowercase words of a few hundred bundled documents; its weights are random
(seeded). It is a model directory like any other: ``config.json``,
``model.safetensors`` and the tokenizer files, written by ``save_pretrained``.
"""

import json
import re
from collections import Counter
from pathlib import Path

from sktransfer.datasets import load_sentiment_domains

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
#: The words of the test corpus of sktransfer.utils._testing, always kept.
CHECK_WORDS = (
    "a good film with great cast acting and the story was fun music bad poor"
).split()
N_DOCUMENTS = 400
N_WORDS = 600
MAX_POSITIONS = 128


def tiny_vocabulary(n_documents=N_DOCUMENTS, n_words=N_WORDS):
    """Special tokens and the most frequent lowercase words of bundled docs."""
    docs = load_sentiment_domains().data[:n_documents]
    counts = Counter(w for doc in docs for w in re.findall(r"[a-z]+", doc.lower()))
    words = list(dict.fromkeys(CHECK_WORDS + [w for w, _ in counts.most_common()]))
    # Two WordPiece continuations so that unseen words still split.
    return SPECIAL_TOKENS + words[:n_words] + ["##s", "##ed", "##ing"]


def build_tiny_bert(directory, *, vocabulary=None, vocab_size=None, seed=0):
    """Write a tiny random BERT model directory into ``directory``.

    ``vocab_size`` larger than the vocabulary pads the embedding table;
    smaller makes a tokenizer/model mismatch (for the error tests).
    """
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocabulary = tiny_vocabulary() if vocabulary is None else vocabulary
    # vocab.txt and tokenizer_config.json are what every transformers version
    # reads; save_pretrained then adds tokenizer.json (the fast tokenizer).
    (directory / "vocab.txt").write_text("\n".join(vocabulary) + "\n", "utf-8")
    (directory / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "BertTokenizer",
                "do_lower_case": True,
                "model_max_length": MAX_POSITIONS,
            }
        ),
        "utf-8",
    )
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    assert len(tokenizer) == len(vocabulary), (len(tokenizer), len(vocabulary))
    tokenizer.save_pretrained(directory)
    config = BertConfig(
        vocab_size=len(vocabulary) if vocab_size is None else vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=MAX_POSITIONS,
    )
    generator_state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        model = BertModel(config)
    finally:
        torch.random.set_rng_state(generator_state)
    model.save_pretrained(directory, safe_serialization=True)
    return directory
