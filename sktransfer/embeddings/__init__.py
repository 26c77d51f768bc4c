"""Word embeddings for scikit-learn pipelines (gensim).

:class:`Word2VecVectorizer` trains Skip-gram or CBOW word vectors on documents
(or starts from pretrained vectors, optionally trained further) and pools them
into document vectors. :func:`load_vectors` and :func:`save_vectors` read and
write word2vec, GloVe and gensim vector files.

Importing this module imports gensim.
"""

from sktransfer.embeddings._evaluate import evaluate_word_vectors
from sktransfer.embeddings._io import load_vectors, save_vectors
from sktransfer.embeddings._tokenize import Tokenizer
from sktransfer.embeddings._word2vec import Word2VecVectorizer

__all__ = [
    "Tokenizer",
    "Word2VecVectorizer",
    "evaluate_word_vectors",
    "load_vectors",
    "save_vectors",
]
