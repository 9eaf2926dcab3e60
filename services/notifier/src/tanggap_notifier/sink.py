"""The default channel: a custom Apprise plugin that appends each notification to a JSON-lines file.

URL form: `tanggapfile:///absolute/path/notifications.jsonl?recipient=<person id>`. The sender fills in
the path (the state folder's file) for a bare `tanggapfile://` and always adds the recipient, so one
sink URL serves everybody without channels. Apprise's schema names allow only letters and digits,
hence `tanggapfile` rather than `tanggap-file`.
"""

import json
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import structlog
from apprise.decorators import notify
from apprise.manager_plugins import NotificationManager

from tanggap_shared.events import utcnow

SINK_SCHEMA = "tanggapfile"

log = structlog.get_logger("tanggap.notifier")

# Apprise runs plugins in worker threads; one lock keeps concurrent lines from interleaving.
_write_lock = threading.Lock()


def sink_file(meta: dict[str, Any]) -> Path | None:
    """The file a sink URL points at; Apprise reads the first path segment as the host."""
    host = str(meta.get("host") or "")
    full = str(meta.get("fullpath") or "")
    raw = unquote(f"/{host}{full}" if host else full)
    if raw in ("", "/"):
        return None
    return Path(raw)


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line and make it durable before the delivery is reported as sent."""
    line = json.dumps(record, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with _write_lock, path.open("a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


def _send(body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any) -> bool:
    path = sink_file(meta)
    if path is None:
        log.error("notifier.sink_without_path", url=meta.get("url", ""))
        return False
    recipient = str(meta.get("qsd", {}).get("recipient", ""))
    append_line(path, {"at": utcnow().isoformat(), "recipient": recipient, "title": title, "body": body})
    # The console is the other half of the default channel (DESIGN "Running it").
    log.info("notifier.sink_written", path=str(path), recipient=recipient, title=title)
    return True


def register_sink() -> None:
    """Register the plugin with Apprise once per process (Apprise keeps plugins in a global registry)."""
    if SINK_SCHEMA in NotificationManager():  # type: ignore[no-untyped-call]
        return
    notify(on=SINK_SCHEMA, name="Tanggap file sink")(_send)  # type: ignore[no-untyped-call]
