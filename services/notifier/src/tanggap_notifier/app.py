"""The notifier process: directory and policy loaded (and checked) at build time, handlers registered."""

from faststream.asgi import AsgiFastStream

from tanggap_notifier.directory import Directory, DirectoryError, load_directory
from tanggap_notifier.dispatch import Dispatcher
from tanggap_notifier.handlers import RoutingHandler, register
from tanggap_notifier.messages import MessageRenderer
from tanggap_notifier.routing import load_policy
from tanggap_notifier.sender import Sender
from tanggap_notifier.settings import NotifierSettings
from tanggap_shared.runtime import Runtime, worker_app


def build_sender(settings: NotifierSettings) -> Sender:
    return Sender(
        default_urls=settings.default_urls(),
        sink_path=settings.sink_path(),
        timeout=settings.notify_timeout_seconds,
    )


def check_channels(directory: Directory, sender: Sender, settings: NotifierSettings) -> None:
    """Refuse to start with a channel Apprise cannot load: better now than during a crisis."""
    bad = sender.invalid_urls([*directory.all_channels(), *settings.default_urls()])
    if bad:
        raise DirectoryError(f"Apprise cannot load these channels: {', '.join(bad)}")


def build_handler(runtime: Runtime, settings: NotifierSettings) -> RoutingHandler:
    """Everything the handler needs, validated; raises DirectoryError / RoutingError on a bad file."""
    directory = load_directory(settings.directory_file)
    policy = load_policy(settings.routing_file)
    sender = build_sender(settings)
    check_channels(directory, sender, settings)
    dispatcher = Dispatcher(
        runtime, directory=directory, sender=sender, lease_seconds=settings.delivery_lease_seconds
    )
    return RoutingHandler(
        runtime=runtime,
        directory=directory,
        policy=policy,
        renderer=MessageRenderer(public_url=settings.public_url),
        dispatcher=dispatcher,
    )


def create_app(settings: NotifierSettings) -> AsgiFastStream:
    runtime = Runtime.build(settings)
    handler = build_handler(runtime, settings)
    register(runtime, handler)

    async def start_resuming() -> None:
        handler.dispatcher.start_resuming(settings.resume_interval_seconds)

    return worker_app(
        runtime,
        title="Tanggap notifier",
        on_startup=[start_resuming],
        on_shutdown=[handler.dispatcher.stop_resuming],
    )
