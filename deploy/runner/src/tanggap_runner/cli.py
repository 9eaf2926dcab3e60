"""`python -m tanggap_runner up`: the whole system in the foreground until Ctrl-C (what `make up` runs)."""

import argparse
import contextlib
import os
import shlex
import sys
from collections.abc import Mapping, Sequence

from tanggap_runner.config import SERVICES, ConfigError, RunnerConfig
from tanggap_runner.console import Console, LogFollower
from tanggap_runner.nats import NatsStartError
from tanggap_runner.private import set_private_umask
from tanggap_runner.signals import Interrupted, StopRequest, exit_code, restore
from tanggap_runner.supervisor import Supervisor
from tanggap_runner.system import BROKER, RunnerError, System

EXAMPLE_REPORT = (
    '{"unit_code": "ACEH-LAPAS-BANDAACEH", '
    '"text": "Dua narapidana kabur dari Lapas Banda Aceh pagi ini, video beredar di media sosial"}'
)


def curl_example(base_url: str, *, with_key: bool) -> str:
    auth = ' -H "Authorization: Bearer $TANGGAP_BOOTSTRAP_API_KEY"' if with_key else ""
    return (
        f"curl -sS -X POST {base_url}/v1/reports -H 'Content-Type: application/json'{auth} "
        f"-d {shlex.quote(EXAMPLE_REPORT)}"
    )


def build_system(
    config: RunnerConfig, environ: Mapping[str, str], console: Console, stop: StopRequest
) -> System:
    # Human-readable service logs on the terminal and in the files, unless the operator asked for JSON.
    env = {} if "TANGGAP_LOG_JSON" in environ else {"TANGGAP_LOG_JSON": "false"}
    return System(
        config.state_dir,
        http_port=config.http_port,
        broker_url=config.broker_url,
        env=env,
        service_env=config.service_env,
        external_broker=config.external_broker,
        base_env=environ,
        grace_seconds=config.grace_seconds,
        progress=console.say,
        stop_request=stop,
    )


def up(environ: Mapping[str, str], console: Console, stop: StopRequest) -> int:
    """Run until a stop signal; `stop` must already be installed (see tanggap_runner.signals)."""
    # Before anything is created or spawned: the state folder holds password hashes, tokens and report text.
    set_private_umask()
    try:
        config = RunnerConfig.from_env(environ)
    except ConfigError as exc:
        console.say(f"error: {exc}")
        return 2
    if environ.get("TANGGAP_DATABASE_URL"):
        console.say(
            "ignoring TANGGAP_DATABASE_URL: each service needs a database of its own; "
            "set TANGGAP_<SERVICE>_DATABASE_URL (e.g. TANGGAP_CLASSIFIER_DATABASE_URL) instead"
        )
    if stop.requested.is_set():
        console.say(f"{stop.name} received before anything was started: nothing to stop")
        return exit_code(stop.signum)
    system = build_system(config, environ, console, stop)
    console.say(f"state folder {system.state_dir} (data survives restarts; `make reset` empties it)")
    follower = LogFollower({name: system.log_path(name) for name in SERVICES}, console)
    follower.start()
    try:
        code = run_until_stopped(system, environ, console, stop)
    finally:
        follower.stop()
    if code == 0:
        console.say(f"stopped cleanly. Data kept in {system.state_dir}; `make up` carries on from there")
    return code


def run_until_stopped(system: System, environ: Mapping[str, str], console: Console, stop: StopRequest) -> int:
    try:
        system.start()
    except Interrupted as exc:
        console.say(
            f"interrupted ({exc}) while starting; everything that was started has been stopped "
            f"(exit code {exc.exit_code})"
        )
        return exc.exit_code
    except (RunnerError, NatsStartError) as exc:
        console.say(f"error: {exc}")
        return 1
    if not stop.requested.is_set():
        show_banner(system, environ, console)
    # A restart of the broker waits for its readiness and gives way to a stop request as start-up does.
    with contextlib.suppress(Interrupted):
        Supervisor(system, say=console.say).run(stop.requested)
    console.say(
        f"{stop.name} received: stopping everything "
        f"(up to {system.grace_seconds:.0f} s; {stop.name} again kills the services at once)"
    )
    system.stop()
    return 0


def show_banner(system: System, environ: Mapping[str, str], console: Console) -> None:
    with_key = bool(environ.get("TANGGAP_BOOTSTRAP_API_KEY"))
    broker = "external broker" if system.external_broker else BROKER
    console.plain("")
    console.plain(f"Tanggap berjalan: {system.base_url}")
    password = system.state_dir / "admin_password"
    if environ.get("TANGGAP_ADMIN_PASSWORD"):
        console.plain("Masuk konsol: admin / kata sandi dari TANGGAP_ADMIN_PASSWORD")
    elif password.exists():
        console.plain(f"Masuk konsol: admin / kata sandi di {password}")
    console.plain(f"Coba: {curl_example(system.base_url, with_key=with_key)}")
    console.plain(f"Log: {system.log_dir} · {broker}: {system.broker_url} · Berhenti: Ctrl-C")
    console.plain("")


def main(argv: Sequence[str] | None = None, stop: StopRequest | None = None) -> int:
    """`stop`: a StopRequest installed by __main__ before the imports; else one is installed here."""
    previous = {}
    if stop is None:
        stop = StopRequest()
        previous = stop.install()
    try:
        return _main(argv, stop)
    finally:
        restore(previous)


def _main(argv: Sequence[str] | None, stop: StopRequest) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tanggap_runner",
        description="Run Tanggap on this machine: NATS JetStream plus the intake, classifier, drafter and "
        "notifier services. Settings come from TANGGAP_* environment variables (see deploy/env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start everything, restart crashed services, stop on Ctrl-C")
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(os.environ, Console(), stop)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
