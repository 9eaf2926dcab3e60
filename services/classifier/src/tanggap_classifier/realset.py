"""The hand-labelled real-news sets (`data/real_news_{a,b,c}.yaml`) and their fixed split.

The split is shared by every evaluation over these sets (the level policy and the text reading), so a
pattern tuned on one side is never scored on the same items. The rule is a hash of the URL: an item's
share is "30%" when the SHA-256 of its URL, read as a number, ends in 7, 8 or 9 modulo 10 (`is_holdout`).

Each item belongs to one of three splits (`split_of`):

- "tune": the 70% of every file (A, B and C). The lexicon, the policy and the reader may be tuned on it.
- "seen": the 30% of A and B. It was the held-out share of round one, run once after the rules were
  final (2026-12-03, policy 2026.12-real.1: category 0.866, crisis 0.881, level >= 3 kept 12/13, level
  in bounds 0.836; reader days 0.765, amounts 0.938). Its misses were printed then, so it is no longer
  unseen: round two may tune on it, and it is reported apart so nobody mistakes it for unseen data.
- "holdout": the 30% of C (`real_news_c.yaml`, collected after round one). The new held-out share:
  never printed or looked at while tuning, run once when the rules are final.

A file's split depends only on its name (`SEEN_FILES`): a new file's 30% is held out by default.
"""

import hashlib
from pathlib import Path
from typing import Any, Literal

import yaml

DATA_DIR = Path(__file__).parent / "data"
REAL_FILES = ("real_news_a.yaml", "real_news_b.yaml", "real_news_c.yaml")
# Files whose 30% has been run once already (round one), so it is "seen", not held out.
SEEN_FILES = frozenset({"real_news_a.yaml", "real_news_b.yaml"})
SOURCE_KEY = "_file"  # set on each loaded item: the file it came from (never in the YAML)

Split = Literal["tune", "seen", "holdout"]
SPLITS: tuple[Split, ...] = ("tune", "seen", "holdout")


def is_holdout(url: str) -> bool:
    """True for an item in its file's 30% (held out for C; "seen" for A and B)."""
    return int(hashlib.sha256(url.encode()).hexdigest(), 16) % 10 >= 7


def split_of(url: str, file_name: str) -> Split:
    """The split of the item at `url` in the file `file_name` (see the module docstring)."""
    if not is_holdout(url):
        return "tune"
    return "seen" if file_name in SEEN_FILES else "holdout"


def item_split(item: dict[str, Any]) -> Split:
    """The split of an item returned by `load_real_items`."""
    return split_of(str(item.get("url", "")), str(item.get(SOURCE_KEY, "")))


def load_real_items(data_dir: Path = DATA_DIR) -> list[dict[str, Any]]:
    """Every item of every file in file order, tagged with its file (`SOURCE_KEY`); no file, no items."""
    items: list[dict[str, Any]] = []
    for name in REAL_FILES:
        path = data_dir / name
        if not path.exists():
            continue
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        items.extend({**item, SOURCE_KEY: name} for item in _items(loaded))
    return items


def items_by_split(data_dir: Path = DATA_DIR) -> dict[Split, list[dict[str, Any]]]:
    """The raw items of each split, in file order."""
    out: dict[Split, list[dict[str, Any]]] = {s: [] for s in SPLITS}
    for item in load_real_items(data_dir):
        out[item_split(item)].append(item)
    return out


def _items(loaded: object) -> list[dict[str, Any]]:
    # A file is either a list of items or a mapping with an `items` list (both shapes are in use).
    if isinstance(loaded, dict):
        loaded = loaded.get("items", [])
    if not isinstance(loaded, list):
        return []
    return [item for item in loaded if isinstance(item, dict)]
