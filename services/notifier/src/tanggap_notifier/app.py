"""The notifier process: policy, templates and the seed directory checked at build time, then wired up.

Besides the consumer it runs three loops: the dispatcher's resume sweep, the timer watchdog, and
(served on the same port as /healthz) the directory API for operators.
"""

from faststream.asgi import AsgiFastStream

from tanggap_notifier.api import DirectoryApi, create_directory_api
from tanggap_notifier.deliveries import AckLinks
from tanggap_notifier.directory import Directory, DirectoryError, load_directory
from tanggap_notifier.dispatch import Dispatcher, RetryPolicy
from tanggap_notifier.handlers import RoutingHandler, register
from tanggap_notifier.messages import MessageRenderer
from tanggap_notifier.people import seed_if_empty
from tanggap_notifier.routing import TEMPLATE_KINDS, RoutingPolicy, load_policy
from tanggap_notifier.scheduler import Scheduler
from tanggap_notifier.sender import Sender, use_telegram_api
from tanggap_notifier.settings import NotifierSettings
from tanggap_notifier.timers import TimerActions
from tanggap_shared.runtime import Runtime, worker_app
from tanggap_shared.tokens import link_secret


def build_sender(settings: NotifierSettings) -> Sender:
    use_telegram_api(settings.telegram_api_url)
    return Sender(
        default_urls=settings.default_urls(),
        sink_path=settings.sink_path(),
        timeout=settings.notify_timeout_seconds,
        ack_secret=link_secret(settings.link_secret, settings.state_dir),
    )


def check_channels(directory: Directory, sender: Sender, settings: NotifierSettings) -> None:
    """Refuse to start with a channel Apprise cannot load: better now than during a crisis."""
    bad = sender.invalid_urls([*directory.all_channels(), *settings.default_urls()])
    if bad:
        raise DirectoryError(f"Apprise cannot load these channels: {', '.join(bad)}")


def build_renderer(settings: NotifierSettings) -> MessageRenderer:
    renderer = MessageRenderer(public_url=settings.public_url, templates_dir=settings.templates_dir)
    renderer.check(TEMPLATE_KINDS)
    return renderer


def build_handler(
    runtime: Runtime, settings: NotifierSettings, *, policy: RoutingPolicy | None = None
) -> RoutingHandler:
    """Everything the handler needs, validated; raises DirectoryError / RoutingError on a bad file."""
    policy = policy or load_policy(settings.routing_file)
    sender = build_sender(settings)
    check_channels(load_directory(settings.directory_file), sender, settings)
    renderer = build_renderer(settings)
    links = AckLinks(
        public_url=settings.public_url,
        secret=link_secret(settings.link_secret, settings.state_dir),
        ttl_seconds=int(settings.ack_link_ttl_hours * 3600),
    )
    dispatcher = Dispatcher(
        runtime,
        sender=sender,
        links=links,
        lease_seconds=settings.delivery_lease_seconds,
        retry=RetryPolicy(attempts=settings.retry_attempts, backoff_seconds=settings.retry_backoff_seconds),
        concurrency=settings.dispatch_concurrency,
    )
    scheduler = Scheduler(
        runtime,
        actions=TimerActions(policy=policy, renderer=renderer),
        dispatcher=dispatcher,
        interval=settings.timer_interval_seconds,
    )
    return RoutingHandler(
        runtime=runtime, policy=policy, renderer=renderer, dispatcher=dispatcher, scheduler=scheduler
    )


async def seed_directory(runtime: Runtime, settings: NotifierSettings) -> None:
    """First start: store the directory file's people (later changes go through the API or the import)."""
    source = str(settings.directory_file or "crisis_team.yaml (packaged sample)")
    await seed_if_empty(runtime.sessions, load_directory(settings.directory_file), source=source)


def create_app(settings: NotifierSettings) -> AsgiFastStream:
    runtime = Runtime.build(settings)
    handler = build_handler(runtime, settings)
    register(runtime, handler)
    api = DirectoryApi(
        runtime, policy=handler.policy, sender=build_sender(settings), api_key=settings.bootstrap_api_key
    )

    async def start_loops() -> None:
        await seed_directory(runtime, settings)
        handler.dispatcher.start_resuming(settings.resume_interval_seconds)
        handler.scheduler.start()

    async def stop_loops() -> None:
        await handler.scheduler.stop()
        await handler.dispatcher.stop_resuming()

    app = worker_app(runtime, title="Tanggap notifier", on_startup=[start_loops], on_shutdown=[stop_loops])
    # AsgiFastStream routes exact paths only (here /healthz); every other request reaches its not-found
    # hook, which is where the directory API (paths with ids) is served.
    app.not_found = create_directory_api(api)  # type: ignore[method-assign]
    return app
