r"""Token ids of raw documents without creating a Python string per token.

``token_ids`` tokenises each document in Python (``re.findall`` or
``str.split``) and looks every token up in a dict: one Python object per
token, which is most of the time a transform takes. For the two built-in
tokenisations — scikit-learn's default pattern ``(?u)\b\w\w+\b`` and
whitespace splitting — the tokens are runs of one class of characters, so
they can be found with numpy on the code points of many documents at once,
and looked up by a hash of their code points in an open-addressing table.

Exactness
---------
The tokens are the same as the regular expression's (or ``str.split``'s):
each code point is classified by the regular expression (or
``str.isspace``) itself, once per distinct code point. A token is matched
to a vocabulary word when their 64-bit keys (a polynomial hash of the code
points, mixed with the length) agree. Two different strings share a key with
probability about 2**-64 (the known systematic collisions of this hash need
strings of thousands of characters; vocabularies with words longer than
``MAX_WORD_CHARS`` are served by the exact dict path instead), and a
vocabulary whose own words collide is served by the dict path too.
"""

import re
import weakref
from itertools import chain

import numpy as np

from ._tokenize import DEFAULT_TOKEN_PATTERN

__all__ = [
    "MAX_WORD_CHARS",
    "VocabularyIndex",
    "fast_token_ids",
    "fast_token_list_ids",
    "token_ids_of",
    "vocabulary_index",
]

#: Vocabularies with a longer word use the dict path.
MAX_WORD_CHARS = 256

#: Code points processed at once (the temporary arrays then stay in cache).
_CHUNK_CHARS = 1 << 17

_BASE = 0x9E3779B97F4A7C15  # odd, so invertible modulo 2**64
_INV_BASE = pow(_BASE, -1, 1 << 64)
_FIB = np.uint64(0x9E3779B97F4A7C15)  # multiplier of Fibonacci hashing
_LENGTH_MIX = np.uint64(0xD6E8FEB86659FD93)

_powers_cache = [np.ones(1, np.uint64), np.ones(1, np.uint64)]


def _powers(n):
    """``BASE**j`` and ``BASE**-j`` modulo 2**64 for ``j < n``.

    Cached up to a few chunks; the longer arrays a very long document needs
    are built for the call only.
    """
    pw, inv = _powers_cache
    while len(pw) < n:
        m = len(pw)
        # Doubling: x[m:2m] = x[:m] * BASE**m (uint64 arrays wrap silently).
        pw = np.concatenate([pw, pw * np.uint64(pow(_BASE, m, 1 << 64))])
        inv = np.concatenate([inv, inv * np.uint64(pow(_INV_BASE, m, 1 << 64))])
        if len(pw) <= 4 * _CHUNK_CHARS:
            _powers_cache[:] = [pw, inv]
    return pw, inv


def _code_points(text):
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _prefix_hashes(cp):
    """Prefix sums ``P`` with ``hash(cp[s:e]) == (P[e] - P[s]) * BASE**-s``."""
    n = len(cp)
    pw, _ = _powers(n + 1)
    x = cp.astype(np.uint64)
    x += np.uint64(1)
    x *= pw[:n]
    prefix = np.empty(n + 1, dtype=np.uint64)
    prefix[0] = 0
    np.cumsum(x, out=prefix[1:])
    return prefix


def _keys(prefix, starts, ends):
    """64-bit keys of the spans: polynomial hash mixed with the length."""
    _, inv = _powers(len(prefix))
    h = prefix[ends]
    h -= prefix[starts]
    h *= inv[starts]
    length = (ends - starts).astype(np.uint64)
    length *= _LENGTH_MIX
    h ^= length
    return h


class _CharClass:
    """Which code points belong to tokens, decided by Python itself.

    A table covers ASCII at once and the rest of the Basic Multilingual
    Plane the first time a document needs it (~0.1 s); code points beyond
    it (emoji, rare scripts) are classified as they come.
    """

    def __init__(self, kind):
        if kind == "regex":
            word = re.compile(r"(?u)\w")
            self._test = lambda ch: word.match(ch) is not None
        else:  # whitespace split: tokens are runs of non-space characters
            self._test = lambda ch: not ch.isspace()
        self._table = self._classify(range(128))
        self._astral = {}

    def _classify(self, code_points):
        test = self._test
        return np.fromiter(
            (test(chr(c)) for c in code_points), dtype=bool, count=len(code_points)
        )

    def mask(self, cp):
        top = int(cp.max()) if len(cp) else 0
        if top < len(self._table):
            return self._table[cp]
        if len(self._table) < 0x10000:
            self._table = self._classify(range(0x10000))
        if top < 0x10000:
            return self._table[cp]
        out = np.empty(len(cp), dtype=bool)
        bmp = cp < 0x10000
        out[bmp] = self._table[cp[bmp]]
        values, inverse = np.unique(cp[~bmp], return_inverse=True)
        known = self._astral
        flags = np.fromiter(
            (
                known[v] if v in known else known.setdefault(v, self._test(chr(v)))
                for v in values.tolist()
            ),
            dtype=bool,
            count=len(values),
        )
        out[~bmp] = flags[inverse]
        return out


_CHAR_CLASSES = {}


def _char_class(kind):
    if kind not in _CHAR_CLASSES:
        _CHAR_CLASSES[kind] = _CharClass(kind)
    return _CHAR_CLASSES[kind]


class VocabularyIndex:
    """Open-addressing hash table from token hashes to vocabulary ids.

    Parameters
    ----------
    vocabulary : dict of str to int
        Word to row index.

    Attributes
    ----------
    usable : bool
        False when a word is longer than ``MAX_WORD_CHARS`` or two words
        collide; the dict path is then used.
    """

    def __init__(self, vocabulary):
        self.size = len(vocabulary)
        words = list(vocabulary)
        ids = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(words))
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.usable = bool(len(words)) and int(lengths.max()) <= MAX_WORD_CHARS
        if not self.usable:
            return
        # The empty string is never a token.
        words_ids, lengths = ids[lengths > 0], lengths[lengths > 0]
        cp = _code_points("".join(words))
        ends = np.cumsum(lengths)
        keys_of_words = _keys(_prefix_hashes(cp), ends - lengths, ends)
        if len(np.unique(keys_of_words)) < len(keys_of_words):
            self.usable = False
            return
        bits = max(4, int(2 * len(keys_of_words) - 1).bit_length())  # load <= 1/2
        self._shift = np.uint64(64 - bits)
        self._slot_mask = (1 << bits) - 1
        keys = np.zeros(1 << bits, dtype=np.uint64)
        table_ids = np.full(1 << bits, -1, dtype=np.int64)  # -1: empty slot
        pending = np.arange(len(keys_of_words))
        slots = self._home(keys_of_words)
        while pending.size:
            free = table_ids[slots] < 0
            # Of several words wanting one free slot, the first takes it.
            _, first = np.unique(slots[free], return_index=True)
            taken = np.flatnonzero(free)[first]
            keys[slots[taken]] = keys_of_words[pending[taken]]
            table_ids[slots[taken]] = words_ids[pending[taken]]
            left = np.ones(pending.size, dtype=bool)
            left[taken] = False
            pending = pending[left]
            slots = (slots[left] + 1) & self._slot_mask
        self._keys, self._ids = keys, table_ids

    def _home(self, keys):
        return ((keys * _FIB) >> self._shift).astype(np.intp)

    def lookup(self, keys):
        """Vocabulary ids of tokens given by their keys (-1 if absent)."""
        table_keys, table_ids = self._keys, self._ids
        slots = self._home(keys)
        found = table_ids[slots]
        hit = table_keys[slots] == keys
        # Tokens whose home slot holds another word probe the next slots.
        pending = np.flatnonzero(~hit & (found >= 0))
        found[~hit] = -1
        slots = slots[pending]
        while pending.size:
            slots = (slots + 1) & self._slot_mask
            row = table_ids[slots]
            hit = table_keys[slots] == keys[pending]
            found[pending[hit]] = row[hit]
            go_on = ~hit & (row >= 0)
            pending, slots = pending[go_on], slots[go_on]
        return found


def _kind(tokenizer):
    if tokenizer is None or tokenizer.tokenizer is not None:
        return None
    if tokenizer.token_pattern is None:
        return "split"
    if tokenizer.token_pattern == DEFAULT_TOKEN_PATTERN:
        return "regex"
    return None


def _chunks(sizes, budget):
    """``(start, stop)`` of consecutive documents of at most ``budget`` in all.

    A document larger than ``budget`` is a chunk of its own.
    """
    bounds = np.cumsum(sizes)
    start = 0
    while start < len(sizes):
        limit = (bounds[start - 1] if start else 0) + budget
        stop = max(start + 1, int(np.searchsorted(bounds, limit, side="right")))
        yield start, stop
        start = stop


def _as_csr(counts, id_chunks):
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    ids = np.concatenate(id_chunks) if id_chunks else np.zeros(0, np.int64)
    return indptr, ids


def fast_token_ids(docs, tokenizer, index):
    """CSR token ids of string documents, or None when not applicable.

    Applies to lists of str with the default token pattern or whitespace
    splitting and a usable :class:`VocabularyIndex`; returns the same
    ``(indptr, ids)`` as ``token_ids``.
    """
    kind = _kind(tokenizer)
    if kind is None or index is None or not index.usable:
        return None
    if not set(map(type, docs)) <= {str}:
        return None
    if tokenizer.lowercase:
        docs = [doc.lower() for doc in docs]
    char_class = _char_class(kind)
    min_length = 2 if kind == "regex" else 1
    doc_chars = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    counts = np.zeros(len(docs), dtype=np.int64)
    id_chunks = []
    for start, stop in _chunks(doc_chars + 1, _CHUNK_CHARS):
        # A newline separates documents: it belongs to no token either way.
        cp = _code_points("\n".join(docs[start:stop]) + "\n")
        inside = char_class.mask(cp).view(np.int8)
        edges = np.diff(inside, prepend=np.int8(0))
        token_starts = np.flatnonzero(edges == 1)
        token_ends = np.flatnonzero(edges == -1)
        if min_length > 1:
            keep = token_ends - token_starts >= min_length
            token_starts, token_ends = token_starts[keep], token_ends[keep]
        ids = index.lookup(_keys(_prefix_hashes(cp), token_starts, token_ends))
        # Documents of the chunk start at these code points.
        offsets = np.zeros(stop - start + 1, dtype=np.int64)
        np.cumsum(doc_chars[start:stop] + 1, out=offsets[1:])
        known = ids >= 0
        counts[start:stop] = np.diff(np.searchsorted(token_starts[known], offsets))
        id_chunks.append(ids[known])
    return _as_csr(counts, id_chunks)


# One index per estimator, kept as long as the estimator lives: not in its
# __dict__, so transform does not change the estimator, and neither pickles
# nor clones carry it.
_INDEXES = weakref.WeakKeyDictionary()

#: The index is built once the documents of a call hold this many code points
#: per vocabulary word (building costs about as much as tokenising ~20 code
#: points with the dict path saves).
BUILD_RATIO = 8


def vocabulary_index(owner, vocabulary, n_chars):
    """Return the :class:`VocabularyIndex` of ``owner`` (None if not worth it).

    Parameters
    ----------
    owner : object
        The estimator the vocabulary belongs to (weakly referenced).
    vocabulary : dict of str to int
        Its vocabulary.
    n_chars : int
        Code points in the documents of this call: a large enough call
        builds the index, later calls reuse it.
    """
    try:
        cached = _INDEXES.get(owner)
    except TypeError:  # unhashable or not weakly referenceable: no cache
        cached, owner = None, None
    if (
        cached is not None
        and cached[0] is vocabulary
        and cached[1].size == len(vocabulary)
    ):
        return cached[1]
    if n_chars < BUILD_RATIO * len(vocabulary):
        return None
    index = VocabularyIndex(vocabulary)
    if owner is not None:
        _INDEXES[owner] = (vocabulary, index)
    return index


def token_ids_of(docs, tokenizer, vocabulary, owner):
    """Run the vectorised path of ``token_ids`` (None when it does not apply)."""
    kinds = set(map(type, docs))
    if kinds <= {str}:
        if _kind(tokenizer) is None:
            return None
        index = vocabulary_index(owner, vocabulary, sum(map(len, docs)))
        return fast_token_ids(docs, tokenizer, index)
    if kinds <= {list, tuple} and "" not in vocabulary:
        # About six code points a token, for the decision to build the index.
        index = vocabulary_index(owner, vocabulary, 6 * sum(map(len, docs)))
        return fast_token_list_ids(docs, index)
    return None


def fast_token_list_ids(docs, index):
    """CSR token ids of pre-tokenised documents (lists of str), or None.

    The tokens are hashed from their concatenation: no dict look-up per
    token. None (the dict path, which names the culprit) when a token is
    not a str.
    """
    if index is None or not index.usable:
        return None
    n_tokens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    counts = np.zeros(len(docs), dtype=np.int64)
    id_chunks = []
    for start, stop in _chunks(n_tokens, max(1, _CHUNK_CHARS // 8)):
        tokens = list(chain.from_iterable(docs[start:stop]))
        try:
            text = "".join(tokens)
        except TypeError:
            return None
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        ends = np.cumsum(lengths)
        ids = index.lookup(
            _keys(_prefix_hashes(_code_points(text)), ends - lengths, ends)
        )
        doc_of_token = np.repeat(np.arange(stop - start), n_tokens[start:stop])
        known = ids >= 0
        counts[start:stop] = np.bincount(doc_of_token[known], minlength=stop - start)
        id_chunks.append(ids[known])
    return _as_csr(counts, id_chunks)
