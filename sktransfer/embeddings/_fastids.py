r"""Token ids of raw documents without creating a Python string per token.

``token_ids`` tokenises each document in Python (``re.findall`` or
``str.split``) and looks every token up in a dict: one Python object per
token, which is most of the time a transform takes. For the two built-in
tokenisations — scikit-learn's default pattern ``(?u)\b\w\w+\b`` and
whitespace splitting — the tokens are runs of one class of characters, so
they can be found with numpy on the code points of many documents at once,
and looked up by a hash of their code points in an open-addressing table.

This module is the engine only, a leaf that imports nothing from sktransfer:
which tokenisation a tokenizer stands for, whether the vectorised path
applies, and when the table is built are decided by its caller
(``sktransfer.embeddings._tokenize``), and passed in as arguments.

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
from itertools import chain

import numpy as np

__all__ = [
    "KINDS",
    "MAX_WORD_CHARS",
    "VocabularyIndex",
    "fast_token_ids",
    "fast_token_list_ids",
]

#: Tokenisations of strings the vectorised path knows: ``"regex"``, the
#: matches of ``(?u)\b\w\w+\b`` (runs of two or more word characters), and
#: ``"split"``, the pieces of ``str.split()`` (runs of non-space characters).
KINDS = ("regex", "split")

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
        elif kind == "split":  # tokens are runs of non-space characters
            self._test = lambda ch: not ch.isspace()
        else:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}.")
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

    Built once per fitted vocabulary (under a microsecond a word) and kept
    beside it. It pickles as the vocabulary it indexes and is rebuilt on
    loading, like a compiled regular expression: a pickle or a copy of its
    owner never carries the table, and a pickled owner holds the vocabulary
    once (the index refers to the same dict).

    Parameters
    ----------
    vocabulary : dict of str to int
        Word to row index. Kept by reference; the index describes it as it
        is now (``size`` tells a dict that has grown since).

    Attributes
    ----------
    vocabulary : dict of str to int
        The indexed vocabulary.
    size : int
        Words in ``vocabulary`` when the index was built.
    usable : bool
        False when a word is longer than ``MAX_WORD_CHARS`` or two words
        collide; the dict path is then used.
    """

    def __init__(self, vocabulary):
        self.vocabulary = vocabulary
        self.size = len(vocabulary)
        words = list(vocabulary)
        ids = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(words))
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        self.usable = bool(len(words)) and int(lengths.max()) <= MAX_WORD_CHARS
        if not self.usable:
            return
        # Hashed in chunks, as documents are (long arrays of powers of the
        # base are not kept).
        keys_of_words = np.empty(len(words), dtype=np.uint64)
        for start, stop in _chunks(lengths, _CHUNK_CHARS):
            ends = np.cumsum(lengths[start:stop])
            cp = _code_points("".join(words[start:stop]))
            keys_of_words[start:stop] = _keys(
                _prefix_hashes(cp), ends - lengths[start:stop], ends
            )
        # The empty string is never a token.
        words_ids, keys_of_words = ids[lengths > 0], keys_of_words[lengths > 0]
        # (np.sort: np.unique of uint64 keys is ~50 times slower in numpy 2.4.)
        sorted_keys = np.sort(keys_of_words)
        if np.any(sorted_keys[1:] == sorted_keys[:-1]):
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
            # Of several words wanting one free slot, the first takes it: the
            # words listed first (the frequent ones, in gensim's order) sit
            # nearest their home slots, where look-ups find them soonest.
            _, first = np.unique(slots[free], return_index=True)
            taken = np.flatnonzero(free)[first]
            keys[slots[taken]] = keys_of_words[pending[taken]]
            table_ids[slots[taken]] = words_ids[pending[taken]]
            left = np.ones(pending.size, dtype=bool)
            left[taken] = False
            pending = pending[left]
            slots = (slots[left] + 1) & self._slot_mask
        self._keys, self._ids = keys, table_ids

    def __reduce__(self):
        # Pickled as its vocabulary (a reference to its owner's dict, which
        # pickle memoises), rebuilt when loaded.
        return type(self), (self.vocabulary,)

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


def _chunks(sizes, budget):
    """``(start, stop)`` of consecutive items of at most ``budget`` in all.

    An item larger than ``budget`` is a chunk of its own.
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


def _string_cuts(doc, separator, budget):
    """Cut points of a long string, each at a character of no token.

    The pieces ``doc[cuts[k]:cuts[k + 1]]`` hold at most ``budget`` code
    points each, unless a single token is longer than half of it; a cut
    falls on a character outside every token (``separator`` of its code
    points is True), so tokenising the pieces gives the tokens of ``doc``.
    """
    cuts = [0]
    start, n = 0, len(doc)
    half = max(1, budget // 2)
    while n - start > budget:
        pos = start + half
        found = np.flatnonzero(separator(doc[pos : start + budget]))
        if found.size:
            cut = pos + int(found[-1])
        else:  # a token longer than half the budget: cut after it
            pos = start + budget
            cut = n
            while pos < n:
                found = np.flatnonzero(separator(doc[pos : pos + budget]))
                if found.size:
                    cut = pos + int(found[0])
                    break
                pos += budget
        cuts.append(cut)
        start = cut
    cuts.append(n)
    return cuts


def _pieces(sizes, budget, cuts):
    """``(document, start, stop)`` pieces of at most about ``budget`` each.

    Documents within ``budget`` are one piece; longer ones are cut where
    ``cuts(i)`` says (a list of offsets from 0 to the size), so no temporary
    array ever grows with the longest document.

    Returns
    -------
    owner, starts, stops : ndarray of int64
        Document, first and last offset (excluded) of each piece, in order.
    """
    long_docs = np.flatnonzero(sizes > budget)
    if not long_docs.size:
        every = np.arange(len(sizes), dtype=np.int64)
        return every, np.zeros(len(sizes), np.int64), np.asarray(sizes, np.int64)
    owner, starts, stops = [], [], []
    previous = 0
    for i in long_docs.tolist():
        owner.append(np.arange(previous, i, dtype=np.int64))
        starts.append(np.zeros(i - previous, np.int64))
        stops.append(np.asarray(sizes[previous:i], np.int64))
        offsets = np.asarray(cuts(i), dtype=np.int64)
        owner.append(np.full(len(offsets) - 1, i, dtype=np.int64))
        starts.append(offsets[:-1])
        stops.append(offsets[1:])
        previous = i + 1
    owner.append(np.arange(previous, len(sizes), dtype=np.int64))
    starts.append(np.zeros(len(sizes) - previous, np.int64))
    stops.append(np.asarray(sizes[previous:], np.int64))
    return np.concatenate(owner), np.concatenate(starts), np.concatenate(stops)


def _per_document(owner, piece_counts, n_docs):
    """Sum the counts of the pieces of each document."""
    if len(owner) == n_docs:
        return piece_counts
    first = np.searchsorted(owner, np.arange(n_docs))
    return np.add.reduceat(piece_counts, first) if n_docs else piece_counts[:0]


def fast_token_ids(docs, index, kind):
    """CSR token ids of string documents.

    Documents longer than a chunk are cut between tokens and processed a
    piece at a time: the temporary memory is bounded by the chunk size, not
    the longest document.

    Parameters
    ----------
    docs : list of str
        Documents, already lowercased if the tokenisation lowercases.
    index : VocabularyIndex
        A usable index of the vocabulary.
    kind : {'regex', 'split'}
        The tokenisation (see ``KINDS``).

    Returns
    -------
    indptr, ids : ndarray of int64
        The same CSR structure as ``token_ids`` (in-vocabulary ids only).
    """
    char_class = _char_class(kind)
    min_length = 2 if kind == "regex" else 1
    doc_chars = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))

    def separator(text):
        return ~char_class.mask(_code_points(text))

    owner, piece_starts, piece_stops = _pieces(
        doc_chars,
        _CHUNK_CHARS,
        lambda i: _string_cuts(docs[i], separator, _CHUNK_CHARS),
    )
    piece_chars = piece_stops - piece_starts
    counts = np.zeros(len(owner), dtype=np.int64)
    id_chunks = []
    for start, stop in _chunks(piece_chars + 1, _CHUNK_CHARS):
        # A newline separates documents: it belongs to no token either way.
        text = "\n".join(
            docs[d][a:b]
            for d, a, b in zip(
                owner[start:stop].tolist(),
                piece_starts[start:stop].tolist(),
                piece_stops[start:stop].tolist(),
            )
        )
        cp = _code_points(text + "\n")
        inside = char_class.mask(cp).view(np.int8)
        edges = np.diff(inside, prepend=np.int8(0))
        token_starts = np.flatnonzero(edges == 1)
        token_ends = np.flatnonzero(edges == -1)
        if min_length > 1:
            keep = token_ends - token_starts >= min_length
            token_starts, token_ends = token_starts[keep], token_ends[keep]
        ids = index.lookup(_keys(_prefix_hashes(cp), token_starts, token_ends))
        # Pieces of the chunk start at these code points.
        offsets = np.zeros(stop - start + 1, dtype=np.int64)
        np.cumsum(piece_chars[start:stop] + 1, out=offsets[1:])
        known = ids >= 0
        counts[start:stop] = np.diff(np.searchsorted(token_starts[known], offsets))
        id_chunks.append(ids[known])
    return _as_csr(_per_document(owner, counts, len(docs)), id_chunks)


def fast_token_list_ids(docs, index):
    """CSR token ids of pre-tokenised documents (lists of str), or None.

    The tokens are hashed from their concatenation: no dict look-up per
    token. None (the dict path, which names the culprit) when a token is
    not a str. An empty-string token is never found: the caller keeps
    vocabularies holding ``""`` on the dict path. Documents with more tokens
    than a chunk are processed a slice at a time.

    Parameters
    ----------
    docs : list of list of str
        Tokens of each document.
    index : VocabularyIndex
        A usable index of the vocabulary.

    Returns
    -------
    indptr, ids : ndarray of int64, or None
        The same CSR structure as ``token_ids``.
    """
    budget = max(1, _CHUNK_CHARS // 8)
    n_tokens = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    owner, piece_starts, piece_stops = _pieces(
        n_tokens,
        budget,
        lambda i: list(range(0, int(n_tokens[i]), budget)) + [int(n_tokens[i])],
    )
    piece_tokens = piece_stops - piece_starts
    counts = np.zeros(len(owner), dtype=np.int64)
    id_chunks = []
    for start, stop in _chunks(piece_tokens, budget):
        tokens = list(
            chain.from_iterable(
                docs[d][a:b]
                for d, a, b in zip(
                    owner[start:stop].tolist(),
                    piece_starts[start:stop].tolist(),
                    piece_stops[start:stop].tolist(),
                )
            )
        )
        try:
            text = "".join(tokens)
        except TypeError:
            return None
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        ends = np.cumsum(lengths)
        ids = index.lookup(
            _keys(_prefix_hashes(_code_points(text)), ends - lengths, ends)
        )
        doc_of_token = np.repeat(np.arange(stop - start), piece_tokens[start:stop])
        known = ids >= 0
        counts[start:stop] = np.bincount(doc_of_token[known], minlength=stop - start)
        id_chunks.append(ids[known])
    return _as_csr(_per_document(owner, counts, len(docs)), id_chunks)
