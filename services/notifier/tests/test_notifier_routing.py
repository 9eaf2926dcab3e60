"""Routing by level, approvers, the roster-gap fallback and the validation of the directory and policy."""

from importlib import resources
from pathlib import Path

import pytest
import yaml

from tanggap_notifier.directory import Directory, DirectoryError, load_directory, parse_directory
from tanggap_notifier.routing import (
    Routed,
    RoutingError,
    crisis_recipients,
    draft_approvers,
    load_policy,
    resolve,
)
from tanggap_shared.contracts import Role, Tier

CIPINANG = "DKI-LAPAS-CIPINANG"
KETUA = "dki-lapas-cipinang-ketua"
HUMAS = "dki-lapas-cipinang-humas"
DKI_SUPERVISOR = "kanwil-dki-supervisor"
PUSAT = "ditjenpas-pusat"

POLICY = load_policy()
SAMPLE = load_directory()


def _ids(routed: list[Routed]) -> list[str]:
    return [r.person.id for r in routed]


def _crisis(
    level: int,
    *,
    crisis: bool = True,
    unit: str = CIPINANG,
    region: str = "DKI",
    directory: Directory = SAMPLE,
) -> list[Routed]:
    return crisis_recipients(
        crisis=crisis, level=level, directory=directory, policy=POLICY, unit=unit, region=region
    )


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (1, [KETUA, HUMAS, DKI_SUPERVISOR]),
        (2, [KETUA, HUMAS, DKI_SUPERVISOR]),
        (3, [KETUA, HUMAS, DKI_SUPERVISOR, PUSAT]),
        (4, [KETUA, HUMAS, DKI_SUPERVISOR, PUSAT]),
    ],
)
def test_crisis_goes_to_the_team_of_its_level(level: int, expected: list[str]) -> None:
    routed = _crisis(level)
    assert _ids(routed) == expected
    assert all(r.gap_note == "" for r in routed)


def test_non_crisis_goes_to_nobody() -> None:
    assert _crisis(4, crisis=False) == []


@pytest.mark.parametrize(("level", "approver"), [(1, KETUA), (2, KETUA), (3, DKI_SUPERVISOR), (4, PUSAT)])
def test_draft_goes_to_the_approver_of_its_level(level: int, approver: str) -> None:
    routed = draft_approvers(level=level, directory=SAMPLE, policy=POLICY, unit=CIPINANG, region="DKI")
    assert _ids(routed) == [approver]


def test_unit_without_team_falls_back_to_its_kanwil_and_records_the_gap() -> None:
    routed = _crisis(1, unit="DKI-LAPAS-X")
    assert _ids(routed) == [DKI_SUPERVISOR]
    assert routed[0].gap_note == (
        "roster gap: DKI-LAPAS-X has no ketua; roster gap: DKI-LAPAS-X has no koordinator_humas"
    )


def test_stand_in_who_is_also_told_in_own_right_is_told_once() -> None:
    routed = _crisis(3, unit="DKI-LAPAS-X")
    assert _ids(routed) == [DKI_SUPERVISOR, PUSAT]
    assert "DKI-LAPAS-X has no ketua" in routed[0].gap_note
    assert routed[1].gap_note == ""


def test_missing_approver_falls_back_to_the_kanwil() -> None:
    routed = draft_approvers(level=1, directory=SAMPLE, policy=POLICY, unit="DKI-LAPAS-X", region="DKI")
    assert _ids(routed) == [DKI_SUPERVISOR]
    assert routed[0].gap_note == "roster gap: DKI-LAPAS-X has no ketua"


def test_region_without_supervisor_falls_back_to_the_centre() -> None:
    directory = parse_directory(
        {"people": [{"id": "pusat", "name": "Contoh: Pusat", "role": "pusat", "tier": "centre"}]}, source="t"
    )
    routed = _crisis(2, unit="NTT-LAPAS-X", region="NTT", directory=directory)
    assert _ids(routed) == ["pusat"]
    assert routed[0].gap_note == (
        "roster gap: NTT-LAPAS-X has no ketua; roster gap: NTT-LAPAS-X has no koordinator_humas; "
        "roster gap: region NTT has no supervisor"
    )


def test_centre_without_pusat_still_tells_someone_at_the_centre() -> None:
    directory = parse_directory(
        {"people": [{"id": "piket", "name": "Contoh: Piket", "role": "pemantau_media", "tier": "centre"}]},
        source="t",
    )
    routed = _crisis(4, unit="NTT-LAPAS-X", region="NTT", directory=directory)
    assert _ids(routed) == ["piket"]
    assert "roster gap: centre has no pusat" in routed[0].gap_note


def test_every_crisis_level_reaches_someone_for_every_region() -> None:
    regions = {p.region for p in SAMPLE.people if p.tier is Tier.REGION and p.region}
    assert len(regions) == 33
    for region in regions:
        for level in (1, 2, 3, 4):
            assert _crisis(level, unit=f"{region}-UNKNOWN", region=region)


def test_sample_directory_holds_the_named_teams() -> None:
    for unit in (
        "DKI-LAPAS-CIPINANG",
        "JATIM-LAPAS-SURABAYA",
        "KALSEL-LAPASNARKOTIKA-KARANGINTAN",
        "BANTEN-LPKA-TANGERANG",
    ):
        roles = {p.role for p in SAMPLE.people if p.unit == unit}
        assert roles == {Role.KETUA, Role.KOORDINATOR_HUMAS}
    assert all(p.name.startswith("Contoh: ") for p in SAMPLE.people)
    assert all(p.channels == [] for p in SAMPLE.people)


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_bad_directory_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "people": [
                {"id": "p", "name": "Contoh: Pusat", "role": "pusat", "tier": "centre"},
                {"id": "k", "name": "Contoh: Ketua", "role": "kepala", "tier": "upt", "unit": "DKI-LAPAS-X"},
                {"id": "s", "name": "Contoh: Sup", "role": "supervisor", "tier": "region"},
            ]
        },
    )
    with pytest.raises(DirectoryError) as info:
        load_directory(path)
    message = str(info.value)
    assert str(path) in message
    assert "people.1.role" in message
    assert "'region' needs `region`" in message


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (
            {"people": [{"id": "k", "name": "K", "role": "ketua", "tier": "upt", "unit": "DKI-X"}]},
            "nobody at tier 'centre'",
        ),
        (
            {"people": [{"id": "p", "name": "P", "role": "pusat", "tier": "centre"}] * 2},
            "appears more than once",
        ),
        (
            {
                "people": [
                    {"id": "p", "name": "P", "role": "pusat", "tier": "centre", "channels": ["not-a-url"]}
                ]
            },
            "not an Apprise URL",
        ),
        (
            {"people": [{"id": "p", "name": "P", "role": "pusat", "tier": "centre", "phone": "08"}]},
            "people.0.phone",
        ),
    ],
)
def test_directory_rules(tmp_path: Path, data: object, fragment: str) -> None:
    with pytest.raises(DirectoryError, match=fragment):
        load_directory(_write(tmp_path, data))


def test_unreadable_or_malformed_directory(tmp_path: Path) -> None:
    with pytest.raises(DirectoryError, match="cannot be read"):
        load_directory(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [\n")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        load_directory(bad)


def test_policy_must_route_every_level(tmp_path: Path) -> None:
    data = yaml.safe_load(resources.files("tanggap_notifier").joinpath("routing.yaml").read_text())
    del data["incident_classified"][3]
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RoutingError, match=r"incident_classified has no entry for level\(s\) \[3\]"):
        load_policy(path)


KARANG_INTAN_KETUA = "kalsel-lapasnarkotika-karangintan-ketua"


def test_the_region_mentor_unit_is_told_at_level_3_and_above_as_mentor() -> None:
    for level, expected in ((2, False), (3, True), (4, True)):
        routed = _crisis(level, unit="KALSEL-LAPAS-BANJARMASIN", region="KALSEL")
        mentors = [r for r in routed if r.person.id == KARANG_INTAN_KETUA]
        assert bool(mentors) is expected
        if mentors:
            assert mentors[0].role is Role.MENTOR
            assert mentors[0].gap_note == ""


def test_the_mentor_unit_itself_is_not_its_own_mentor() -> None:
    routed = _crisis(3, unit="KALSEL-LAPASNARKOTIKA-KARANGINTAN", region="KALSEL")
    (ketua,) = [r for r in routed if r.person.id == KARANG_INTAN_KETUA]
    assert ketua.role is Role.KETUA


def test_a_mentor_unit_without_ketua_is_skipped_without_a_gap() -> None:
    directory = parse_directory(
        {"people": [{"id": "pusat", "name": "Contoh: Pusat", "role": "pusat", "tier": "centre"}]}, source="t"
    )
    targets = [t for t in POLICY.incident_classified[3] if t.at == "mentor"]
    assert resolve(targets, directory=directory, policy=POLICY, unit="KALSEL-X", region="KALSEL") == []


def test_every_notice_kind_has_targets_at_every_level() -> None:
    for kind in (
        "incident_new",
        "level_raised",
        "draft_proposed",
        "draft_approved",
        "deadline_approaching",
        "deadline_missed",
        "incident_closed",
    ):
        for level in (1, 2, 3, 4):
            assert POLICY.targets_for(kind, level), (kind, level)
    assert POLICY.escalation.ack_minutes[1] is None
    assert POLICY.digest.levels == [1]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda d: d["escalation"].update(requires_ack=["paging"]), "unknown kinds"),
        (lambda d: d["escalation"]["steps"].append({"deputies": False}), "either `deputies: true`"),
        (lambda d: d["draft_approved"].pop(2), r"draft_approved has no entry for level\(s\) \[2\]"),
        (
            lambda d: d["incident_closed"][1].append({"tier": "region", "role": "ketua", "at": "mentor"}),
            "tier must be 'upt'",
        ),
    ],
)
def test_policy_rules(tmp_path: Path, change: object, fragment: str) -> None:
    data = yaml.safe_load(resources.files("tanggap_notifier").joinpath("routing.yaml").read_text())
    data = {k: v for k, v in data.items() if not k.startswith("x-")}
    data = yaml.safe_load(yaml.safe_dump(data))  # anchors resolved into independent copies
    change(data)  # type: ignore[operator]
    path = tmp_path / "routing.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(RoutingError, match=fragment):
        load_policy(path)


def test_deputies_must_exist_and_not_be_oneself(tmp_path: Path) -> None:
    pusat = {"id": "p", "name": "P", "role": "pusat", "tier": "centre"}
    with pytest.raises(DirectoryError, match="deputies of 'p' are not in the directory: nobody"):
        parse_directory({"people": [pusat | {"deputies": ["nobody"]}]}, source="t")
    with pytest.raises(DirectoryError, match="cannot be their own deputy"):
        parse_directory({"people": [pusat | {"deputies": ["p"]}]}, source="t")


def test_directory_from_csv(tmp_path: Path) -> None:
    path = tmp_path / "team.csv"
    path.write_text(
        "id,name,role,tier,unit,region,deputies,channels\n"
        "p,Contoh: Pusat,pusat,centre,,,,mailto://a.b@example.go.id json://h/x\n"
        "k,Contoh: Ketua,ketua,upt,DKI-LAPAS-X,,p,tgram://1:abc/2\n"
    )
    directory = load_directory(path)
    assert [p.id for p in directory.people] == ["p", "k"]
    assert directory.people[0].channels == ["mailto://a.b@example.go.id", "json://h/x"]
    assert directory.people[1].deputies == ["p"]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,role,tier,phone\n")
    with pytest.raises(DirectoryError, match="unknown column\\(s\\) phone"):
        load_directory(bad)
