"""News monitoring over real HTTP: RSS and Atom feeds from a local stand-in news site, parsed with
feedparser; negative items about a known unit become reports, everything about corrections is tallied,
and a burst of negative coverage raises media.spike_detected once."""

import asyncio
from email.utils import format_datetime
from pathlib import Path

import httpx
from fastapi import FastAPI
from fastapi.responses import Response

from tanggap_intake.feeds import poll_feeds
from tanggap_runner.nats import NatsServer
from tanggap_shared.events import MediaSpikeDetected, utcnow

from .conftest import incident, intake_settings, published, running_intake, runtime_of, serve_asgi

NOW = utcnow()
RSS_ITEMS = [
    ("rss-1", "Tiga napi kabur dari Lapas Cipinang lewat gorong-gorong", "Petugas melakukan pengejaran."),
    (
        "rss-2",
        "Petugas Lapas Cipinang gagalkan penyelundupan sabu",
        "Sabu disembunyikan dalam <b>titipan</b> makanan.",
    ),
    ("rss-3", "Harga cabai naik menjelang akhir tahun", "Pedagang di pasar induk mengeluh."),
    ("rss-4", "Napi kabur dari sebuah lapas di daerah", "Polisi masih memburu."),
]
ATOM_ITEMS = [
    (
        "tag:news.example,2026:a1",
        "Kericuhan pecah di Lapas Cipinang, dua WBP luka",
        "Video kericuhan beredar.",
    ),
    (
        "tag:news.example,2026:a2",
        "Video viral pungli kunjungan di Lapas Cipinang",
        "Warganet ramai mengecam.",
    ),
]


def rss() -> str:
    items = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>https://news.example/{guid}</link>"
        f"<description><![CDATA[{summary}]]></description><pubDate>{format_datetime(NOW)}</pubDate></item>"
        for guid, title, summary in RSS_ITEMS
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Berita</title>{items}</channel></rss>'


def atom() -> str:
    stamp = NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = "".join(
        f'<entry><id>{guid}</id><title>{title}</title><link href="https://news.example/atom/{i}"/>'
        f"<updated>{stamp}</updated><summary>{summary}</summary></entry>"
        for i, (guid, title, summary) in enumerate(ATOM_ITEMS)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Portal</title><id>urn:portal</id><updated>{stamp}</updated>{entries}</feed>"
    )


def news_site() -> FastAPI:
    app = FastAPI()
    app.get("/rss.xml")(lambda: Response(rss(), media_type="application/rss+xml"))
    app.get("/atom.xml")(lambda: Response(atom(), media_type="application/atom+xml"))
    app.get("/broken.xml")(lambda: Response("<html>not a feed", media_type="text/html"))
    return app


async def test_feeds_make_reports_tallies_and_one_spike(nats_server: NatsServer, tmp_path: Path) -> None:
    async with serve_asgi(news_site()) as site:
        feeds = [f"{site}/rss.xml", f"{site}/atom.xml", f"{site}/broken.xml", "http://127.0.0.1:9/down.xml"]
        settings = intake_settings(
            nats_server, tmp_path, feeds=feeds, feed_poll_seconds=3600, spike_min_negative=3
        )
        async with running_intake(settings) as client:
            tally: dict[str, object] = {}
            for _ in range(200):  # the background poller runs once at start
                tally = (await client.get("/v1/media/tally")).json()
                if tally["totals"] == {"positive": 1, "negative": 4, "neutral": 0}:
                    break
                await asyncio.sleep(0.05)
            assert tally["totals"] == {"positive": 1, "negative": 4, "neutral": 0}
            by_unit = {d["unit_code"]: d for d in tally["days"]}  # type: ignore[attr-defined]
            assert by_unit["DKI-LAPAS-CIPINANG"]["negative"] == 3
            assert by_unit["DKI-LAPAS-CIPINANG"]["positive"] == 1
            assert by_unit[""]["negative"] == 1, "bad news about no known unit is tallied, not reported"

            listed = (await client.get("/v1/incidents")).json()
            assert {i["unit"]["code"] for i in listed} == {"DKI-LAPAS-CIPINANG"}
            reports = [r for i in listed for r in (await incident(client, i["id"]))["reports"]]
            assert sorted(r["text"].split("\n")[0] for r in reports) == sorted(
                [RSS_ITEMS[0][1], ATOM_ITEMS[0][1], ATOM_ITEMS[1][1]]
            )
            assert {(r["channel"], r["source"]) for r in reports} == {("feed", "media")}
            assert "https://news.example/rss-1" in [link for r in reports for link in r["links"]]

            views = [await incident(client, i["id"]) for i in listed]
            spiked = [v["id"] for v in views if "media.spike_detected" in [t["kind"] for t in v["timeline"]]]
            assert len(spiked) == 1
            spikes = await published(client, "media.spike_detected", spiked[0])
            assert len(spikes) == 1
            spike = spikes[0]
            assert isinstance(spike, MediaSpikeDetected)
            assert (spike.unit.code, spike.negative_count, spike.baseline) == ("DKI-LAPAS-CIPINANG", 3, 0.0)
            assert len(spike.links) == 3

            async with httpx.AsyncClient() as http:
                again = await poll_feeds(runtime_of(client), settings, http)
            assert (again.seen, again.kept, again.reports, again.spikes) == (6, 0, 0, 0)
            assert len(again.errors) == 2, "a broken or unreachable feed is reported, not fatal"
            assert (await client.get("/v1/media/tally")).json()["totals"]["negative"] == 4
