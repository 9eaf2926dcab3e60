"""Where the library lives, from the environment."""

from pathlib import Path

import pytest

from tanggap_drafter.settings import DrafterSettings


def test_qdrant_edge_under_the_state_folder_by_default(tmp_path: Path) -> None:
    settings = DrafterSettings(state_dir=tmp_path)
    assert settings.http_port == 8082
    target = settings.qdrant_target()
    assert (target.path, target.engine, target.url) == (tmp_path / "qdrant", "edge", None)
    assert target.open_engine("key_messages").describe() == f"Qdrant Edge {tmp_path}/qdrant/edge/key_messages"


def test_local_mode_can_be_chosen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_QDRANT_ENGINE", "local")
    target = DrafterSettings(state_dir=tmp_path).qdrant_target()
    assert target.open_engine("key_messages").describe() == f"Qdrant local mode {tmp_path}/qdrant"


def test_environment_chooses_memory_or_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANGGAP_QDRANT_PATH", ":memory:")
    assert str(DrafterSettings().qdrant_target().path) == ":memory:"
    monkeypatch.setenv("TANGGAP_QDRANT_URL", "http://qdrant:6333")
    monkeypatch.setenv("TANGGAP_QDRANT_API_KEY", "k")
    target = DrafterSettings().qdrant_target()
    assert (target.url, target.api_key) == ("http://qdrant:6333", "k")
