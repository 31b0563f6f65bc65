"""A small synthetic demo, loaded through the real interfaces (HTTP and the feed topics).

Registers and approves one contact per municipality, uploads and releases a quarter per
municipality, sends matching DUO and COA events, and waits until linkage shows the figures.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity

from contracts import Envelope
from contracts.enrichment import HORIZONS, MEASURES, month_after, month_end
from ketenkit import Outgoing, publish_all

MUNICIPALITIES = ("GM0344", "GM0363", "GM0014")
QUARTER = "2024-Q4"
WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


def valid_bsn(rng: random.Random) -> str:
    while True:
        first = f"{rng.randrange(10_000_000, 99_999_999):08d}"
        check = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11
        if check <= 9:
            return first + str(check)


@dataclass
class Person:
    bsn: str
    municipality: str
    doelgroep: str
    start: date
    notice: date
    brp: date
    intake: date | None
    pip: date | None
    leerroute: str | None

    def months(self) -> dict[str, str]:
        """CBS's category per month, from the start month to 12 months in (its own seed, so
        the other fields stay as they were before the enrichment source existed)."""
        rng = random.Random(self.bsn)  # noqa: S311 - synthetic data, not security
        weights = DEMO_CATEGORIES[self.doelgroep == "asielstatushouder"]
        category = rng.choices(list(weights), list(weights.values()))[0]
        found = {}
        for n in range(13):
            if rng.random() < 0.15:  # now and then a person's situation changes
                category = rng.choices(list(weights), list(weights.values()))[0]
            found[month_after(self.start, n)] = category
        return found


#: Category weights of the demo (asylum status holders: True); illustrative, not CBS figures.
DEMO_CATEGORIES = {
    True: {"werknemer": 15, "bijstand": 70, "scholier_student": 5, "overig": 10},
    False: {
        "werknemer": 40,
        "zelfstandige": 5,
        "bijstand": 10,
        "scholier_student": 10,
        "overig": 35,
    },
}


def people(rng: random.Random, per_municipality: int) -> list[Person]:
    result = []
    for code in MUNICIPALITIES:
        for _ in range(per_municipality):
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 240))
            notice = start + timedelta(days=rng.randrange(3, 20))
            brp = start + timedelta(days=rng.randrange(0, 30))
            intake = notice + timedelta(days=rng.randrange(10, 80)) if rng.random() < 0.8 else None
            pip = (
                (intake + timedelta(days=rng.randrange(10, 60)))
                if intake and rng.random() < 0.8
                else None
            )
            if pip and pip > date(2024, 12, 31):
                pip = None
            if intake and intake > date(2024, 12, 31):
                intake = pip = None
            result.append(
                Person(
                    bsn=valid_bsn(rng),
                    municipality=code,
                    doelgroep=rng.choices(
                        ["asielstatushouder", "gezinsmigrant", "overige_migrant"], [6, 3, 1]
                    )[0],
                    start=start,
                    notice=notice,
                    brp=brp,
                    intake=intake,
                    pip=pip,
                    leerroute=rng.choice(["b1", "b1", "onderwijs", "z"]) if pip else None,
                )
            )
    return result


def call(
    method: str,
    url: str,
    token: str | None = None,
    body: bytes | None = None,
    content_type: str = "application/json",
    *,
    timeout: float = 60,
) -> Any:
    request = urllib.request.Request(url, data=body, method=method)  # noqa: S310
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body is not None:
        request.add_header("content-type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        if exc.code < 500 and exc.code not in (401, 404):
            detail = exc.read().decode("utf-8", "replace")[:500]
            raise SystemExit(
                f"{method} {url.split('?')[0]} answered {exc.code}: {detail}"
            ) from None
        raise


def until(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"demo: {what} did not happen within {seconds}s")


def csv_for(persons: list[Person]) -> bytes:
    lines = [
        "bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_start_brede_intake;datum_eerste_pip;leerroute"
    ]
    for p in persons:
        lines.append(
            ";".join(
                [
                    p.bsn,
                    p.municipality,
                    p.doelgroep,
                    p.brp.isoformat(),
                    p.intake.isoformat() if p.intake else "",
                    p.pip.isoformat() if p.pip else "",
                    p.leerroute or "",
                ]
            )
        )
    return ("\n".join(lines) + "\n").encode()


def cbs_month(
    event_id: str, bsn: str, month: str, category: str, *, later: timedelta = timedelta()
) -> Envelope:
    """CBS's category of a person in a month, established 20 days after the month ended (and
    ``later`` for a correction)."""
    ended = datetime.combine(month_end(month), datetime.min.time(), tzinfo=UTC)
    return Envelope(
        id=event_id,
        source="urn:nld:cbs:stats",
        type="nl.cbs.sociaaleconomisch.maand",
        data={
            "bsn": bsn,
            "maand": month,
            "categorie": category,
            "gewijzigd_op": (ended + timedelta(days=20) + later).isoformat(),
        },
    )


def feed_events(persons: list[Person], prefix: str, *, ids: str = "demo") -> list[Outgoing]:
    """COA, DUO and CBS events of ``persons``; ``ids`` keeps their event ids apart from another
    load's (the same source and id with other data is dead-lettered as ``id_reused``)."""
    events = []
    for n, p in enumerate(persons):
        changed = datetime.combine(p.notice, datetime.min.time(), tzinfo=UTC).isoformat()
        duo = Envelope(
            id=f"{ids}-duo-{n}",
            source="urn:nld:duo:feed",
            type="nl.duo.inburgeringsplicht.vastgesteld",
            data={
                "bsn": p.bsn,
                "datum_start_inburgeringsplicht": p.start.isoformat(),
                "datum_kennisgeving": p.notice.isoformat(),
                "doelgroep": p.doelgroep,
                "gewijzigd_op": changed,
            },
        )
        events.append(Outgoing.event(prefix + "feeds.duo.v1", duo, p.bsn))
        if p.doelgroep == "asielstatushouder":
            coa = Envelope(
                id=f"{ids}-coa-{n}",
                source="urn:nld:coa:feed",
                type="nl.coa.vergunninghouder.gewijzigd",
                data={
                    "bsn": p.bsn,
                    "datum_verblijfsvergunning": (p.start - timedelta(days=30)).isoformat(),
                    "gemeentecode_koppeling": p.municipality,
                    "datum_koppeling": (p.start - timedelta(days=10)).isoformat(),
                    "datum_huisvesting": p.brp.isoformat(),
                    "gewijzigd_op": changed,
                },
            )
            events.append(Outgoing.event(prefix + "feeds.coa.v1", coa, p.bsn))
        for month, category in p.months().items():
            month_event = cbs_month(f"{ids}-cbs-{n}-{month}", p.bsn, month, category)
            events.append(Outgoing.event(prefix + "feeds.stats.v1", month_event, p.bsn))
    return events


async def publish_feeds(
    bootstrap: str, messages: list[Outgoing], partners: Mapping[str, BaseSecurity] | None
) -> None:
    """Publish the feeds, each through its partner's own login when the broker has ACLs."""
    if partners is None:
        async with KafkaBroker(bootstrap) as broker:
            await broker.start()
            await publish_all(broker, messages)
        return
    for partner, security in partners.items():
        mine = [m for m in messages if m.topic.endswith(f"feeds.{partner}.v1")]
        async with KafkaBroker(bootstrap, security=security) as broker:
            await broker.start()
            await publish_all(broker, mine)


def validated(ingest: str, delivery: dict[str, Any], token: str, timeout: float = 600) -> Any:
    """The delivery once its validation ended (an upload may answer while still `received`)."""
    url = f"{ingest}/v1/deliveries/{delivery['delivery_id']}"
    deadline = time.monotonic() + timeout
    while delivery["status"] == "received":
        if time.monotonic() > deadline:
            raise SystemExit(f"delivery {delivery['delivery_id']} still received after {timeout}s")
        time.sleep(0.1)
        delivery = call("GET", url, token)
    return delivery


def register_contact(
    urls: dict[str, str], admin_token: str, code: str, *, role: str, label: str
) -> str:
    """Register a contact for ``code`` and approve it as the admin; return its token."""
    registration = {
        "municipality_codes": [code],
        "role": role,
        "berichtgever": {"name": f"Gemeente {code}", "kind": "gemeente", "software_package": label},
        "contact": {
            "name": f"{label} contact {code}",
            "email": f"{label.lower()}.{code.lower()}@example.nl",
        },
    }
    created = call(
        "POST", f"{urls['registry']}/v1/registrations", body=json.dumps(registration).encode()
    )
    call(
        "POST", f"{urls['registry']}/v1/contacts/{created['contact_id']}/approve", admin_token, b""
    )
    return str(created["token"])


def demo_people(per_municipality: int = 40, seed: int = 2024) -> list[Person]:
    """The demo's persons: the same for the same seed."""
    return people(random.Random(seed), per_municipality)  # noqa: S311 - synthetic, not security


def load_demo(
    *,
    urls: dict[str, str],
    admin_token: str,
    bootstrap: str,
    prefix: str = "",
    per_municipality: int = 40,
    seed: int = 2024,
    partners: Mapping[str, BaseSecurity] | None = None,
) -> dict[str, Any]:
    """Drive the stack through its real interfaces; return linkage's monitor table.

    ``partners`` maps ``coa``, ``duo`` and ``stats`` to their Kafka logins on a broker with ACLs.
    """
    persons = demo_people(per_municipality, seed)
    for code in MUNICIPALITIES:
        token = register_contact(urls, admin_token, code, role="primary", label="Demo")
        until(
            lambda t=token: call("GET", f"{urls['ingest']}/v1/deliveries", t) is not None,
            30,
            f"ingest learning {code}'s contact",
        )
        mine = [p for p in persons if p.municipality == code]
        delivery = call(
            "POST",
            f"{urls['ingest']}/v1/deliveries?municipality={code}&quarter={QUARTER}",
            token,
            csv_for(mine),
            "text/csv",
        )
        delivery = validated(urls["ingest"], delivery, token)
        call(
            "POST", f"{urls['ingest']}/v1/deliveries/{delivery['delivery_id']}/release", token, b""
        )
    asyncio.run(publish_feeds(bootstrap, feed_events(persons, prefix), partners))
    expected = len(persons)

    def linked() -> bool:
        # The demo's municipalities only: a stack may hold other persons too (tests share one).
        url = f"{urls['linkage']}/v1/monitor?as_of=2024-12-31&by=gemeente"
        table = call("GET", url, admin_token)
        mine = [row for row in table["rows"] if row.get("gemeente") in MUNICIPALITIES]
        return sum(row["n"] or 0 for row in mine) == expected

    until(linked, 120, "linking every demo person")
    return dict(
        call(
            "GET", f"{urls['linkage']}/v1/monitor?as_of=2024-12-31&by=cohort,doelgroep", admin_token
        )
    )


def print_table(table: dict[str, Any]) -> None:
    measures = ["brede_intake_gestart", "pip_vastgesteld", "pip_tijdig", "leerroute_b1", "voldaan"]
    print(f"\nMonitor as of {table['as_of']} (by {', '.join(table['by'])}; x = suppressed):")
    print(" | ".join(["group", "n", *measures]))
    for row in table["rows"]:
        group = ",".join(str(row[k]) for k in table["by"])
        cells = [
            f"{row[m]['n'] if row[m]['n'] is not None else 'x'} "
            f"({row[m]['pct'] if row[m]['pct'] is not None else 'x'}%)"
            for m in measures
        ]
        print(" | ".join([group, str(row["n"] if row["n"] is not None else "x"), *cells]))


def _suppress(count: int) -> int | None:
    return None if 0 < count < 10 else count


def _pct(numerator: int, denominator: int) -> float | None:
    if _suppress(numerator) is None or denominator < 10:
        return None
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def ground_truth(persons: list[Person], as_of: date) -> dict[str, Any]:
    """The monitor table (by cohort, doelgroep) a correct system must show for these persons,
    computed from the generated data itself, independently of linkage's code."""
    groups: dict[tuple[int, str], list[Person]] = {}
    for p in persons:
        if p.start <= as_of and p.start >= date(2022, 1, 1):
            groups.setdefault((p.start.year, p.doelgroep), []).append(p)
    rows = []
    for (cohort, doelgroep), members in sorted(groups.items()):
        n = len(members)
        intake = sum(1 for p in members if p.intake and p.intake <= as_of)
        with_pip = [p for p in members if p.pip and p.pip <= as_of]
        deadline = {id(p): max(p.notice, p.brp) + timedelta(days=70) for p in members}
        passed = [p for p in members if deadline[id(p)] <= as_of]
        on_time = sum(1 for p in passed if p.pip and p.pip <= deadline[id(p)])
        routes = {r: sum(1 for p in with_pip if p.leerroute == r) for r in ("b1", "onderwijs", "z")}

        def measure(numerator: int, denominator: int) -> dict[str, Any]:
            return {"n": _suppress(numerator), "pct": _pct(numerator, denominator)}

        enriched = {}
        categories = [(p, p.months()) for p in members]  # each person's months drawn once
        for months in HORIZONS:
            known = [
                by_month[month]
                for p, by_month in categories
                if month_end(month := month_after(p.start, months)) <= as_of and month in by_month
            ]
            for name, counted in MEASURES.items():
                count = sum(1 for category in known if category in counted)
                enriched[f"{name}_{months}m"] = measure(count, len(known))

        rows.append(
            {
                "cohort": cohort,
                "doelgroep": doelgroep,
                "n": _suppress(n),
                "provisional": cohort == as_of.year,
                "brede_intake_gestart": measure(intake, n),
                "pip_vastgesteld": measure(len(with_pip), n),
                "pip_tijdig": measure(on_time, len(passed)),
                **{f"leerroute_{r}": measure(c, len(with_pip)) for r, c in routes.items()},
                "examens_alle_behaald": measure(0, n),
                "voldaan": measure(0, n),
                **enriched,
            }
        )
    return {
        "as_of": as_of.isoformat(),
        "by": ["cohort", "doelgroep"],
        "provisional_cohorts": [as_of.year] if any(r["provisional"] for r in rows) else [],
        "rows": rows,
    }
