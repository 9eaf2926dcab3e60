"""Which kinds are drafted, and in which order, from the YAML plan."""

from collections.abc import Callable

from tanggap_drafter.plan import load_plan
from tanggap_shared.contracts import Category, DraftKind
from tanggap_shared.events import IncidentClassified

IncidentFactory = Callable[..., IncidentClassified]
K = DraftKind


def test_a_level_three_riot_gets_the_full_set_holding_statement_first(make_incident: IncidentFactory) -> None:
    kinds = load_plan().kinds_for(make_incident(level=3))
    assert kinds == [
        K.HOLDING_STATEMENT,
        K.PRESS_RELEASE,
        K.KEY_MESSAGES,
        K.QA,
        K.SOCIAL_POST,
        K.CRISIS_PLAN,
        K.ESCALATION_REPORT,
    ]


def test_level_two_has_no_escalation_and_level_one_only_qa(make_incident: IncidentFactory) -> None:
    plan = load_plan()
    assert K.ESCALATION_REPORT not in plan.kinds_for(make_incident(level=2))
    assert K.CRISIS_PLAN in plan.kinds_for(make_incident(level=2))
    assert plan.kinds_for(make_incident(level=1)) == [K.QA]


def test_a_hoax_gets_a_clarification_and_a_hak_jawab_only_for_an_outlet(
    make_incident: IncidentFactory,
) -> None:
    plan = load_plan()
    base = make_incident(level=1, category=Category.VIRAL, secondary_categories=[])
    assert plan.kinds_for(base) == [K.CLARIFICATION, K.QA, K.SOCIAL_POST]
    social = base.report.model_copy(update={"links": ["https://www.tiktok.com/@akun/video/1"]})
    assert K.RIGHT_OF_REPLY not in plan.kinds_for(base.model_copy(update={"report": social}))
    outlet = base.report.model_copy(update={"links": ["https://news.contoh.co.id/a/1"]})
    assert plan.kinds_for(base.model_copy(update={"report": outlet}))[:2] == [
        K.CLARIFICATION,
        K.RIGHT_OF_REPLY,
    ]


def test_no_drafts_for_a_non_crisis_and_dpo_only_on_request(make_incident: IncidentFactory) -> None:
    plan = load_plan()
    assert plan.kinds_for(make_incident(crisis=False)) == []
    escape = make_incident(level=4, category=Category.ESCAPE)
    assert K.DPO_NOTICE not in plan.kinds_for(escape)
    assert plan.dpo_allowed(escape)
    assert not plan.dpo_allowed(make_incident(category=Category.UNREST, secondary_categories=[]))
    assert plan.on_close == [K.EVALUATION_REPORT]
