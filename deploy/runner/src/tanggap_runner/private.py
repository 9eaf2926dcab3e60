"""The state folder is for the runner's own user only.

It holds the services' databases (password hashes, API key hashes, CSRF tokens, report text), the notification
sink (working acknowledgement links), the admin password and the logs. The folder is 0700 and every file in it
0600: new files through the umask the runner and its children run with, files from an older install by
tightening them once at start.
"""

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# Group and others get nothing: files are created 0600, folders 0700.
PRIVATE_UMASK = 0o077
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def set_private_umask() -> int:
    """Make every file and folder this process (and what it spawns) creates private; returns the old umask."""
    return os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create the folder (and missing parents) 0700; mkdir's mode would otherwise depend on the umask."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, PRIVATE_DIR_MODE)


def open_private(path: Path, mode: str = "ab") -> IO[bytes]:
    """Open a file for writing, created 0600 whatever the umask of the calling process."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    return os.fdopen(os.open(path, flags, PRIVATE_FILE_MODE), mode)


def write_private(path: Path, text: str) -> None:
    with open_private(path, "wb") as handle:
        handle.write(text.encode())


def _entries(root: Path) -> Iterator[tuple[Path, bool]]:
    """The folder and everything under it as (path, is_dir); symbolic links are not followed."""
    yield root, True
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            yield Path(folder, name), True
        for name in files:
            yield Path(folder, name), False


def tighten(root: Path) -> list[Path]:
    """Take every permission from group and others under `root`; returns the paths that had some.

    Folders become 0700; files lose their group and other bits and keep their owner's (0644 → 0600).
    """
    tightened = []
    for path, is_dir in _entries(root):
        try:
            info = path.lstat()
        except FileNotFoundError:  # a service removed it meanwhile (a SQLite journal)
            continue
        if stat.S_ISLNK(info.st_mode):
            continue
        mode = stat.S_IMODE(info.st_mode)
        wanted = PRIVATE_DIR_MODE if is_dir else mode & 0o700
        if mode != wanted:
            os.chmod(path, wanted)
            tightened.append(path)
    return tightened
