"""Floors on the four labelled sets (python -m tanggap_classifier.eval prints the full report), and the
validity of the real news files.

The floors sit a little below what the current engine reaches (the numbers are in the report of issue
12), so a policy change that makes classifications worse fails here; they never assert speed. The
held-out share (the 30% of file C) is run once, after the rules are final: its floors record that run
and must not be used to tune the lexicon. The "seen" share (the 30% of A and B) was round one's held-out
share; it has been tuned on since.
"""

from collections import Counter

import pytest

from tanggap_classifier.eval import (
    MAX_REAL_TEXT,
    Report,
    build_sets,
    default_cases_path,
    duplicate_urls,
    evaluate_labelled,
    format_report,
    format_summary,
    load_cases,
    load_real,
    load_real_sets,
    main,
)
from tanggap_classifier.policy import load_policy
from tanggap_classifier.realset import SOURCE_KEY, is_holdout, load_real_items, split_of
from tanggap_shared.contracts import Category

ID_PREFIX = {"real_news_a.yaml": "rna-", "real_news_b.yaml": "rnb-", "real_news_c.yaml": "rnc-"}


@pytest.fixture(scope="module")
def reports() -> dict[str, Report]:
    policy = load_policy()
    return {
        name: evaluate_labelled(policy, cases)
        for name, cases in build_sets(["composed", "tune", "seen", "holdout"]).items()
    }


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


class TestRealNewsFiles:
    def test_every_item_is_valid_with_url_short_quote_label_and_facts(self) -> None:
        raw = load_real_items()
        items = load_real()  # validates each item: url, date, text length, label fields, facts

        assert len(raw) >= 200
        assert {r[SOURCE_KEY] for r in raw} >= {"real_news_a.yaml", "real_news_b.yaml"}
        assert all(0 < len(i.text) <= MAX_REAL_TEXT for i in items), "short quotations only"
        assert all(i.url.startswith(("http://", "https://")) for i in items)
        assert all(i.label.reason for i in items)
        assert all(isinstance(r.get("facts", {}).get("days"), list) for r in raw)
        assert all(isinstance(r.get("facts", {}).get("amounts"), list) for r in raw)

    def test_ids_are_unique_carry_their_file_prefix_and_a_url_is_listed_once(self) -> None:
        raw = load_real_items()
        ids = [r["id"] for r in raw]

        assert len(ids) == len(set(ids))
        assert all(str(r["id"]).startswith(ID_PREFIX[r[SOURCE_KEY]]) for r in raw)
        assert duplicate_urls() == {}, "an article is kept once, across all files"
        assert len({i.url for i in load_real()}) == len(raw)

    def test_each_item_has_one_split_by_its_file_and_url(self) -> None:
        sets = load_real_sets()
        urls = [{i.url for i in items} for items in sets.values()]
        total = sum(len(items) for items in sets.values())

        assert sum(len(u) for u in urls) == len({*urls[0], *urls[1], *urls[2]}) == total
        assert 0.25 <= (len(sets["seen"]) + len(sets["holdout"])) / total <= 0.35
        assert all(not is_holdout(i.url) for i in sets["tune"])
        assert all(i.id.startswith(("rna-", "rnb-")) for i in sets["seen"])
        assert all(i.id.startswith("rnc-") for i in sets["holdout"])

    def test_the_split_rule_by_file(self) -> None:
        thirty = next(
            f"https://example.org/{n}" for n in range(100) if is_holdout(f"https://example.org/{n}")
        )
        seventy = next(
            f"https://example.org/{n}" for n in range(100) if not is_holdout(f"https://example.org/{n}")
        )

        assert split_of(seventy, "real_news_a.yaml") == split_of(seventy, "real_news_c.yaml") == "tune"
        assert split_of(thirty, "real_news_a.yaml") == split_of(thirty, "real_news_b.yaml") == "seen"
        assert split_of(thirty, "real_news_c.yaml") == "holdout"

    def test_the_real_sets_are_not_the_composed_cases(self) -> None:
        composed = {c.text for c in load_cases()}

        assert not composed & {i.text for i in load_real()}

    def test_labels_use_the_level_bounds_and_crisis_consistently(self) -> None:
        for item in load_real():
            label = item.label
            assert 1 <= label.level_min <= label.level_max <= 4
            assert label.crisis or (label.category == Category.ROUTINE and label.level_max == 1)


def test_composed_floors(reports: dict[str, Report]) -> None:
    report = reports["composed"]

    assert report.crisis_accuracy >= 0.97
    assert report.category_accuracy >= 0.96
    assert report.level_accuracy >= 0.92
    assert report.level_within_one >= 0.98
    assert report.severe_share >= 0.95
    assert report.under_levelled <= 3, "too few people woken up"


def test_real_tune_floors(reports: dict[str, Report]) -> None:
    # Round two (policy 2026.12-real.2) on the 70% of A, B and C: category 0.98, crisis 0.99, level >= 3
    # kept 0.98, level in bounds 0.94.
    report = reports["tune"]

    assert report.crisis_accuracy >= 0.96
    assert report.category_accuracy >= 0.95
    assert report.severe_share >= 0.95
    assert report.level_accuracy >= 0.90
    assert len(report.silently_dropped) <= 3


def test_real_seen_floors(reports: dict[str, Report]) -> None:
    # Round one's held-out share, measured once with policy 2026.12-real.1 after its rules were final:
    # category 0.866, crisis 0.881, level >= 3 kept 12 of 13, level in bounds 0.836. Tuned on since (round
    # two: 0.955, 0.985, 13 of 13, 0.985), so these floors guard against regressions, not unseen data.
    report = reports["seen"]

    assert report.category_accuracy >= 0.92
    assert report.crisis_accuracy >= 0.95
    assert report.severe_share >= 0.95
    assert report.level_accuracy >= 0.93


def test_real_held_out_floors(reports: dict[str, Report]) -> None:
    # The 30% of file C (40 items), run once on 2026-12-03 with policy 2026.12-real.2 after round two's
    # rules were final: category 0.775, crisis 0.850, level >= 3 kept 7 of 8, level in bounds 0.775.
    # Below the targets; four of its six crisis misses are raids that found phones, which C labels a
    # crisis (L1-2) and round two settled as routine (policy.yaml, positive.razia). Never tune on it.
    report = reports["holdout"]

    assert len(report.outcomes) >= 35
    assert report.category_accuracy >= 0.75
    assert report.crisis_accuracy >= 0.82
    assert report.severe_share >= 0.85
    assert report.level_accuracy >= 0.75


def test_a_needs_review_report_reaches_a_person_but_is_no_crisis_hit(reports: dict[str, Report]) -> None:
    for report in reports.values():
        for outcome in report.reached_person:
            assert outcome.case.crisis
            assert not outcome.result.crisis
            assert outcome.result.needs_review
            assert not outcome.crisis_ok
        assert len(report.crisis_missed) == len(report.reached_person) + len(report.silently_dropped)


def test_the_printed_report_has_each_set_the_confusion_matrix_and_every_miss(
    reports: dict[str, Report],
) -> None:
    summary = format_summary(reports, "test")
    text = format_report(reports["tune"], "test", "tune")

    assert "real, held out (30% C)" in summary
    assert "real, seen (30% A+B)" in summary
    assert "composed set" in summary
    assert "reached a person" in summary
    assert "labelled 4" in text
    assert f"Misses ({len(reports['tune'].misses)})" in text
    assert sum(sum(row) for row in reports["tune"].confusion()) == len(reports["tune"].outcomes)


def test_the_command_can_leave_the_held_out_set_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--sets", "composed,tune"]) == 0

    out = capsys.readouterr().out
    assert "real, tune (70% A+B+C)" in out
    assert "held out" not in out
