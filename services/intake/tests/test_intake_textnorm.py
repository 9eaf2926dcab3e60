"""The text normaliser the approval guard compares with, the characters refused in stored text and
stripped from chat text (tanggap_shared.textnorm), and the Telegram button's binding (ack_button)."""

import uuid

import pytest

from tanggap_intake.decisions import blocking_left
from tanggap_shared import ack_button, textnorm

EXCERPT = "Budi Santoso (16 tahun)"


@pytest.mark.parametrize(
    "text",
    [
        "nama BUDI santoso (16 TAHUN) disebut",
        "Bu\u200bdi San\u00adtoso (16 tahun)",  # zero-width space, soft hyphen
        "Вudі Ѕаntоsо (16 tahun)",  # Cyrillic look-alikes
        "Βudι Santοsο (16 tahun)",  # Greek look-alikes
        "Ｂｕｄｉ Ｓａｎｔｏｓｏ （１６ tahun）",  # full-width forms
        "Búdì Sañtoso (16 tahun)",
        "Budi\u00a0\u3164Santoso\n(16\ttahun)",
        "Budi \U000e0041Santoso (16 tahun)",  # a tag character
    ],
)
def test_text_that_looks_the_same_still_contains_the_excerpt(text: str) -> None:
    assert textnorm.contains(text, EXCERPT)
    finding = {"code": "child_identity", "severity": "blocking", "message": "m", "excerpt": EXCERPT}
    assert blocking_left([finding], text, edited=True) == [finding]


def test_a_real_edit_removes_the_excerpt() -> None:
    assert not textnorm.contains("seorang Anak (16 tahun)", EXCERPT)
    assert not textnorm.contains("anything", "\u200b"), "an invisible excerpt quotes nothing"
    assert textnorm.comparable("  A\u200b  b\n") == "a b"


@pytest.mark.parametrize(
    ("char", "words"),
    [
        ("\u200b", "invisible"),
        ("\u202e", "invisible"),
        ("\ufeff", "invisible"),
        ("\u00ad", "invisible"),
        ("\x00", "control"),
        ("\x1b", "control"),
        ("\x9b", "control"),
        ("\ud800", "broken"),
    ],
)
def test_refused_characters_are_named(char: str, words: str) -> None:
    with pytest.raises(textnorm.UnsafeText) as refused:
        textnorm.require_safe(f"ab{char}c")
    assert f"U+{ord(char):04X}" in str(refused.value)
    assert words in str(refused.value)
    assert "karakter ke-3" in refused.value.indonesian


def test_ordinary_text_passes_and_chat_text_is_cleaned() -> None:
    text = "Kerusuhan di Lapas Cipinang,\n\tdua WBP luka (ringan). Ação é ok; emoji 👍🏽 ok."
    assert textnorm.require_safe(text) == text
    assert textnorm.strip_unsafe("Lapas\u200b Cipinang\x00ricuh\u202e\ud800") == "Lapas Cipinang ricuh"


def test_an_acknowledge_button_is_bound_to_its_chat() -> None:
    nid = str(uuid.uuid4())
    data = ack_button.callback_data("secret", nid, "424242")
    assert len(data.encode()) <= ack_button.MAX_BYTES
    press = ack_button.read(data)
    assert press is not None
    assert press.notification_id == uuid.UUID(nid)
    assert ack_button.pressed_by_recipient("secret", press, "424242")
    assert not ack_button.pressed_by_recipient("secret", press, "999")
    assert not ack_button.pressed_by_recipient("other-secret", press, "424242")
    old = ack_button.read(f"ack:{nid}")
    assert old is not None
    assert not ack_button.pressed_by_recipient("secret", old, "424242"), "an unbound button fails safe"
    assert ack_button.read("ack:not-a-uuid:x") is None
    assert ack_button.read("something else") is None
