"""`python -m tanggap_classifier`: run the classifier worker (GET /healthz on TANGGAP_HTTP_PORT, 8081)."""

import sys

import structlog

from tanggap_classifier.app import create_app
from tanggap_classifier.policy import PolicyError
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.private import private_files
from tanggap_shared.runtime import configure, serve


def main() -> int:
    private_files()  # before anything is created: the state folder is this user's only
    settings = ClassifierSettings()
    configure(settings)
    try:
        app = create_app(settings)
    except PolicyError as exc:
        # A bad policy stops the service before it consumes anything, with a message an operator can act on.
        structlog.get_logger("tanggap.classifier").error("classifier.policy_invalid", error=str(exc))
        sys.stderr.write(f"tanggap-classifier: {exc}\n")
        return 2
    serve(app, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
