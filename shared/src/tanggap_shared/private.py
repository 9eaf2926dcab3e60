"""A service's files are for its own user only.

The state folder holds password hashes, API key hashes, CSRF tokens, report text and working acknowledgement
links. Every entry point calls `private_files()` first, so what the service creates (its SQLite database and
its -wal/-shm files, Qdrant's local files, the notification sink) is 0600 and its folders 0700, whoever
starts it: the local runner, docker compose or a systemd unit.
"""

import os

# Group and others get nothing: files are created 0600, folders 0700.
PRIVATE_UMASK = 0o077


def private_files() -> None:
    """Make every file and folder this process creates from now on readable by its user only."""
    os.umask(PRIVATE_UMASK)
