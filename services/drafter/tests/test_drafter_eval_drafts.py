"""`make eval-drafts` (deploy/runner/.../eval_drafts.py) on a few real items: it runs end to end and
its measures mean what they say."""

from tanggap_classifier.realset import load_real_items
from tanggap_drafter.drafting import Draft
from tanggap_runner.eval_drafts import carries, evaluate, format_stats
from tanggap_shared.contracts import DraftKind


async def test_a_few_real_crises_go_through_reader_engine_and_drafter() -> None:
    items = [i for i in load_real_items() if (i.get("label") or {}).get("crisis")][:3]
    stats = await evaluate(items)
    drafted = {kind: s for split in stats.values() for kind, s in split.items() if s.drafts}
    holding = drafted[DraftKind.HOLDING_STATEMENT]
    assert holding.drafts == 3
    assert holding.sections == holding.drafts
    assert holding.foreign == 0
    assert holding.template == 0
    assert holding.invented == 0
    assert "holding_statement" in format_stats(stats)


def test_carrying_a_fact_means_saying_it_hedged() -> None:
    hedged = Draft(
        DraftKind.HOLDING_STATEMENT, "Informasi awal menyebutkan puluhan Warga Binaan kabur.", [], []
    )
    plain = Draft(DraftKind.HOLDING_STATEMENT, "Puluhan Warga Binaan kabur.", [], [])
    assert carries(hedged, ["Puluhan"], verified=False)
    assert not carries(plain, ["Puluhan"], verified=False)
    assert carries(plain, ["Puluhan"], verified=True)
    # A word inside another word is not the report's amount ("dua" in "keduanya").
    inside = Draft(DraftKind.HOLDING_STATEMENT, "Informasi awal menyebutkan keduanya kabur.", [], [])
    assert not carries(inside, ["dua"], verified=False)
