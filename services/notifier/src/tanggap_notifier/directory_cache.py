"""The stored directory, rebuilt only when it changed.

Every event and every fired timer needs the directory. Reading it costs every row; asking whether it changed
costs one aggregate (how many people, the latest `updated_at`). The API, the CLI and the other replicas
change it behind this process's back, so the question is asked on every use, inside the caller's
transaction: the answer is as fresh as a full read would be.
"""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from tanggap_notifier.directory import Directory
from tanggap_notifier.models import PersonRow
from tanggap_notifier.people import load_directory_from_db

Fingerprint = tuple[int, datetime | None]


class DirectoryCache:
    def __init__(self) -> None:
        self._fingerprint: Fingerprint | None = None
        self._directory: Directory | None = None

    async def get(self, session: AsyncSession) -> Directory:
        """The directory as `session` sees it (Directory is frozen, so sharing one object is safe)."""
        count, latest = (await session.execute(select(func.count(), func.max(PersonRow.updated_at)))).one()
        fingerprint: Fingerprint = (int(count or 0), latest)
        if self._directory is None or fingerprint != self._fingerprint:
            self._directory = await load_directory_from_db(session)
            self._fingerprint = fingerprint
        return self._directory
