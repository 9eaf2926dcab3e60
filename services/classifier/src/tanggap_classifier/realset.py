"""The hand-labelled real-news sets (`data/real_news_a.yaml`, `data/real_news_b.yaml`) and their fixed split.

The split is shared by every evaluation over these sets (the level policy and the text reading), so a
pattern tuned on one side is never scored on the same items: an item is held out when the SHA-256 of
its URL, read as a number, ends in 7, 8 or 9 modulo 10 (about 30%).
"""

import hashlib
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).parent / "data"
REAL_FILES = ("real_news_a.yaml", "real_news_b.yaml")


def is_holdout(url: str) -> bool:
    """True for the held-out 30%: never look at these items while tuning."""
    return int(hashlib.sha256(url.encode()).hexdigest(), 16) % 10 >= 7


def load_real_items(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Every item of both files, in file order; a file not written yet is skipped."""
    items: list[dict[str, Any]] = []
    for name in REAL_FILES:
        path = data_dir / name
        if not path.exists():
            continue
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        items.extend(_items(loaded))
    return items


def _items(loaded: object) -> list[dict[str, Any]]:
    # A file is either a list of items or a mapping with an `items` list (both shapes are in use).
    if isinstance(loaded, dict):
        loaded = loaded.get("items", [])
    if not isinstance(loaded, list):
        return []
    return [item for item in loaded if isinstance(item, dict)]
