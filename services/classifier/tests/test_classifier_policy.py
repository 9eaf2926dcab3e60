"""Loading and validating the policy file: the shipped one, an override, and files that must be refused."""

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tanggap_classifier.app import create_app
from tanggap_classifier.policy import POLICY_ENV_VAR, PolicyError, default_policy_path, load_policy
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.contracts import Category


def shipped() -> dict[str, Any]:
    data = yaml.safe_load(default_policy_path().read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_shipped_policy_covers_every_category_with_keywords() -> None:
    policy = load_policy()

    assert policy.version
    assert set(policy.categories) == set(Category)
    assert sorted(policy.deadlines) == [1, 2, 3, 4]
    escape = policy.categories[Category.ESCAPE]
    for variant in ("kabur", "melarikan diri", "lolos"):
        assert variant in escape.keywords
    assert "botol" in policy.categories[Category.CONTRABAND].keywords
    assert "warga binaan" in policy.language.person_nouns


def test_env_var_points_to_another_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = shipped()
    data["version"] = "kanwil-dki-2025.1"
    monkeypatch.setenv(POLICY_ENV_VAR, str(write(tmp_path, data)))

    assert load_policy().version == "kanwil-dki-2025.1"
    assert ClassifierSettings().policy_file == tmp_path / "policy.yaml"


def _drop_category(d: dict[str, Any]) -> None:
    del d["categories"]["escape"]


def _typo_key(d: dict[str, Any]) -> None:
    d["categories"]["unrest"]["keywrods"] = d["categories"]["unrest"].pop("keywords")


def _level_5(d: dict[str, Any]) -> None:
    d["categories"]["unrest"]["severe"]["sandera"] = 5


def _death_as_good_news(d: dict[str, Any]) -> None:
    d["positive"][0]["neutralises"].append("death")


def _numeric_version(d: dict[str, Any]) -> None:
    d["version"] = 3.1


def _missing_deadline(d: dict[str, Any]) -> None:
    del d["deadlines"][4]


def _unknown_category(d: dict[str, Any]) -> None:
    d["categories"]["smuggling"] = copy.deepcopy(d["categories"]["drugs"])


def _tiers_out_of_order(d: dict[str, Any]) -> None:
    d["impact"]["escapees"].reverse()


def _empty_phrase(d: dict[str, Any]) -> None:
    d["categories"]["drugs"]["keywords"].append("!!")


def _empty_also_required(d: dict[str, Any]) -> None:
    next(a for a in d["amplifiers"] if a["code"] == "aph")["also_requires"].append("??")


def _empty_suspicious(d: dict[str, Any]) -> None:
    d["text_signals"]["deaths"]["natural_causes"]["suspicious"].append("--")


def _combo_without_partner(d: dict[str, Any]) -> None:
    d["categories"]["misconduct"]["combos"][0]["requires"] = []


def _combo_typo(d: dict[str, Any]) -> None:
    d["categories"]["rights"]["combos"][0]["require"] = d["categories"]["rights"]["combos"][0].pop("requires")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_drop_category, "categories missing"),
        (_typo_key, "keywrods"),
        (_level_5, "categories.unrest.severe.sandera"),
        (_death_as_good_news, "a death can never be good news"),
        (_numeric_version, "version"),
        (_missing_deadline, "deadlines must be given"),
        (_unknown_category, "categories.smuggling"),
        (_tiers_out_of_order, "impact.escapees"),
        (_empty_phrase, "has no letters or digits"),
        (_empty_also_required, "has no letters or digits"),
        (_empty_suspicious, "has no letters or digits"),
        (_combo_without_partner, "categories.misconduct.combos.0.requires"),
        (_combo_typo, "require"),
    ],
)
def test_invalid_policy_is_rejected_with_a_clear_message(tmp_path: Path, mutate: Any, message: str) -> None:
    data = shipped()
    mutate(data)
    path = write(tmp_path, data)

    with pytest.raises(PolicyError) as error:
        load_policy(path)

    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_unreadable_or_malformed_file_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [unclosed\n", encoding="utf-8")

    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(broken)
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")
    with pytest.raises(PolicyError, match="mapping"):
        load_policy(write(tmp_path, ["a", "list"]))


def test_app_refuses_to_build_with_an_invalid_policy(tmp_path: Path) -> None:
    data = shipped()
    _level_5(data)
    settings = ClassifierSettings(
        broker_url="nats://127.0.0.1:1", state_dir=tmp_path, policy_file=write(tmp_path, data)
    )

    with pytest.raises(PolicyError, match="sandera"):
        create_app(settings)


def test_service_exits_at_start_with_the_message(tmp_path: Path) -> None:
    data = shipped()
    _drop_category(data)
    env = {
        **os.environ,
        POLICY_ENV_VAR: str(write(tmp_path, data)),
        "TANGGAP_BROKER_URL": "nats://127.0.0.1:1",
        "TANGGAP_STATE_DIR": str(tmp_path / "state"),
    }

    done = subprocess.run(
        [sys.executable, "-m", "tanggap_classifier"], env=env, capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2
    assert "categories missing: ['escape']" in done.stderr


def test_app_builds_with_the_shipped_policy(tmp_path: Path) -> None:
    settings = ClassifierSettings(broker_url="nats://127.0.0.1:1", state_dir=tmp_path)

    app = create_app(settings)

    assert settings.http_port == 8081
    assert app.broker is not None
