"""The intake's own test helpers (a real intake under uvicorn, real HTTP, the console's login), for the
security suite: loaded from services/intake/tests/conftest.py rather than copied.

That conftest is not on the import path from here (tests use --import-mode=importlib and have no
packages), so it is loaded once by its file path under a module name of its own.
"""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

_CONFTEST = Path(__file__).resolve().parents[2] / "services" / "intake" / "tests" / "conftest.py"
_NAME = "tanggap_intake_test_helpers"


def load() -> ModuleType:
    """The intake's test helpers as a module (imported once per test session)."""
    loaded = sys.modules.get(_NAME)
    if loaded is not None:
        return loaded
    spec = importlib.util.spec_from_file_location(_NAME, _CONFTEST)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {_CONFTEST}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module
