"""The console's pure rules: scope and authority by role, the dashboard clocks, the plan's checks, the
letterhead, the form's answers."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.datastructures import FormData

from tanggap_intake import crisis_plan
from tanggap_intake.access import Principal, PrincipalKind, UserRole
from tanggap_intake.console.forms import parse_report
from tanggap_intake.dashboard import Clock, clocks, rows_by_level
from tanggap_intake.letterhead import Letterhead

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def person(role: UserRole, unit: str | None = None, region: str | None = None) -> Principal:
    return Principal(PrincipalKind.USER, "u1", "Budi", role, unit_code=unit, region_code=region)


@pytest.mark.parametrize(
    ("who", "unit", "region", "sees"),
    [
        (person(UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG"), "DKI-LAPAS-CIPINANG", "DKI", True),
        (person(UserRole.HUMAS_UPT, unit="DKI-LAPAS-CIPINANG"), "DKI-LAPAS-SALEMBA", "DKI", False),
        (person(UserRole.KANWIL, region="DKI"), "DKI-LAPAS-SALEMBA", "DKI", True),
        (person(UserRole.KANWIL, region="DKI"), "JABAR-LAPAS-BOGOR", "JABAR", False),
        (person(UserRole.DITJENPAS), "JABAR-LAPAS-BOGOR", "JABAR", True),
    ],
)
def test_scope_by_role(who: Principal, unit: str, region: str, sees: bool) -> None:
    assert who.sees(unit, region) is sees


def test_authority_by_level_and_names() -> None:
    head = person(UserRole.KEPALA_UPT, unit="X")
    assert [head.may_decide(level) for level in (None, 1, 2, 3, 4)] == [True, True, True, False, False]
    assert person(UserRole.HUMAS_UPT, unit="X").may_decide(1) is False
    assert person(UserRole.KANWIL, region="R").may_decide(3) is True
    assert person(UserRole.ADMIN).may_decide(4) is True
    assert head.actor("Orang Lain") == "Budi", "a person acts in their own name"
    key = Principal(PrincipalKind.API_KEY, "k", "Bot", UserRole.HUMAS_UPT, unit_code="X")
    assert key.actor(None) == "Bot (kunci API)"
    trusted = Principal(PrincipalKind.BOOTSTRAP, "b", "b", UserRole.ADMIN)
    assert (trusted.actor("Kalapas"), trusted.actor(None)) == ("Kalapas", None)


def test_clocks() -> None:
    created = NOW - timedelta(minutes=50)
    holding, cycle = clocks(created, {"holding_statement": 60}, set())
    assert holding.state(NOW) == "soon"
    assert holding.seconds_left(NOW) == 600
    assert cycle.state(NOW) == "soon"
    assert clocks(created, {"holding_statement": 30}, set())[0].state(NOW) == "late"
    level_one, _ = clocks(created, {"press_release": 1440}, set())
    assert level_one.state(NOW) == "none"
    done, cycle_done = clocks(created, {"holding_statement": 30}, {"holding_statement"})
    assert (done.state(NOW), cycle_done.state(NOW)) == ("done", "done")
    assert Clock(NOW + timedelta(hours=2), False).state(NOW) == "ok"


@dataclass
class _Incident:
    id: str
    level: int | None
    created_at: datetime
    deadlines: dict[str, Any]


def test_rows_are_grouped_by_level_longest_wait_first() -> None:
    incidents = [
        _Incident("a", 2, NOW - timedelta(minutes=5), {}),
        _Incident("b", 4, NOW - timedelta(minutes=1), {"holding_statement": 30}),
        _Incident("c", 2, NOW - timedelta(minutes=40), {}),
        _Incident("d", None, NOW, {}),
    ]
    groups = rows_by_level(incidents, {"c": {"qa"}}, NOW)
    assert [(level, [r.incident.id for r in rows]) for level, rows in groups] == [
        (4, ["b"]),
        (2, ["c", "a"]),
        (None, ["d"]),
    ]
    assert groups[1][1][0].cycle.done is True


def test_key_messages_over_27_words_are_flagged() -> None:
    fields = crisis_plan.clean({"pesan_1": " ".join(["kata"] * 28), "pesan_2": "pendek", "asing": "x"})
    assert "asing" not in fields
    assert crisis_plan.key_message_warnings(fields) == [
        "Pesan kunci 1 berisi 28 kata; batasnya 27 (aturan 27/9/3)."
    ]
    assert crisis_plan.approval_chain(4).endswith("Disetujui: Ditjenpas")
    assert "Kepala UPT" in crisis_plan.approval_chain(None)


def test_letterhead_lines_come_from_settings_and_reference_data() -> None:
    head = Letterhead(
        "KEMENTERIAN X", "DITJEN Y", "Kanwil Ditjenpas Jawa Barat", "Lapas Kelas IIA Bogor", "Bogor"
    )
    assert head.lines() == [
        "KEMENTERIAN X",
        "DITJEN Y",
        "KANTOR WILAYAH DITJENPAS JAWA BARAT",
        "LAPAS KELAS IIA BOGOR",
    ]
    assert head.address().endswith("Bogor")


def test_the_form_keeps_unknown_answers_out() -> None:
    form = FormData(
        [
            ("unit_code", "DKI-LAPAS-CIPINANG"),
            ("text", "ricuh"),
            ("fact_who", "WBP berinisial AB"),
            ("escapees", ""),
            ("officers_involved", ""),
            ("video_exists", "tidak"),
            ("stakeholders", "kpai"),
        ]
    )
    body, errors = parse_report(form)
    assert errors == {}
    assert body is not None
    assert body.facts.who is not None
    assert body.facts.who.verified is False
    assert body.impact.escapees is None
    assert body.impact.officers_involved is None
    assert body.impact.video_exists is False
    bad, errors = parse_report(FormData([("unit_code", "X"), ("text", "t"), ("links", "bukan tautan")]))
    assert bad is None
    assert set(errors) == {"links"}
