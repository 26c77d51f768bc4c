import numpy as np
import pytest

from sktransfer.cli import _FORMATS, _format_table, main, run_demo


def test_run_demo_two_domains():
    names, scores = run_demo(["product_reviews", "tweets"], cv=2)
    assert names == ["product_reviews", "tweets"]
    assert scores.shape == (2, 2)
    assert np.all((scores > 0.6) & (scores <= 1))


def test_format_table_layout():
    text = _format_table(["a", "bb"], np.array([[0.9, 0.5], [0.25, 1.0]]), "accuracy")
    lines = text.splitlines()
    assert lines[0].startswith("Source-only accuracy")
    assert lines[1].split() == ["a", "bb"]
    assert lines[2].split() == ["a", "0.900", "0.500"]
    assert lines[3].split() == ["bb", "0.250", "1.000"]


def test_demo_bad_domain_is_a_clean_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["demo", "--domains", "emails"])
    assert exc.value.code == 2
    assert "emails" in capsys.readouterr().err


@pytest.mark.slow
def test_full_demo_four_domains():
    names, scores = run_demo()
    assert len(names) == 4 and scores.shape == (4, 4)
    # In-domain scores beat cross-domain ones on average.
    off = scores[~np.eye(4, dtype=bool)]
    assert np.diag(scores).mean() > off.mean()


# --------------------------------------------------------------------------- #
# pretrain / evaluate
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def lee_path():
    from gensim.test.utils import datapath

    return datapath("lee_background.cor")


def test_pretrain_streams_and_equals_the_vectorizer(tmp_path, lee_path, capsys):
    from numpy.testing import assert_array_equal

    from sktransfer.embeddings import Word2VecVectorizer, load_vectors

    out = tmp_path / "vectors.kv"
    args = [
        "pretrain",
        lee_path,
        "-o",
        str(out),
        "--format",
        "gensim",
        "--vector-size",
        "12",
        "--min-count",
        "3",
        "--epochs",
        "2",
        "--seed",
        "4",
    ]
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "2/2" in captured.err
    with open(lee_path, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    vec = Word2VecVectorizer(vector_size=12, min_count=3, epochs=2, random_state=4)
    vec.fit([line for line in lines if line.strip()])
    wv = load_vectors(out, format="gensim")
    assert wv.index_to_key == vec.wv_.index_to_key
    assert_array_equal(wv.vectors, vec.wv_.vectors)


def test_pretrain_with_workers_uses_corpus_file(tmp_path, lee_path, capsys):
    from sktransfer.embeddings import load_vectors

    out = tmp_path / "vectors.bin"
    assert (
        main(
            [
                "pretrain",
                lee_path,
                "-o",
                str(out),
                "--vector-size",
                "8",
                "--min-count",
                "3",
                "--epochs",
                "1",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    assert load_vectors(out).vector_size == 8
    assert "--workers 1 gives the same vectors" in capsys.readouterr().err


def test_pretrain_rejects_zero_workers(tmp_path, lee_path, capsys):
    out = tmp_path / "vectors.bin"
    with pytest.raises(SystemExit) as exc:
        main(["pretrain", lee_path, "-o", str(out), "--workers", "0"])
    assert exc.value.code == 2
    assert "--workers: must be a positive integer, got 0" in capsys.readouterr().err
    assert not out.exists()


def test_pretrain_splits_long_lines(tmp_path):
    from sktransfer.embeddings._corpus import LineCorpus

    corpus = tmp_path / "long.txt"
    corpus.write_text(" ".join(f"w{i % 7}" for i in range(25_000)) + "\nshort line\n")
    chunks = [len(c) for c in LineCorpus(corpus)]
    assert chunks == [10_000, 10_000, 5_000, 2]


def test_pretrain_missing_corpus_is_a_clean_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["pretrain", str(tmp_path / "nope.txt"), "-o", str(tmp_path / "v.bin")])
    assert exc.value.code == 2
    assert "does not exist" in capsys.readouterr().err


def test_evaluate_prints_benchmarks(tmp_path, capsys):
    from gensim.test.utils import datapath

    assert main(["evaluate", datapath("euclidean_vectors.bin")]) == 0
    out = capsys.readouterr().out
    for name in ("wordsim353", "simlex999", "analogies"):
        assert name in out


def test_evaluate_word_vectors_values():
    from gensim.models import KeyedVectors
    from scipy.stats import spearmanr

    from sktransfer.embeddings import evaluate_word_vectors

    # Vectors whose cosine similarity is known for two WordSim353 pairs.
    kv = KeyedVectors(2)
    kv.add_vectors(
        ["tiger", "cat", "book", "paper", "computer", "keyboard"],
        np.array(
            [[1, 0], [1, 0.1], [0, 1], [0.2, 1], [1, 1], [1, 0.9]], dtype=np.float32
        ),
    )
    scores = evaluate_word_vectors(kv, analogies=False)
    assert 0 < scores["wordsim353"]["oov"] < 1
    # No SimLex-999 pair is in the vocabulary: NaN scores, every pair OOV.
    assert np.isnan(scores["simlex999"]["spearman"])
    assert scores["simlex999"]["oov"] == 1.0
    # Recompute the Spearman correlation of the scored pairs independently.
    from gensim.test.utils import datapath

    human, model = [], []
    with open(datapath("wordsim353.tsv")) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            a, b, s = line.split("\t")
            a, b = a.lower(), b.lower()
            if a in kv.key_to_index and b in kv.key_to_index:
                human.append(float(s))
                model.append(kv.similarity(a, b))
    assert len(human) >= 3
    expected = spearmanr(human, model).statistic
    assert scores["wordsim353"]["spearman"] == pytest.approx(expected)


def test_formats_are_those_of_the_vector_files():
    from sktransfer.embeddings._io import VECTOR_FORMATS

    assert sorted(("auto", *_FORMATS)) == sorted(VECTOR_FORMATS)
