"""Corpora streamed from disk, one document per line."""

from pathlib import Path

from sktransfer.embeddings._tokenize import Tokenizer

__all__ = ["LineCorpus"]


class LineCorpus:
    """Re-iterable corpus of a text file with one document per line.

    Each pass reads the file again and yields the tokens of each non-empty
    line (documents longer than ``max_tokens`` are yielded in consecutive
    chunks, as gensim trains at most 10,000 tokens per sentence), so a corpus
    larger than memory can be trained on.

    Parameters
    ----------
    path : str or path-like
        UTF-8 text file (``.gz`` and ``.bz2`` are decompressed on the fly).
    tokenizer : Tokenizer, default=None
        Tokenizer of each line; :class:`Tokenizer` defaults when None.
    max_tokens : int, default=10_000
        Longest chunk yielded.

    Examples
    --------
    >>> from gensim.test.utils import datapath
    >>> from sktransfer.embeddings._corpus import LineCorpus
    >>> corpus = LineCorpus(datapath("lee_background.cor"))
    >>> sum(1 for _ in corpus)
    300
    """

    def __init__(self, path, tokenizer=None, max_tokens=10_000):
        self.path = Path(path)
        self.tokenizer = Tokenizer() if tokenizer is None else tokenizer
        self.max_tokens = max_tokens
        if not self.path.is_file():
            raise ValueError(f"corpus file {str(self.path)!r} does not exist.")

    def __iter__(self):
        from gensim import utils

        limit = self.max_tokens
        with utils.open(str(self.path), "rb") as fh:
            for raw in fh:
                tokens = self.tokenizer(raw.decode("utf-8", errors="replace"))
                for start in range(0, len(tokens), limit):
                    yield tokens[start : start + limit]

    def write_line_sentence(self, path):
        """Write the tokenised corpus as space-separated tokens, one chunk a line.

        This is the ``corpus_file`` format that gensim trains on with several
        worker threads. Tokens holding whitespace would be split; they are
        joined with underscores.

        Parameters
        ----------
        path : str or path-like
            File to write the lines to (overwritten).

        Returns
        -------
        n_lines : int
            Lines written.
        """
        n = 0
        with open(path, "w", encoding="utf-8") as out:
            for tokens in self:
                out.write(" ".join("_".join(t.split()) for t in tokens))
                out.write("\n")
                n += 1
        return n
