"""The reading's vocabularies (reading.yaml), built once into phrase tables."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import yaml

from tanggap_classifier.reading.tokens import PhraseTable
from tanggap_shared.events import FactRole

DEFAULT_FILE = Path(__file__).with_name("reading.yaml")


@dataclass(frozen=True)
class ReadingVocabulary:
    """Everything the rules look up; build one with `load_vocabulary` (a path lets a region extend it)."""

    version: str
    what: PhraseTable[str]
    days: PhraseTable[str]
    cased_days: PhraseTable[str]
    when_phrases: PhraseTable[str]  # payload: part_of_day | relative | date (a holiday)
    block_names: frozenset[str]
    where: PhraseTable[str]  # payload: room | area
    who: PhraseTable[FactRole]
    anak_cased: PhraseTable[FactRole]
    count_nouns: PhraseTable[str]  # payload: what is counted
    escape_words: PhraseTable[str]
    lead_words: frozenset[str]
    casualty: PhraseTable[str]  # payload: deaths | injuries
    counted_casualty: PhraseTable[str]
    casualty_verbs: PhraseTable[str]
    no_casualty: PhraseTable[str]
    how: PhraseTable[bool]  # payload: sensitive
    guard_lead: PhraseTable[bool]
    source: PhraseTable[str]  # payload: a Source code
    reach: PhraseTable[str]  # payload: a MediaReach code


def _flat(data: dict[str, Any], key: str) -> list[str]:
    return [str(p) for p in data.get(key, [])]


def _tagged(groups: dict[str, list[str]]) -> list[tuple[str, str]]:
    return [(str(phrase), tag) for tag, phrases in groups.items() for phrase in phrases]


def _build(data: dict[str, Any]) -> ReadingVocabulary:
    when, where, who = data["when"], data["where"], data["who"]
    amount, casualty, how = data["amount"], data["casualty"], data["how"]
    roles = {role: phrases for role, phrases in who.items() if role != "anak_cased"}
    return ReadingVocabulary(
        version=str(data.get("version", "")),
        what=PhraseTable((p, p) for p in _flat(data, "what")),
        days=PhraseTable((p, "day") for p in _flat(when, "days")),
        cased_days=PhraseTable(((p, "day") for p in _flat(when, "cased_days")), cased=True),
        when_phrases=PhraseTable(
            _tagged(
                {"part_of_day": when["part_of_day"], "relative": when["relative"], "date": when["holidays"]}
            )
        ),
        block_names=frozenset(_flat(where, "block_names")),
        where=PhraseTable(_tagged({"room": where["room"], "area": where["area"]})),
        who=PhraseTable(cast(list[tuple[str, FactRole]], _tagged(roles))),
        anak_cased=PhraseTable(((p, "anak") for p in _flat(who, "anak_cased")), cased=True),
        count_nouns=PhraseTable(_tagged(amount["nouns"])),
        escape_words=PhraseTable((p, "escapees") for p in _flat(amount, "escape_words")),
        lead_words=frozenset(_flat(amount, "lead_words")),
        casualty=PhraseTable(_tagged({"deaths": casualty["deaths"], "injuries": casualty["injuries"]})),
        counted_casualty=PhraseTable((p, "injuries") for p in _flat(casualty, "injuries_counted")),
        casualty_verbs=PhraseTable(
            _tagged({"deaths": casualty["deaths_verbs"], "injuries": casualty["injuries_verbs"]})
        ),
        no_casualty=PhraseTable(_tagged(casualty["none"])),
        how=PhraseTable(
            [(p, True) for p in _flat(how, "sensitive")] + [(p, False) for p in _flat(how, "plain")]
        ),
        guard_lead=PhraseTable((p, True) for p in _flat(how, "guard_lead")),
        source=PhraseTable(_tagged(data["source"])),
        reach=PhraseTable(_tagged(data["reach"])),
    )


def load_vocabulary(path: Path | None = None) -> ReadingVocabulary:
    """The vocabularies of `path` (default: the shipped reading.yaml); raises ValueError when invalid."""
    if path is None:
        return _default()
    return _load(path)


@cache
def _default() -> ReadingVocabulary:
    return _load(DEFAULT_FILE)


def _load(path: Path) -> ReadingVocabulary:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _build(data)
    except (OSError, yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"reading vocabulary {path} is invalid: {exc!r}") from exc
