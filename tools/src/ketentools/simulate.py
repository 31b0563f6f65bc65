"""`make simulate`: drive a running stack with a synthetic population, and write its ground truth.

Municipalities upload and release their quarters over HTTP as registered contacts; COA's and
DUO's events and CBS's monthly categories go to the feed topics. The dirt of real chains is in
it, each at a rate: invalid rows, late and corrected deliveries (a release superseded by a
correction), nil returns, a municipality that never delivers, duplicate and out-of-order feed
events, months whose first category is corrected later, withdrawn obligations, people who move
municipality, Weesp's code in 2022-Q1. The ground truth is the monitor table a correct system
must show, computed from the population itself.

    python -m ketentools.simulate --scale 0.01 [--municipalities 20] [--truth truth.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from aiokafka import AIOKafkaProducer

from contracts import EXAM_COMPONENTS, Envelope, Quarter, to_kafka
from contracts.enrichment import HORIZONS, MEASURES, month_after, month_end
from contracts.reference import current_code, province
from ketentools.demo import call, cbs_month, register_contact, until, validated
from ketentools.population import Person, generate
from ketentools.progress import progress, stage

LAST_QUARTER = Quarter(2026, 3)  # the newest quarter every municipality has had to deliver
CUTOFF = LAST_QUARTER.end


@dataclass
class Plan:
    """What the simulation sends; ``delivered`` says which row of each person stands last."""

    deliveries: list[tuple[str, Quarter, list[str], bool]] = field(
        default_factory=list
    )  # code, q, csv rows, corrected?
    nil_returns: list[str] = field(default_factory=list)
    silent: str | None = None  # the municipality that never delivers
    standing: dict[int, Quarter] = field(default_factory=dict)  # person -> quarter of its last row
    feed: list[tuple[str, Envelope, str]] = field(default_factory=list)  # topic, event, key


def _d(day: date | None, cutoff: date) -> str:
    return day.isoformat() if day and day <= cutoff else ""


def row(person: Person, code: str, quarter: Quarter, *, leerroute: str | None = None) -> str:
    cutoff = quarter.end
    pip = _d(person.pip, cutoff)
    route = (leerroute or person.leerroute or "") if pip else ""
    return ";".join(
        [
            person.bsn,
            code,
            person.doelgroep,
            _d(person.brp, cutoff),
            _d(person.intake, cutoff),
            pip,
            route,
        ]
    )


HEADER = (
    "bsn;gemeentecode;doelgroep;datum_inschrijving_brp;datum_start_brede_intake;"
    "datum_eerste_pip;leerroute"
)


def plan(people: list[Person], *, seed: int, municipalities: list[str], dirt: float) -> Plan:
    rng = random.Random(seed + 1)  # noqa: S311 - synthetic data, not security
    result = Plan()
    by_code: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        by_code[person.municipality].append(person)
    populated = sorted(c for c in by_code if c != "GM0363" and len(by_code[c]) > 3)
    result.silent = populated[-1] if populated and dirt else None
    for code in municipalities:
        persons = by_code.get(code, [])
        if code == result.silent:
            continue
        if not persons:
            result.nil_returns.append(code)
            continue
        rows = [row(p, p.municipality, LAST_QUARTER) for p in persons]
        if (
            dirt and len(persons) >= 5 and rng.random() < 0.5
        ):  # a flawed release, then its correction
            wrong = [
                r
                if rng.random() > dirt * 5
                else row(p, p.municipality, LAST_QUARTER, leerroute="z")
                for p, r in zip(persons, rows, strict=True)
            ]
            wrong = [r for r in wrong if rng.random() > dirt * 5]
            junk = [f"{rng.randrange(10**8, 10**9)};{code};gezinsmigrant;;;;" for _ in range(3)]
            result.deliveries.append((code, LAST_QUARTER, wrong + junk, False))
        result.deliveries.append((code, LAST_QUARTER, rows, True))
        for p in persons:
            result.standing[p.number] = LAST_QUARTER
    # people who moved were delivered by their former municipality one quarter earlier
    moved: dict[str, list[Person]] = defaultdict(list)
    for p in people:
        if p.moved_from and p.moved_from in municipalities and p.municipality != result.silent:
            moved[p.moved_from].append(p)
    for code, persons in moved.items():
        q = LAST_QUARTER.previous()
        result.deliveries.append((code, q, [row(p, code, q) for p in persons], True))
    # Weesp's people, delivered by Amsterdam in 2022-Q1 under Weesp's code, then no more
    weesp = [p for p in people if p.delivered_code == "GM0457"]
    if weesp and "GM0363" in municipalities:
        q = Quarter(2022, 1)
        result.deliveries.append(("GM0363", q, [row(p, "GM0457", q) for p in weesp], True))
        for p in weesp:
            result.standing[p.number] = q
    # ... and left the chain's deliveries after that quarter (so the merged code is what stands)
    gone = {p.bsn for p in weesp}
    for _code, quarter, rows, _ in result.deliveries:
        if quarter != Quarter(2022, 1):
            rows[:] = [r for r in rows if r.split(";", 1)[0] not in gone]
    result.feed = feed_events(people, rng, dirt)
    return result


def feed_events(
    people: list[Person], rng: random.Random, dirt: float
) -> list[tuple[str, Envelope, str]]:
    events: list[tuple[str, Envelope, str]] = []

    def add(topic: str, source: str, type_: str, data: dict[str, Any], event_id: str) -> None:
        events.append(
            (topic, Envelope(id=event_id, source=source, type=type_, data=data), data["bsn"])
        )

    for p in people:
        changed = datetime.combine(p.notice, datetime.min.time(), tzinfo=UTC)
        duo = {
            "bsn": p.bsn,
            "datum_start_inburgeringsplicht": p.start.isoformat(),
            "datum_kennisgeving": p.notice.isoformat(),
            "doelgroep": p.doelgroep,
            "gewijzigd_op": changed.isoformat(),
        }
        add(
            "feeds.duo.v1",
            "urn:nld:duo:feed",
            "nl.duo.inburgeringsplicht.vastgesteld",
            duo,
            f"duo-v-{p.number}",
        )
        if dirt and rng.random() < dirt * 2:  # an older correction arriving late: it must not win
            older = {
                **duo,
                "doelgroep": "overige_migrant",
                "gewijzigd_op": (changed - timedelta(days=2)).isoformat(),
            }
            add(
                "feeds.duo.v1",
                "urn:nld:duo:feed",
                "nl.duo.inburgeringsplicht.vastgesteld",
                older,
                f"duo-v-old-{p.number}",
            )
        for n, exam in enumerate(p.exams):
            if exam.datum <= CUTOFF:
                add(
                    "feeds.duo.v1",
                    "urn:nld:duo:feed",
                    "nl.duo.examen.uitslag",
                    {
                        "bsn": p.bsn,
                        "onderdeel": exam.onderdeel,
                        "niveau": "B1",
                        "resultaat": exam.resultaat,
                        "datum_examen": exam.datum.isoformat(),
                    },
                    f"duo-e-{p.number}-{n}",
                )
        if p.extension_weeks and p.pip and p.pip <= CUTOFF:
            add(
                "feeds.duo.v1",
                "urn:nld:duo:feed",
                "nl.duo.termijn.verlengd",
                {
                    "bsn": p.bsn,
                    "verlenging_weken": p.extension_weeks,
                    "besluit_id": f"B-{p.number}",
                    "datum_besluit": p.pip.isoformat(),
                },
                f"duo-t-{p.number}",
            )
        if p.voldaan and p.voldaan <= CUTOFF:
            add(
                "feeds.duo.v1",
                "urn:nld:duo:feed",
                "nl.duo.inburgeringsplicht.beeindigd",
                {"bsn": p.bsn, "reden": "voldaan", "datum": p.voldaan.isoformat()},
                f"duo-b-{p.number}",
            )
        if p.withdrawn:
            # DUO decides on p.withdrawn; for every other person the withdrawal takes effect
            # back to before the obligation's start (it should never have been imposed), which
            # must withdraw it all the same (SPEC section 11: the change time orders, not datum).
            effective = p.start - timedelta(days=30) if p.number % 2 == 0 else p.withdrawn
            decided = datetime.combine(p.withdrawn, datetime.min.time(), tzinfo=UTC)
            add(
                "feeds.duo.v1",
                "urn:nld:duo:feed",
                "nl.duo.inburgeringsplicht.ingetrokken",
                {
                    "bsn": p.bsn,
                    "datum": effective.isoformat(),
                    "gewijzigd_op": decided.isoformat(),
                    "toelichting": "ten onrechte",
                },
                f"duo-i-{p.number}",
            )
        if p.doelgroep == "asielstatushouder" and p.permit and p.koppeling:
            add(
                "feeds.coa.v1",
                "urn:nld:coa:feed",
                "nl.coa.vergunninghouder.gewijzigd",
                {
                    "bsn": p.bsn,
                    "datum_verblijfsvergunning": p.permit.isoformat(),
                    "gemeentecode_koppeling": p.delivered_code
                    if p.koppeling < date(2022, 3, 24)
                    else p.municipality,
                    "datum_koppeling": p.koppeling.isoformat(),
                    "datum_huisvesting": _d(p.housing, CUTOFF) or None,
                    "gewijzigd_op": datetime.combine(
                        p.koppeling, datetime.min.time(), tzinfo=UTC
                    ).isoformat(),
                },
                f"coa-{p.number}",
            )
        for month, category in p.months.items():
            # Now and then a first estimate is corrected a month later (the correction must
            # win, in whatever order the two arrive).
            later = timedelta()
            if dirt and rng.random() < dirt * 2:
                estimate = "overig" if category != "overig" else "werknemer"
                first = cbs_month(f"cbs-{p.number}-{month}-first", p.bsn, month, estimate)
                events.append(("feeds.stats.v1", first, p.bsn))
                later = timedelta(days=30)
            final = cbs_month(f"cbs-{p.number}-{month}", p.bsn, month, category, later=later)
            events.append(("feeds.stats.v1", final, p.bsn))
    if dirt:  # duplicates of some events, and everything out of order
        events += rng.sample(events, k=int(len(events) * dirt))
        rng.shuffle(events)
    return events


async def publish_feed(
    bootstrap: str,
    prefix: str,
    feed: list[tuple[str, Envelope, str]],
    rate: float,
    logins: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Send the feed; on a broker with ACLs each partner's part through its own login
    (``logins``: aiokafka's security settings by partner, ``coa``, ``duo`` and ``stats``)."""
    if logins is None:
        await _publish_feed(bootstrap, prefix, feed, rate, {})
        return
    unsent = {topic for topic, _, _ in feed} - {f"feeds.{p}.v1" for p in logins}
    if unsent:
        raise ValueError(f"no partner's login for {sorted(unsent)}")
    for partner, login in logins.items():
        mine = [event for event in feed if event[0] == f"feeds.{partner}.v1"]
        await _publish_feed(bootstrap, prefix, mine, rate, login)


async def _publish_feed(
    bootstrap: str,
    prefix: str,
    feed: list[tuple[str, Envelope, str]],
    rate: float,
    login: Mapping[str, Any],
) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5, **login
    )
    await producer.start()
    try:
        started = time.monotonic()
        pending = []
        with progress("feed events", len(feed)) as shown:
            for n, (topic, envelope, key) in enumerate(feed):
                record = to_kafka(envelope, key)
                pending.append(
                    await producer.send(
                        prefix + topic,
                        record.value,
                        key=key.encode(),
                        headers=list(record.headers),
                    )
                )
                if n % 100 == 0:
                    shown.update_to(n)
                    if rate:
                        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
            await asyncio.gather(*pending)
            shown.update_to(len(feed))
    finally:
        await producer.stop()


def drive(
    plan_: Plan,
    *,
    urls: dict[str, str],
    admin_token: str,
    bootstrap: str,
    prefix: str = "",
    rate: float = 0.0,
    logins: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Register contacts, deliver and release, send the feeds (``logins``: the partners' own,
    on a broker with ACLs)."""
    tokens: dict[str, str] = {}
    stage("contacts register and are approved")
    for code in sorted({c for c, *_ in plan_.deliveries} | set(plan_.nil_returns)):
        # backups: a municipality may already have an active primary (e.g. make run's demo)
        tokens[code] = register_contact(urls, admin_token, code, role="backup", label="Sim")
    for code, token in tokens.items():
        until(
            lambda t=token: call("GET", f"{urls['ingest']}/v1/deliveries?limit=1", t) is not None,
            60,
            f"ingest learning {code}'s contact",
        )
    ingest = urls["ingest"]
    for code in plan_.nil_returns:
        call(
            "POST",
            f"{ingest}/v1/deliveries?municipality={code}&quarter={LAST_QUARTER}&nil_return=true",
            tokens[code],
            b"",
            "text/csv",
        )
    stage("municipalities deliver and release")
    with progress("deliveries", len(plan_.deliveries)) as shown:
        for code, quarter, rows, _ in plan_.deliveries:
            payload = ("\n".join([HEADER, *rows]) + "\n").encode()
            delivery = call(
                "POST",
                f"{ingest}/v1/deliveries?municipality={code}&quarter={quarter}",
                tokens[code],
                payload,
                "text/csv",
            )
            delivery = validated(ingest, delivery, tokens[code])
            call(
                "POST",
                f"{ingest}/v1/deliveries/{delivery['delivery_id']}/release?accept_partial=true",
                tokens[code],
                b"",
            )
            shown.advance()
    stage("COA and DUO send their feeds")
    asyncio.run(publish_feed(bootstrap, prefix, plan_.feed, rate, logins))


# -- ground truth -------------------------------------------------------------------------------


def _suppress(count: int) -> int | None:
    return None if 0 < count < 10 else count


def _pct(numerator: int, denominator: int) -> float | None:
    if _suppress(numerator) is None or denominator < 10:
        return None
    exact = Decimal(numerator) * 100 / Decimal(denominator)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def complete_people(people: list[Person], plan_: Plan) -> list[tuple[Person, date]]:
    """People a correct system completes, with the cutoff of the row that stands for them."""
    return [
        (p, plan_.standing[p.number].end)
        for p in people
        if p.number in plan_.standing and not p.withdrawn
    ]


def truth(
    people: list[Person],
    plan_: Plan,
    *,
    as_of: date,
    by: tuple[str, ...] = ("cohort", "doelgroep"),
) -> dict[str, Any]:
    groups: dict[tuple[Any, ...], list[tuple[Person, date]]] = defaultdict(list)
    for person, cutoff in complete_people(people, plan_):
        if person.start > as_of:
            continue
        code = current_code(
            person.delivered_code if cutoff < date(2022, 3, 24) else person.municipality
        )
        pip = person.pip if person.pip and person.pip <= cutoff else None
        keys = {
            "cohort": person.start.year,
            "doelgroep": person.doelgroep,
            "gemeente": code,
            "provincie": province(code),
            "leerroute": person.leerroute if pip else None,
        }
        groups[tuple(keys[k] for k in by)].append((person, cutoff))
    rows = []
    for key, members in sorted(groups.items(), key=lambda kv: tuple((v is None, v) for v in kv[0])):
        n = len(members)

        def known(day: date | None, cutoff: date) -> date | None:
            return day if day and day <= cutoff else None

        intake = sum(1 for p, c in members if (d := known(p.intake, c)) and d <= as_of)
        with_pip = [(p, c) for p, c in members if (d := known(p.pip, c)) and d <= as_of]
        deadlines = {
            p.number: max(p.notice, known(p.brp, c) or p.notice) + timedelta(days=70)
            for p, c in members
        }
        passed = [(p, c) for p, c in members if deadlines[p.number] <= as_of]
        on_time = sum(1 for p, c in passed if (d := known(p.pip, c)) and d <= deadlines[p.number])
        routes = {
            r: sum(1 for p, _ in with_pip if p.leerroute == r) for r in ("b1", "onderwijs", "z")
        }
        exams = 0
        components: Counter[str] = Counter()  # persons who passed each component by as_of
        for p, _ in members:
            first: dict[str, date] = {}
            for e in p.exams:
                if e.resultaat == "behaald" and e.datum <= CUTOFF:
                    first[e.onderdeel] = min(first.get(e.onderdeel, e.datum), e.datum)
            if len(first) == 5 and max(first.values()) <= as_of:
                exams += 1
            components.update(c for c, day in first.items() if day <= as_of)
        voldaan = sum(
            1 for p, _ in members if p.voldaan and p.voldaan <= CUTOFF and p.voldaan <= as_of
        )

        def measure(numerator: int, denominator: int) -> dict[str, Any]:
            return {"n": _suppress(numerator), "pct": _pct(numerator, denominator)}

        enriched: dict[str, Any] = {}
        for months in HORIZONS:
            categories_known = []
            for p, _ in members:
                month = month_after(p.start, months)
                if month_end(month) <= as_of and month in p.months:
                    categories_known.append(p.months[month])
            for name, categories in MEASURES.items():
                count = sum(1 for category in categories_known if category in categories)
                enriched[f"{name}_{months}m"] = measure(count, len(categories_known))

        row_ = dict(zip(by, key, strict=True))
        row_.update(
            {
                "n": _suppress(n),
                "provisional": row_.get("cohort") == as_of.year,
                "brede_intake_gestart": measure(intake, n),
                "pip_vastgesteld": measure(len(with_pip), n),
                "pip_tijdig": measure(on_time, len(passed)),
                **{f"leerroute_{r}": measure(c, len(with_pip)) for r, c in routes.items()},
                "examens_alle_behaald": measure(exams, n),
                "voldaan": measure(voldaan, n),
                **{f"examen_{c}": measure(components[c], n) for c in EXAM_COMPONENTS},
                **enriched,
            }
        )
        rows.append(row_)
    provisional = [as_of.year] if any(r["provisional"] for r in rows) or "cohort" not in by else []
    return {
        "as_of": as_of.isoformat(),
        "by": list(by),
        "provisional_cohorts": provisional,
        "rows": rows,
    }


def differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """The cells where the system's monitor differs from the ground truth."""
    by = want["by"]
    index = {tuple(r[k] for k in by): r for r in want["rows"]}
    cells = []
    for row_ in got["rows"]:
        key = tuple(row_[k] for k in by)
        expected = index.pop(key, None)
        if expected is None:
            cells.append(f"unexpected row {key}")
            continue
        cells += [
            f"{key}.{k}: got {v}, want {expected.get(k)}"
            for k, v in row_.items()
            if expected.get(k) != v
        ]
    cells += [f"missing row {key}" for key in index]
    return cells


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--municipalities", type=int, default=25, help="how many municipalities people live in"
    )
    parser.add_argument("--dirt", type=float, default=0.02, help="rate of each kind of dirt")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="feed events per second (0: as fast as possible)"
    )
    parser.add_argument("--as-of", default="2026-09-30")
    parser.add_argument("--truth", default="ground-truth.json")
    args = parser.parse_args(argv)
    people = generate(scale=args.scale, seed=args.seed, municipalities=args.municipalities)
    codes = sorted(
        {p.municipality for p in people}
        | {p.moved_from for p in people if p.moved_from}
        | {"GM0014"}
    )
    simulation = plan(people, seed=args.seed, municipalities=codes, dirt=args.dirt)
    urls = {
        s: os.environ.get(f"KETENMONITOR_{s.upper()}_URL", f"http://127.0.0.1:{port}")
        for s, port in (("registry", 8001), ("ingest", 8002), ("linkage", 8003))
    }
    admin = os.environ.get("KETENMONITOR_ADMIN_TOKEN", "")
    started = time.monotonic()
    drive(
        simulation,
        urls=urls,
        admin_token=admin,
        bootstrap=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092"),
        rate=args.rate,
    )
    want = truth(people, simulation, as_of=date.fromisoformat(args.as_of))
    with open(args.truth, "w", encoding="utf-8") as handle:
        json.dump(want, handle, indent=2)
    print(
        f"{len(people)} persons, {len(simulation.deliveries)} deliveries, "
        f"{len(simulation.feed)} feed events "
        f"sent in {time.monotonic() - started:.1f}s; ground truth in {args.truth}"
    )


if __name__ == "__main__":
    main()
