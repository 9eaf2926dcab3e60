"""`python -m tanggap_runner.bench`: drive the embedded system and measure time-to-alert (`make bench`).

For each scenario (reports at a fixed rate), it starts NATS and the four services in a fresh state folder,
posts the reports over HTTP, waits until every incident is classified, drafted and announced, and reads the
timestamps back from the intake's read model:

- time-to-alert: the intake accepted the incident's first report (202) → its first notification.sent;
- time-to-first-draft: the same start → its first draft.proposed;
- the floor: a raw JetStream publish→consume round trip on the same broker (nats-py, no framework);
- the cost budget per report, per process: CPU ms (utime + stime from /proc, nats-server included), and from
  each service's /metrics the events consumed and published, and the database transactions and statements.
  Measured from the first post until every incident is complete, so it includes the bench's own polling of
  the intake (one GET per open incident a second).

Nothing lost (every accepted report classified, drafted and announced) and nothing twice (one notification
per event and recipient) are checked and reported. Results go to JSON and a PNG plot. A benchmark, not a
test: targets are reported, never asserted.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from prometheus_client.parser import text_string_to_metric_families

from tanggap_runner.system import System

# Crisis reports from several units and categories, so every one pages someone and is drafted.
REPORTS: tuple[tuple[str, str], ...] = (
    (
        "DKI-LAPAS-CIPINANG",
        "Terjadi kerusuhan di blok hunian. Seorang warga binaan tewas dan dua petugas luka.",
    ),
    (
        "JATIM-LAPAS-SURABAYA",
        "Dua narapidana kabur dengan memanjat tembok pada dini hari, petugas melakukan pengejaran.",
    ),
    ("BANTEN-LPKA-TANGERANG", "Beredar video dugaan penganiayaan terhadap Anak Binaan oleh oknum petugas."),
    (
        "KALSEL-LAPASNARKOTIKA-KARANGINTAN",
        "Polisi mengungkap peredaran sabu yang dikendalikan dari dalam lapas.",
    ),
    (
        "ACEH-LAPAS-BANDAACEH",
        "Kebakaran melanda dapur lapas, warga binaan dievakuasi, dua orang luka ringan.",
    ),
    (
        "DKI-RUTAN-JAKARTAPUSAT",
        "Dugaan pungli kamar hunian dilaporkan keluarga tahanan dan viral di media sosial.",
    ),
)

TARGETS = {"time_to_alert_p50_ms": 50.0, "time_to_alert_p99_ms": 200.0, "sustained_reports_per_s": 500.0}


@dataclass
class Scenario:
    reports: int
    rate: float


@dataclass
class Sent:
    incident_id: str
    accepted_at: datetime


@dataclass
class ScenarioResult:
    reports: int
    rate: float
    accepted: int
    refused: int
    incidents: int
    complete: int
    lost: list[str]
    duplicate_notifications: int
    send_seconds: float
    end_to_end_seconds: float
    throughput_reports_per_s: float
    time_to_alert_ms: dict[str, float]
    time_to_first_draft_ms: dict[str, float]
    floor_roundtrip_ms: dict[str, float]
    ratio_to_floor: dict[str, float]
    cost_per_report: dict[str, dict[str, float]]
    alert_samples_ms: list[float] = field(repr=False)
    draft_samples_ms: list[float] = field(repr=False)


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {
        "p50": pick(0.50),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": round(ordered[-1], 2),
        "mean": round(statistics.fmean(ordered), 2),
    }


async def jetstream_floor(url: str, rounds: int = 500) -> list[float]:
    """Sequential publish (with PubAck) → pull-consume → ack round trips on a scratch stream, in ms."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        await js.add_stream(name="BENCHFLOOR", subjects=["benchfloor.>"])
        sub = await js.pull_subscribe("benchfloor.x", durable="floor")
        samples = []
        for i in range(rounds):
            start = time.perf_counter()
            await js.publish("benchfloor.x", f'{{"i": {i}}}'.encode())
            (msg,) = await sub.fetch(1, timeout=5)
            await msg.ack()
            samples.append((time.perf_counter() - start) * 1000)
        await js.delete_stream("BENCHFLOOR")
        return samples
    finally:
        await nc.close()


# Counter families summed per service for the cost budget (the names prometheus_client's parser gives).
COUNTERS = {
    "consumed": "tanggap_events_consumed",
    "published": "tanggap_events_published",
    "transactions": "tanggap_db_transactions",
    "statements": "tanggap_db_statements",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process so far, from /proc/<pid>/stat (0 once it has gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces; fields after it are fixed
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def counters_of(text: str) -> dict[str, float]:
    totals = dict.fromkeys(COUNTERS, 0.0)
    wanted = {family: key for key, family in COUNTERS.items()}
    for family in text_string_to_metric_families(text):
        key = wanted.get(family.name)
        if key is None:
            continue
        totals[key] += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return totals


async def snapshot(system: System) -> dict[str, dict[str, float]]:
    """CPU seconds and counters of every process right now."""
    pids = {name: p.pid for name, p in system.processes.items()}
    broker = system.broker
    if broker is not None and broker.process is not None:
        pids["nats"] = broker.process.pid
    taken: dict[str, dict[str, float]] = {name: {"cpu_s": cpu_seconds(pid)} for name, pid in pids.items()}
    async with httpx.AsyncClient(timeout=10) as client:
        for name, port in system.ports.items():
            try:
                text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            except httpx.HTTPError:
                continue
            taken.setdefault(name, {}).update(counters_of(text))
    return taken


def cost_per_report(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], reports: int
) -> dict[str, dict[str, float]]:
    """What each process spent per accepted report between two snapshots, and the total over processes."""
    per = max(1, reports)
    costs: dict[str, dict[str, float]] = {}
    total: dict[str, float] = {}
    for name, end in after.items():
        start = before.get(name, {})
        row: dict[str, float] = {}
        for key, value in end.items():
            spent = (value - start.get(key, 0.0)) / per
            label = "cpu_ms" if key == "cpu_s" else key
            row[label] = round(spent * 1000 if key == "cpu_s" else spent, 2)
            total[label] = total.get(label, 0.0) + row[label]
        costs[name] = row
    costs["total"] = {k: round(v, 2) for k, v in total.items()}
    return costs


def ratio_to_floor(alerts: dict[str, float], floor: dict[str, float]) -> dict[str, float]:
    """Time to alert as a multiple of the JetStream round trip of the same run (comparable on a noisy box)."""
    base = floor.get("p50")
    if not base:
        return {}
    return {f"alert_{k}": round(alerts[k] / base, 1) for k in ("p50", "p99") if k in alerts}


async def post_reports(client: httpx.AsyncClient, scenario: Scenario, say: Any) -> tuple[list[Sent], int]:
    # Reports about one event at one unit join one incident; spreading them over every known unit and
    # several kinds of event keeps most of them separate incidents, which is what is measured.
    units = [u["code"] for u in (await client.get("/v1/units")).json()]
    run_id = uuid.uuid4().hex[:8]
    sent: list[Sent] = []
    refused = 0
    interval = 1.0 / scenario.rate
    start = time.perf_counter()

    async def one(i: int) -> None:
        nonlocal refused
        _, text = REPORTS[i % len(REPORTS)]
        unit = units[i % len(units)]
        body = {"unit_code": unit, "text": f"{text} (laporan {i})"}
        # A client retries a dropped connection with the same Idempotency-Key: never a second report.
        headers = {"Idempotency-Key": f"bench-{run_id}-{i}"}
        for attempt in range(3):
            try:
                r = await client.post("/v1/reports", json=body, headers=headers)
                break
            except httpx.TransportError:
                if attempt == 2:
                    refused += 1
                    return
                await asyncio.sleep(0.2 * (attempt + 1))
        if r.status_code == 202:
            sent.append(Sent(r.json()["incident_id"], datetime.now().astimezone()))
        else:
            refused += 1

    tasks = []
    for i in range(scenario.reports):
        delay = start + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
        if (i + 1) % max(1, scenario.reports // 5) == 0:
            say(f"  posted {i + 1}/{scenario.reports}")
    await asyncio.gather(*tasks)
    return sent, refused


def _done(incident: dict[str, Any]) -> bool:
    """Classified, drafted, and announced where announcing is due: level 1 goes into the daily digest and
    routine news pages nobody, so those are done once classified and drafted."""
    if not incident["level"]:
        return False
    if incident["crisis"] is False:
        return True
    pages = incident["level"] > 1
    return bool(incident["drafts"]) and (bool(incident["notifications"]) or not pages)


async def collect(
    client: httpx.AsyncClient, sent: list[Sent], timeout: float, say: Any
) -> dict[str, dict[str, Any]]:
    """Poll until every incident is complete, or nothing completed for `timeout` s; the final read model."""
    pending = {s.incident_id for s in sent}
    final: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    sem = asyncio.Semaphore(32)

    async def fetch(incident_id: str) -> None:
        async with sem:
            try:
                body = (await client.get(f"/v1/incidents/{incident_id}")).json()
            except httpx.TransportError:
                return  # read again on the next round
        if _done(body):
            final[incident_id] = body
            pending.discard(incident_id)

    while pending and time.monotonic() < deadline:
        before = len(pending)
        await asyncio.gather(*(fetch(i) for i in list(pending)))
        if len(pending) < before:
            deadline = time.monotonic() + timeout  # still moving: a backlog, not a loss
        if pending:
            say(f"  waiting for {len(pending)} incident(s) to be classified, drafted and announced")
            await asyncio.sleep(1.0)
    await asyncio.sleep(1.0)  # late duplicates, if any, would land now; the final read sees them
    await asyncio.gather(*(fetch(i) for i in list(final)))
    return final


def _received(incident: dict[str, Any]) -> datetime:
    """When the intake accepted the incident's first report (its own clock, the moment 202 was decided).

    The client's clock at the 202 would add the HTTP queueing of an overloaded intake and, under load, can
    come after the server already drafted: the server's time is the one both ends of the measure share."""
    return min(datetime.fromisoformat(r["received_at"]) for r in incident["reports"])


def measure(final: dict[str, dict[str, Any]]) -> tuple[list[float], list[float], int, float]:
    alerts, drafts, duplicates = [], [], 0
    starts = [_received(i) for i in final.values()]
    first = min(starts, default=datetime.now().astimezone())
    last = first
    for incident in final.values():
        start = _received(incident)
        if incident["drafts"]:
            first_draft = min(datetime.fromisoformat(d["created_at"]) for d in incident["drafts"])
            drafts.append((first_draft - start).total_seconds() * 1000)
            last = max(last, first_draft)
        if incident["notifications"]:
            first_note = min(datetime.fromisoformat(n["at"]) for n in incident["notifications"])
            alerts.append((first_note - start).total_seconds() * 1000)
            last = max(last, first_note)
        pairs = [(n["person_id"], n["trigger_event_id"]) for n in incident["notifications"]]
        duplicates += len(pairs) - len(set(pairs))
    return alerts, drafts, duplicates, (last - first).total_seconds()


async def run_scenario(scenario: Scenario, say: Any) -> ScenarioResult:
    with tempfile.TemporaryDirectory(prefix="tanggap-bench-") as state:
        say(f"scenario: {scenario.reports} reports at {scenario.rate:g}/s — starting NATS and the services")
        env = {"TANGGAP_LOG_LEVEL": "WARNING"}
        with System(Path(state), env=env, progress=lambda _m: None) as system:
            floor = await jetstream_floor(system.broker_url)
            # Idle connections expire before uvicorn's 5 s keep-alive does: reusing one the server is closing
            # is a client-side race (httpx.ReadError), not a refusal.
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200, keepalive_expiry=2.0)
            async with httpx.AsyncClient(base_url=system.base_url, timeout=60, limits=limits) as client:
                before = await snapshot(system)
                t0 = time.perf_counter()
                sent, refused = await post_reports(client, scenario, say)
                send_seconds = time.perf_counter() - t0
                final = await collect(client, sent, timeout=60, say=say)
                costs = cost_per_report(before, await snapshot(system), len(sent))
    alerts, drafts, duplicates, e2e = measure(final)
    lost = sorted({s.incident_id for s in sent} - set(final))
    alert_ms, floor_ms = percentiles(alerts), percentiles(floor)
    return ScenarioResult(
        reports=scenario.reports,
        rate=scenario.rate,
        accepted=len(sent),
        refused=refused,
        incidents=len({s.incident_id for s in sent}),
        complete=len(final),
        lost=lost,
        duplicate_notifications=duplicates,
        send_seconds=round(send_seconds, 2),
        end_to_end_seconds=round(e2e, 2),
        throughput_reports_per_s=round(len(sent) / e2e, 1) if e2e > 0 else 0.0,
        time_to_alert_ms=alert_ms,
        time_to_first_draft_ms=percentiles(drafts),
        floor_roundtrip_ms=floor_ms,
        ratio_to_floor=ratio_to_floor(alert_ms, floor_ms),
        cost_per_report=costs,
        alert_samples_ms=alerts,
        draft_samples_ms=drafts,
    )


def plot(results: list[ScenarioResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.5), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        for samples, label in (
            (r.alert_samples_ms, "time to alert"),
            (r.draft_samples_ms, "time to first draft"),
        ):
            ordered = sorted(samples)
            if ordered:
                ax.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], label=label)
        floor = r.floor_roundtrip_ms.get("p50")
        if floor is not None:
            ax.axvline(floor, color="grey", linestyle=":", label=f"JetStream round trip p50 ({floor} ms)")
        ax.axvline(TARGETS["time_to_alert_p99_ms"], color="red", linestyle="--", label="target p99 alert")
        ax.set_xscale("log")
        ax.set_xlabel("milliseconds after 202 Accepted (log scale)")
        ax.set_ylabel("share of incidents")
        ax.set_title(f"{r.reports} reports at {r.rate:g}/s")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summary(r: ScenarioResult) -> str:
    return (
        f"{r.reports} reports at {r.rate:g}/s: accepted {r.accepted} into {r.incidents} incidents, "
        f"complete {r.complete}, "
        f"lost {len(r.lost)}, duplicate notifications {r.duplicate_notifications}\n"
        f"  time to alert ms {r.time_to_alert_ms}\n"
        f"  time to first draft ms {r.time_to_first_draft_ms}\n"
        f"  end-to-end throughput {r.throughput_reports_per_s} reports/s over {r.end_to_end_seconds} s "
        f"(posting took {r.send_seconds} s)\n"
        f"  JetStream publish→consume floor ms {r.floor_roundtrip_ms}; alert / floor p50 {r.ratio_to_floor}\n"
        f"  cost per report (CPU ms, events consumed/published, transactions, statements):\n"
        + "\n".join(f"    {name:<10} {_cost_line(row)}" for name, row in r.cost_per_report.items())
    )


def _cost_line(row: dict[str, float]) -> str:
    return "  ".join(f"{key} {value:g}" for key, value in row.items())


def parse_scenarios(values: Sequence[str]) -> list[Scenario]:
    scenarios = []
    for value in values:
        count, _, rate = value.partition("@")
        scenarios.append(Scenario(int(count), float(rate)))
    return scenarios


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "scenarios", nargs="*", default=["1000@100", "3000@500"], help="COUNT@RATE, e.g. 1000@100 (reports/s)"
    )
    parser.add_argument("--out", type=Path, default=Path("artifacts/bench"), help="folder for JSON and PNG")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    def say(message: str) -> None:
        print(message, flush=True)  # noqa: T201 - progress on a long run

    results = [asyncio.run(run_scenario(s, say)) for s in parse_scenarios(args.scenarios)]
    for r in results:
        say(summary(r))
    report = {
        "targets": TARGETS,
        "machine": {"python": sys.version.split()[0]},
        "scenarios": [
            {k: v for k, v in asdict(r).items() if k not in ("alert_samples_ms", "draft_samples_ms")}
            for r in results
        ],
    }
    (args.out / "bench.json").write_text(json.dumps(report, indent=2))
    plot(results, args.out / "bench.png")
    say(f"written {args.out / 'bench.json'} and {args.out / 'bench.png'}")
    return 0 if all(not r.lost and not r.duplicate_notifications for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
