"""An officer's edit, checked by the drafter on a real nats-server: draft.edited in, draft.checked out once,
with the same §6.8 rules as the drafter's own text (issue 13 item 5)."""

import uuid
from collections.abc import Callable

from tanggap_drafter.app import Drafter
from tanggap_drafter.edits import checks_version, grounded_baseline, text_digest
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import (
    DraftChecked,
    DraftEdited,
    DraftProposed,
    Fact,
    Facts,
    Impact,
    IncidentClassified,
    UnitRef,
    derive_event_id,
)

from .conftest import in_stream as _in_stream
from .conftest import publish as _publish
from .conftest import settled as _settled

IncidentFactory = Callable[..., IncidentClassified]

LPKA = UnitRef(
    code="JABAR-LPKA-BANDUNG",
    name="LPKA Kelas II Bandung",
    type="LPKA",
    unit_class="II",
    city="Bandung",
    region="JABAR",
    region_name="Kanwil Ditjenpas Jawa Barat",
)
ESCAPE_TEXT = (
    "Seorang Anak Binaan LPKA Bandung tidak ditemukan saat apel pagi pada Selasa. Petugas bersama Polres "
    "melakukan pencarian."
)
# What an officer must never add for an Anak: a name, an age and a village (PPRA, UU SPPA Pasal 19).
CHILD_DETAIL = " Anak tersebut, Rizky Pratama (15), berasal dari Desa Sukamaju."


async def _checks(drafter: Drafter, incident_id: uuid.UUID) -> list[DraftChecked]:
    bodies = await _in_stream(drafter, "tanggap.draft.checked", incident_id)
    return [DraftChecked.model_validate_json(body) for body in bodies]


def _escape_at_lpka(make_incident: IncidentFactory) -> IncidentClassified:
    return make_incident(
        unit=LPKA,
        text=ESCAPE_TEXT,
        facts=Facts(
            what=Fact(value="seorang Anak Binaan tidak ditemukan saat apel pagi", verified=True),
            when=Fact(value="Selasa pagi", verified=True),
        ),
        impact=Impact(escapees=1, children_involved=True),
        level=3,
        category=Category.ESCAPE,
        secondary_categories=[],
    )


async def _holding_statement(drafter: Drafter, incident: IncidentClassified) -> DraftProposed:
    await _publish(drafter, incident)
    await _settled(drafter)
    bodies = await _in_stream(drafter, "tanggap.draft.proposed", incident.incident_id)
    proposed = [DraftProposed.model_validate_json(b) for b in bodies]
    return next(p for p in proposed if p.kind is DraftKind.HOLDING_STATEMENT)


def _edited(draft: DraftProposed, text: str, revision: int = 1) -> DraftEdited:
    return DraftEdited(
        event_id=derive_event_id(draft.draft_id, "draft.edited", str(revision)),
        incident_id=draft.incident_id,
        producer="intake",
        draft_id=draft.draft_id,
        kind=draft.kind,
        revision=revision,
        text=text,
        text_sha256=text_digest(text),
        edited_by="Humas LPKA Bandung",
        known=[ESCAPE_TEXT],
        children_involved=True,
    )


def _blocking(check: DraftChecked) -> list[str]:
    return [f.code for f in check.findings if f.severity == "blocking"]


async def test_an_edit_naming_a_child_is_blocked_and_a_redelivery_checks_nothing_more(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    incident = _escape_at_lpka(make_incident)
    draft = await _holding_statement(drafter, incident)
    edit = _edited(draft, draft.text + CHILD_DETAIL)
    await _publish(drafter, edit)
    await _publish(drafter, edit)  # redelivered
    await _settled(drafter)

    [check] = await _checks(drafter, incident.incident_id)
    assert check.event_id == derive_event_id(edit.event_id, "drafter", "draft.checked")
    assert (check.draft_id, check.revision, check.causation_id) == (draft.draft_id, 1, edit.event_id)
    assert check.text_sha256 == text_digest(edit.text)
    assert check.checks_version == checks_version()
    blocked = " ".join(f.excerpt for f in check.findings if f.code == "child_identity")
    assert "Rizky Pratama" in blocked, check.findings
    assert "(15)" in blocked
    assert "Desa Sukamaju" in blocked


async def test_a_clean_edit_of_the_drafters_own_text_has_no_blocking_finding(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    incident = _escape_at_lpka(make_incident)
    draft = await _holding_statement(drafter, incident)
    assert draft.text.count(" dan ") >= 1, draft.text
    edit = _edited(draft, draft.text.replace(" dan ", " serta ", 1))
    await _publish(drafter, edit)
    await _settled(drafter)

    [check] = await _checks(drafter, incident.incident_id)
    assert _blocking(check) == [], check.findings
    assert check.revision == 1


async def test_an_edit_of_an_incident_the_drafter_never_saw_is_checked_strictly(
    drafter: Drafter, make_incident: IncidentFactory
) -> None:
    incident = _escape_at_lpka(make_incident)
    unknown = DraftProposed(
        incident_id=incident.incident_id,
        producer="drafter",
        draft_id=uuid.uuid4(),
        kind=DraftKind.PRESS_RELEASE,
        level=3,
        unit=LPKA,
        text="x",
        method="template",
    )
    edit = _edited(unknown, "Pada Kamis, 12 warga binaan dipindahkan oleh Budi Santoso.")
    await _publish(drafter, edit)
    await _settled(drafter)

    [check] = await _checks(drafter, incident.incident_id)
    assert {"unsupported_number", "unsupported_date"} <= set(_blocking(check)), check.findings
    assert any(f.severity == "blocking" and "Budi Santoso" in f.excerpt for f in check.findings)


def test_the_proposed_text_grounds_an_edit_only_without_its_own_blocked_passages() -> None:
    findings = [
        {"severity": "blocking", "excerpt": "12 warga"},
        {"severity": "warning", "excerpt": "napi"},
        "not a finding",
    ]
    baseline = grounded_baseline("Sebanyak 12 warga binaan, napi lama.", findings)
    assert "12" not in baseline
    assert "napi" in baseline
