"""Floors on the labelled evaluation set (python -m tanggap_classifier.eval prints the full report).

The floors sit a little below what the current engine reaches (see the README for the numbers), so a
policy change that makes classifications worse fails here; they never assert speed.
"""

from collections import Counter

import pytest

from tanggap_classifier.eval import Report, default_cases_path, evaluate, format_report, load_cases
from tanggap_classifier.policy import load_policy
from tanggap_shared.contracts import Category


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(load_policy(), load_cases())


def test_the_set_covers_every_category_with_at_least_80_cases() -> None:
    cases = load_cases()
    labelled = Counter(c.expect.category for c in cases)

    assert len(cases) >= 80
    assert set(Category) <= set(labelled)
    assert sum(not c.expect.crisis for c in cases) >= 15, "routine and positive news"
    assert sum("hoaks" in c.text.lower() for c in cases) >= 4
    assert sum(c.id.startswith("ambiguous") for c in cases) >= 5


def test_the_held_out_set_is_valid_and_separate() -> None:
    holdout = load_cases(default_cases_path().with_name("holdout_cases.yaml"))

    assert holdout
    assert not {c.text for c in holdout} & {c.text for c in load_cases()}


def test_floors(report: Report) -> None:
    assert report.crisis_accuracy >= 0.95
    assert report.category_accuracy >= 0.95
    assert report.level_accuracy >= 0.90
    assert report.level_within_one >= 0.98
    assert report.under_levelled <= 3, "too few people woken up"


def test_the_printed_report_has_the_confusion_matrix_and_the_misses(report: Report) -> None:
    text = format_report(report, "test")

    assert "Level confusion" in text
    assert "labelled 4" in text
    assert f"Misses ({len(report.misses)})" in text
    assert sum(sum(row) for row in report.confusion()) == len(report.outcomes)
