"""Refusals with a status and a message a user can act on; mapped to JSON by the app."""

from typing import Any


class IntakeError(Exception):
    status_code = 400

    def __init__(
        self, message: str, *, detail: list[dict[str, Any]] | None = None, indonesian: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or []
        # What the console shows a Humas officer (the JSON API answers in English).
        self.indonesian = indonesian


class UnknownUnit(IntakeError):
    status_code = 422


class IdempotencyConflict(IntakeError):
    status_code = 409


class NotFound(IntakeError):
    status_code = 404


class Conflict(IntakeError):
    status_code = 409


class Refused(IntakeError):
    """The request is well formed but the domain rules do not allow it (422, with what to change)."""

    status_code = 422


class NotAllowed(IntakeError):
    """The person lacks the authority (403), e.g. closing an incident above their level."""

    status_code = 403
