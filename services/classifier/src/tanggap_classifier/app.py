"""The classifier process: policy loaded (and validated) before anything connects, then the worker app."""

import structlog
from faststream.asgi import AsgiFastStream

from tanggap_classifier.assessor import make_assessor
from tanggap_classifier.handlers import register_handlers
from tanggap_classifier.policy import Policy, load_policy
from tanggap_classifier.settings import ClassifierSettings
from tanggap_shared.runtime import Runtime, worker_app

log = structlog.get_logger("tanggap.classifier")


def create_app(settings: ClassifierSettings, *, policy: Policy | None = None) -> AsgiFastStream:
    """Build the app; raises PolicyError at once when the policy file is missing or invalid."""
    policy = policy or load_policy(settings.policy_file)
    runtime = Runtime.build(settings)
    assessor = make_assessor(settings)
    register_handlers(runtime, settings, policy, assessor)

    async def announce_policy() -> None:
        log.info(
            "classifier.policy_loaded",
            policy_version=policy.version,
            llm_assessor=assessor.model if assessor else None,
        )

    async def close_assessor() -> None:
        if assessor is not None:
            await assessor.close()

    return worker_app(
        runtime, title="Tanggap classifier", on_startup=[announce_policy], on_shutdown=[close_assessor]
    )
