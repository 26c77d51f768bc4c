import numpy as np
import pytest

from sktransfer.cli import _format_table, main, run_demo


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


def test_demo_command_prints_table(capsys):
    assert (
        main(
            [
                "demo",
                "--domains",
                "tweets",
                "product_reviews",
                "--cv",
                "2",
                "--metric",
                "balanced_accuracy",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Source-only balanced_accuracy" in out
    assert "tweets" in out and "product_reviews" in out
    assert "mean cross-domain" in out


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
