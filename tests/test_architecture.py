"""The import rules of the design: no service imports another, shared/ imports no service."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_every_service_has_the_same_skeleton() -> None:
    for service in ("intake", "classifier", "drafter", "notifier"):
        base = ROOT / "services" / service
        package = base / "src" / f"tanggap_{service}"
        for required in ("__main__.py", "settings.py", "app.py"):
            assert (package / required).is_file(), f"{service} lacks {required}"
        assert (base / "Dockerfile").is_file(), f"{service} lacks a Dockerfile"
        assert (base / "pyproject.toml").is_file()
