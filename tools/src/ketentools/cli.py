"""`ketenmonitor`: operator commands over the services' HTTP APIs and the dead-letter topic.

    ketenmonitor deadletters list [--limit N]
    ketenmonitor deadletters replay (--offset P:O ... | --reason CODE)
    ketenmonitor monitor [--as-of DATE] [--by cohort,doelgroep] [--csv FILE] [--png FILE]
    ketenmonitor coverage
    ketenmonitor overdue [--as-of DATE]
    ketenmonitor report (--year YEAR [--as-of DATE] | --publication ID) --out FILE.html|.pdf ...

Service addresses and the admin token come from the environment: KETENMONITOR_REGISTRY_URL,
KETENMONITOR_INGEST_URL, KETENMONITOR_LINKAGE_URL (default localhost 8001-8003),
KETENMONITOR_ADMIN_TOKEN and KAFKA_BOOTSTRAP_SERVERS.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from contracts.access import BY_PRINCIPAL
from contracts.deadletter import HEADER_ERROR_CODE, HEADER_ERROR_DETAIL, HEADER_ORIGINAL_TOPIC
from ketenkit.settings import ServiceSettings
from ketenreport import fetch_sources, write
from ketentools.rebuild import rebuild_linkage

DEADLETTER = "deadletter.v1"
#: The topics the operator principal may write back to (contracts.access).
REPLAYABLE = frozenset(topic.name for topic in BY_PRINCIPAL["operator"].writes)
MEASURES = (
    "brede_intake_gestart",
    "pip_vastgesteld",
    "pip_tijdig",
    "examens_alle_behaald",
    "voldaan",
)


def _url(service: str) -> str:
    port = {"registry": 8001, "ingest": 8002, "linkage": 8003}[service]
    return os.environ.get(f"KETENMONITOR_{service.upper()}_URL", f"http://127.0.0.1:{port}")


def get(service: str, path: str) -> Any:
    return json.loads(fetch(service, path, "application/json"))


def fetch(service: str, path: str, accept: str) -> bytes:
    request = urllib.request.Request(_url(service) + path)  # noqa: S310
    request.add_header("Authorization", f"Bearer {os.environ.get('KETENMONITOR_ADMIN_TOKEN', '')}")
    request.add_header("Accept", accept)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        raise SystemExit(
            f"{service} answered {exc.code}: {exc.read().decode(errors='replace')}"
        ) from None
    except OSError as exc:
        raise SystemExit(f"{service} is not reachable at {_url(service)}: {exc}") from None


def kafka_login() -> dict[str, Any]:
    """aiokafka's SASL arguments from the services' ``KETENMONITOR_KAFKA_*`` variables (none for
    PLAINTEXT); on a broker with ACLs the operator logs in as the ``operator`` principal."""
    return ServiceSettings(service_name="ketenmonitor-cli").kafka_client_options()


async def _read_deadletters(bootstrap: str, topic: str) -> list[Any]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **kafka_login(),
    )
    await consumer.start()
    records: list[Any] = []
    try:
        while batches := await consumer.getmany(timeout_ms=1500):
            for batch in batches.values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return sorted(records, key=lambda r: (r.partition, r.offset))


def _headers(record: Any) -> dict[str, str]:
    return {k: v.decode("utf-8", "replace") for k, v in record.headers}


def deadletters_list(bootstrap: str, topic: str, limit: int) -> None:
    records = asyncio.run(_read_deadletters(bootstrap, topic))
    print(f"{len(records)} dead letter(s) on {topic}")
    for record in records[-limit:]:
        h = _headers(record)
        print(
            f"{record.partition}:{record.offset}  {h.get(HEADER_ORIGINAL_TOPIC, '?')}  "
            f"{h.get(HEADER_ERROR_CODE, '?')}  {h.get(HEADER_ERROR_DETAIL, '')}  "
            f"ce_id={h.get('ce_id', '-')}"
        )


async def _replay(bootstrap: str, topic: str, offsets: set[str], reason: str | None) -> int:
    records = await _read_deadletters(bootstrap, topic)
    chosen = [
        r
        for r in records
        if f"{r.partition}:{r.offset}" in offsets
        or (reason and _headers(r).get(HEADER_ERROR_CODE) == reason)
    ]
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", **kafka_login()
    )
    await producer.start()
    replayed = 0
    try:
        for record in chosen:
            original = _headers(record).get(HEADER_ORIGINAL_TOPIC, "")
            name = original.removeprefix(topic.removesuffix(DEADLETTER))
            if name not in REPLAYABLE:
                # Feed dead letters hold a masked BSN: the supplier (COA/DUO) must send them
                # again; a contact's state comes anew from the registry with its next change.
                print(
                    f"skip {record.partition}:{record.offset}: {original} events are not "
                    "replayed (their sender must send them again)"
                )
                continue
            headers = [(k, v) for k, v in record.headers if not k.startswith("x-")]
            await producer.send_and_wait(original, record.value, key=record.key, headers=headers)
            replayed += 1
    finally:
        await producer.stop()
    return replayed


def monitor(as_of: str | None, by: str, csv_path: Path | None, png_path: Path | None) -> None:
    query = f"?by={by}" + (f"&as_of={as_of}" if as_of else "")
    # The API's own CSV, as it is: every measure's count and percentage, and `provisional`.
    text = fetch("linkage", "/v1/monitor" + query, "text/csv").decode("utf-8")
    if csv_path:
        csv_path.write_text(text, encoding="utf-8")
        print(f"wrote {csv_path}")
    else:
        sys.stdout.write(text)
    if png_path:
        chart(get("linkage", "/v1/monitor" + query), png_path)
        print(f"wrote {png_path}")


def bars(
    table: dict[str, Any], measure: str, *, offset: float = 0.0
) -> tuple[list[tuple[float, float]], list[float]]:
    """(x, percentage) of the bars of ``measure``, and the x of its suppressed cells."""
    shown, gaps = [], []
    for x, row in enumerate(table["rows"]):
        pct = row[measure]["pct"]
        if pct is None:
            gaps.append(x + offset)
        else:
            shown.append((x + offset, float(pct)))
    return shown, gaps


def chart(table: dict[str, Any], path: Path) -> None:
    """A grouped bar chart of the percentages; a suppressed one is a marked gap ("x"), never a
    bar of 0 %."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [" / ".join(str(row[k]) for k in table["by"]) for row in table["rows"]]
    figure, axes = plt.subplots(figsize=(max(6.0, 1.6 * len(labels) + 3), 4.5))
    width = 0.8 / len(MEASURES)
    for i, measure in enumerate(MEASURES):
        shown, gaps = bars(table, measure, offset=i * width)
        axes.bar([x for x, _ in shown], [v for _, v in shown], width, label=measure)
        for x in gaps:
            axes.text(x, 1, "x", ha="center", va="bottom", fontsize="small", color="dimgray")
    axes.set_xticks(
        [x + 0.4 - width / 2 for x in range(len(labels))], labels, rotation=20, ha="right"
    )
    axes.set_ylabel("% (x: suppressed, fewer than 10 persons)")
    axes.set_ylim(0, 100)
    axes.set_title(
        f"Monitor Wet inburgering 2021, as of {table['as_of']}"
        + (
            " (provisional: " + ", ".join(map(str, table["provisional_cohorts"])) + ")"
            if table["provisional_cohorts"]
            else ""
        )
    )
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="ketenmonitor", description="Ketenmonitor operator commands"
    )
    parser.add_argument(
        "--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
    )
    parser.add_argument("--topic-prefix", default=os.environ.get("KETENMONITOR_TOPIC_PREFIX", ""))
    commands = parser.add_subparsers(dest="command", required=True)
    dead = commands.add_parser("deadletters", help="list or replay dead letters")
    dead_commands = dead.add_subparsers(dest="action", required=True)
    listing = dead_commands.add_parser("list")
    listing.add_argument("--limit", type=int, default=50)
    replay = dead_commands.add_parser(
        "replay", help="send dead letters back to their original topic"
    )
    replay.add_argument(
        "--offset", action="append", default=[], help="partition:offset, repeatable"
    )
    replay.add_argument("--reason", help="every dead letter with this x-error-code")
    mon = commands.add_parser("monitor", help="the monitor table as CSV, and a PNG chart")
    mon.add_argument("--as-of")
    mon.add_argument("--by", default="cohort,doelgroep")
    mon.add_argument("--csv", type=Path)
    mon.add_argument("--png", type=Path)
    commands.add_parser(
        "coverage", help="municipalities with and without an active primary contact"
    )
    overdue = commands.add_parser("overdue", help="overdue municipal deliveries")
    overdue.add_argument("--as-of")
    yearly = commands.add_parser(
        "report", help="the yearly monitor report (Statistiek Wet inburgering), HTML or PDF"
    )
    yearly.add_argument("--year", type=int)
    yearly.add_argument("--as-of", type=date.fromisoformat, help="default: the year's last day")
    yearly.add_argument("--publication", help="the figures a publication froze, not live ones")
    yearly.add_argument(
        "--out", type=Path, action="append", required=True, help=".html or .pdf, repeatable"
    )
    rebuild = commands.add_parser(
        "rebuild", help="build linkage again from records.* into an empty store, and compare"
    )
    rebuild.add_argument("service", choices=["linkage"])
    rebuild.add_argument("--database-url", required=True, help="an empty store for the rebuild")
    rebuild.add_argument("--port", type=int, default=8013)
    rebuild.add_argument("--timeout", type=float, default=3600)
    rebuild.add_argument(
        "--as-of", action="append", default=[], help="dates to compare the monitor on"
    )
    args = parser.parse_args(argv)
    topic = args.topic_prefix + DEADLETTER
    if args.command == "deadletters":
        if args.action == "replay" and not args.offset and not args.reason:
            parser.error("replay needs --offset or --reason")
        try:
            if args.action == "list":
                deadletters_list(args.bootstrap, topic, args.limit)
            else:
                count = asyncio.run(_replay(args.bootstrap, topic, set(args.offset), args.reason))
                print(f"replayed {count} dead letter(s)")
        except KafkaError as exc:
            raise SystemExit(
                f"Kafka at {args.bootstrap}: {type(exc).__name__}: {exc} (a broker with ACLs "
                "needs KETENMONITOR_KAFKA_SECURITY_PROTOCOL, _SASL_MECHANISM, _USERNAME, _PASSWORD)"
            ) from None
    elif args.command == "rebuild":
        today = date.today()
        days = [date.fromisoformat(d) for d in args.as_of] or [
            date(today.year - 1, 12, 31),
            today,
        ]
        outcome = rebuild_linkage(
            database_url=args.database_url,
            port=args.port,
            running=_url("linkage"),
            token=os.environ.get("KETENMONITOR_ADMIN_TOKEN", ""),
            bootstrap=args.bootstrap,
            topic_prefix=args.topic_prefix,
            timeout=args.timeout,
            as_of=days,
        )
        print("\n".join(outcome.lines))
        print("the rebuild equals the running linkage" if outcome.equal else "they differ")
        if not outcome.equal:
            raise SystemExit(1)
    elif args.command == "monitor":
        monitor(args.as_of, args.by, args.csv, args.png)
    elif args.command == "report":
        if (args.year is None) == (args.publication is None):
            parser.error("report needs --year or --publication (not both)")
        sources = fetch_sources(get, year=args.year, as_of=args.as_of, publication=args.publication)
        if sources.quality is None:
            print(f"without delivery quality: {sources.quality_missing}", file=sys.stderr)
        for out in args.out:
            print(f"wrote {write(sources, out)}")
    elif args.command == "coverage":
        coverage = get("registry", "/v1/coverage")
        print(
            f"{coverage['with_active_primary']} of {coverage['total']} municipalities have an "
            f"active primary contact (as of {coverage['as_of']}); without: "
            f"{', '.join(coverage['without_active_primary']) or 'none'}"
        )
    else:
        report = get(
            "ingest", "/v1/deliveries/overdue" + (f"?as_of={args.as_of}" if args.as_of else "")
        )
        print(f"{report['count']} overdue delivery(ies) as of {report['as_of']}")
        for item in report["items"][:200]:
            print(f"{item['municipality']} {item['quarter']} (due {item['due_date']})")


if __name__ == "__main__":
    main()
