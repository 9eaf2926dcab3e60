"""Public drafts on precedents of the incident's own category only (issue 13, item 3): the starter library
covers every category x public kind, a public draft never cites another category's item (not even a
secondary category's), and with nothing of its category it says so and uses neutral wording."""

from collections.abc import Callable
from pathlib import Path

import pytest

from tanggap_drafter.checks import check_draft
from tanggap_drafter.composer import Composer
from tanggap_drafter.context import INTERNAL_KINDS
from tanggap_drafter.drafting import NO_PRECEDENT
from tanggap_drafter.items import LibraryItem, load_starter
from tanggap_drafter.store import KeyMessageStore, QdrantTarget
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import Facts, Impact, IncidentClassified

IncidentFactory = Callable[..., IncidentClassified]

PUBLIC = [
    k
    for k in DraftKind
    if k not in INTERNAL_KINDS and k not in (DraftKind.RIGHT_OF_REPLY, DraftKind.DPO_NOTICE)
]
LIBRARY = {i.id: i for i in load_starter()}


def test_public_kinds_are_the_six_the_issue_names() -> None:
    assert set(PUBLIC) == {
        DraftKind.HOLDING_STATEMENT,
        DraftKind.PRESS_RELEASE,
        DraftKind.KEY_MESSAGES,
        DraftKind.QA,
        DraftKind.SOCIAL_POST,
        DraftKind.CLARIFICATION,
    }


@pytest.mark.parametrize("category", list(Category))
def test_the_starter_library_covers_every_category_and_public_kind(category: Category) -> None:
    kinds = {i.kind for i in LIBRARY.values() if i.category == category and i.applies == "category"}
    assert {k.value for k in PUBLIC} <= kinds, {k.value for k in PUBLIC} - kinds
    assert "key_message" in kinds


def test_starter_items_carry_no_fact_and_raise_no_blocking_finding() -> None:
    for item in LIBRARY.values():
        assert not any(ch.isdigit() for ch in item.text), item.id
        findings = check_draft(DraftKind.HOLDING_STATEMENT, item.text, known=[], vocabulary=[item.text])
        assert not [f for f in findings if f.severity == "blocking"], (item.id, findings)


def _foreign(draft_sources: list[str], category: Category) -> list[str]:
    return [
        s
        for s in draft_sources
        if s in LIBRARY and LIBRARY[s].category != category and LIBRARY[s].applies != "generic"
    ]


@pytest.mark.parametrize("category", [c for c in Category if c != Category.ROUTINE])
async def test_public_drafts_cite_only_their_category_or_generic_items(
    store: KeyMessageStore, make_incident: IncidentFactory, category: Category
) -> None:
    # A secondary category with plenty of items must not leak into a public draft either.
    secondary = Category.CONTRABAND if category != Category.CONTRABAND else Category.DRUGS
    event = make_incident(category=category, secondary_categories=[secondary], level=3)
    drafts = await Composer(store).drafts(event, PUBLIC)
    for draft in drafts:
        ids = [s.id for s in draft.sources]
        assert ids, draft.kind
        assert not _foreign(ids, category), (draft.kind, ids)
    post = next(d for d in drafts if d.kind == DraftKind.SOCIAL_POST)
    if category != Category.CONTRABAND:
        assert "Handphone ilegal tidak punya tempat" not in post.text


async def test_an_escape_post_never_borrows_the_phone_message(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    event = make_incident(
        category=Category.ESCAPE,
        secondary_categories=[Category.CONTRABAND],
        text="Dua napi kabur; di kamarnya ditemukan handphone ilegal.",
        facts=Facts(),
        impact=Impact(),
    )
    post = (await Composer(store).drafts(event, [DraftKind.SOCIAL_POST]))[0]
    assert "Handphone" not in post.text
    assert LIBRARY[post.sources[0].id].category == Category.ESCAPE


async def test_internal_kinds_may_use_secondary_categories(
    store: KeyMessageStore, make_incident: IncidentFactory
) -> None:
    # The default incident is unrest with a death; the escalation report's stock may be the death's.
    event = make_incident(category=Category.UNREST, secondary_categories=[Category.VIOLENCE], level=4)
    escalation = (await Composer(store).drafts(event, [DraftKind.ESCALATION_REPORT]))[0]
    assert {LIBRARY[s.id].category for s in escalation.sources if s.id in LIBRARY} <= {
        Category.UNREST,
        Category.VIOLENCE,
        Category.ROUTINE,
    }


async def test_without_a_precedent_a_public_draft_says_so_and_stays_neutral(
    tmp_path: Path, make_incident: IncidentFactory
) -> None:
    # A library that knows only contraband: nothing for an escape, nothing generic.
    only_phones = [i for i in LIBRARY.values() if i.category == Category.CONTRABAND]
    store = KeyMessageStore(QdrantTarget(path=tmp_path / "qdrant"))
    await store.open(only_phones)
    try:
        event = make_incident(category=Category.ESCAPE, secondary_categories=[], level=3)
        drafts = await Composer(store).drafts(event, PUBLIC)
    finally:
        await store.close()
    phone_words = ("handphone", "HALINAR handphone", "Penggeledahan")
    for draft in drafts:
        assert [s.id for s in draft.sources] == [NO_PRECEDENT.id], draft.kind
        assert "preseden" in draft.sources[0].title.lower()
        body = draft.text.split("Tentang Pemasyarakatan")[0]  # the boilerplate names HALINAR
        assert not any(w in body for w in phone_words), (draft.kind, draft.text)
        assert not [f for f in draft.findings if f.code == "missing_section"], (draft.kind, draft.findings)
    post = next(d for d in drafts if d.kind == DraftKind.SOCIAL_POST)
    assert "Kami sedang menangani kejadian ini" in post.text


def test_items_stored_before_the_generic_marker_count_as_their_category() -> None:
    old = LibraryItem.model_validate(
        {
            "id": "x",
            "title": "t",
            "text": "teks",
            "category": "drugs",
            "kind": "key_message",
            "approved_by": "a",
        }
    )
    assert old.applies == "category"
