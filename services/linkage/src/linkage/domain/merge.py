"""The order-independent merge of one person's facts into a monitoring record (SPEC 8, 10).

The record is a function of the *set* of facts: every choice between facts uses the data's
own dates and sequences, ties broken by event id, so any arrival order (and any repeat) of
the same events yields the same record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from contracts import EXAM_COMPONENTS
from contracts.errors import MunicipalityUnknown
from contracts.reference import current_code, labour_market_region, province
from linkage.domain import enrichment
from linkage.domain.facts import Fact

SCOPE_START = date(2022, 1, 1)
PIP_DAYS = 70
TERM_YEARS = 3


@dataclass(frozen=True, slots=True)
class Merged:
    """What one person's facts amount to."""

    record: dict[str, Any] | None  # the monitoring record without version, when complete
    missing: tuple[str, ...]  # sources still missing (empty when complete)
    in_scope: bool | None  # None while the obligation's start is unknown
    withdrawn: bool
    monitor: dict[str, Any] = field(default_factory=dict)  # columns for the monitor's SQL
    # Where the person is: the current code of the municipal record, else of COA's koppeling.
    gemeente: str | None = None
    # Heard of only through the enrichment source: not a person the chain waits for.
    enrichment_only: bool = False

    @property
    def complete(self) -> bool:
        return self.record is not None

    def content_hash(self) -> str | None:
        if self.record is None:
            return None
        blob = json.dumps(self.record, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _ts(value: Any) -> datetime | None:
    """An aware timestamp; a naive one (records from before ingest required an offset) is UTC,
    so naive and aware values are never compared with each other."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _changed(fact: Fact) -> datetime:
    """When the source changed it: its ``gewijzigd_op``, else the event's ``ce_time``."""
    moment = _ts(fact.data.get("gewijzigd_op")) or fact.time
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _latest(facts: list[Fact], key: Any) -> Fact | None:
    return max(facts, key=lambda f: (key(f), f.event_id), default=None)


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _days(start: date | None, end: date | None) -> int | None:
    return (end - start).days if start and end else None


def _current(code: Any) -> str | None:
    if not isinstance(code, str) or not code:
        return None
    try:
        return current_code(code)
    except MunicipalityUnknown:
        return None


def current_municipal(facts: list[Fact]) -> Fact | None:
    """The municipal row in force: per (municipality, quarter) the latest release decides
    (a retraction removes the person there); across them the latest quarter wins."""
    groups: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        groups.setdefault((fact.data["municipality"], fact.data["quarter"]), []).append(fact)
    standing = []
    for group in groups.values():
        # A retraction and a row of the same release cannot both exist; the retraction wins ties.
        last = max(group, key=lambda f: (f.data["release_sequence"], f.retracted, f.event_id))
        if not last.retracted:
            standing.append(last)
    return _latest(standing, lambda f: (f.data["quarter"], f.time))


def merge(facts: list[Fact], *, today: date) -> Merged:
    facts = list({f.event_id: f for f in facts}.values())  # a repeated event is one fact
    municipal = current_municipal([f for f in facts if f.source == "municipal"])
    coa = _latest([f for f in facts if f.source == "coa"], _changed)
    duo = [f for f in facts if f.source == "duo"]
    stats = [f for f in facts if f.source == "stats"]
    if len(stats) == len(facts):
        return Merged(None, (), None, False, enrichment_only=True)
    kind = {
        k: [f for f in duo if f.data.get("kind") == k]
        for k in ("vastgesteld", "examen_uitslag", "termijn_verlengd", "beeindigd", "ingetrokken")
    }
    obligation = _latest(kind["vastgesteld"], _changed)
    # Between obligation, end and withdrawal the latest change decides (SPEC section 11); an
    # event's `datum` is the effective date it reports, never the ordering key.
    decisive = _latest([*kind["vastgesteld"], *kind["beeindigd"], *kind["ingetrokken"]], _changed)
    withdrawn = bool(obligation and decisive and decisive.data.get("kind") == "ingetrokken")
    ending = decisive if decisive is not None and decisive.data.get("kind") == "beeindigd" else None
    start = _d(obligation.data.get("datum_start_inburgeringsplicht")) if obligation else None
    in_scope = None if start is None else start >= SCOPE_START
    doelgroep = obligation.data.get("doelgroep") if obligation else None

    missing = []
    if obligation is None or withdrawn:
        missing.append("duo")
    if municipal is None:
        missing.append("municipal")
    if (
        coa is None
        and (doelgroep or (municipal.data.get("doelgroep") if municipal else None))
        == "asielstatushouder"
    ):
        missing.append("coa")
    gemeente = _current(municipal.data.get("gemeentecode") if municipal else None) or _current(
        coa.data.get("gemeentecode_koppeling") if coa else None
    )
    if missing or not in_scope:
        return Merged(None, tuple(missing), in_scope, withdrawn, gemeente=gemeente)
    assert obligation is not None
    assert municipal is not None
    assert start is not None

    m, o = municipal.data, obligation.data
    c = coa.data if coa else {}
    conflicts = []
    if m.get("doelgroep") and m["doelgroep"] != doelgroep:
        conflicts.append("doelgroep")
    code = m.get("gemeentecode")
    try:
        actueel = current_code(code) if code else None
        provincie = province(actueel) if actueel else None
        regio = labour_market_region(actueel) if actueel else None
    except MunicipalityUnknown:
        actueel = provincie = regio = None
    if (
        c.get("gemeentecode_koppeling")
        and actueel
        and current_code(c["gemeentecode_koppeling"]) != actueel
    ):
        conflicts.append("gemeentecode")

    kennisgeving = _d(o.get("datum_kennisgeving"))
    brp = _d(m.get("datum_inschrijving_brp"))
    basis = max((d for d in (kennisgeving, brp) if d), default=None)
    deadline = basis + timedelta(days=PIP_DAYS) if basis else None
    pip = _d(m.get("datum_eerste_pip"))
    if pip and deadline:
        tijdig: bool | None = pip <= deadline
    elif deadline and not pip and deadline < today:
        tijdig = False
    else:
        tijdig = None

    extensions: dict[str, Fact] = {}
    for fact in kind["termijn_verlengd"]:
        besluit = str(fact.data.get("besluit_id"))
        chosen = extensions.get(besluit)
        if chosen is None or (_d(fact.data.get("datum_besluit")), fact.event_id) > (
            _d(chosen.data.get("datum_besluit")),
            chosen.event_id,
        ):
            extensions[besluit] = fact
    weeks = sum(int(f.data.get("verlenging_weken") or 0) for f in extensions.values())
    termijn_start = pip + timedelta(days=1) if pip else None
    termijn_einde = add_years(pip, TERM_YEARS) + timedelta(days=7 * weeks) if pip else None

    passed: dict[str, date] = {}
    for fact in kind["examen_uitslag"]:
        if fact.data.get("resultaat") == "behaald":
            component, when = fact.data.get("onderdeel"), _d(fact.data.get("datum_examen"))
            if component and when and (component not in passed or when < passed[component]):
                passed[component] = when
    all_passed = max(passed.values()) if set(EXAM_COMPONENTS) <= passed.keys() else None

    status = ending.data.get("reden") if ending else "lopend"
    huisvesting = _d(c.get("datum_huisvesting"))
    intake = _d(m.get("datum_start_brede_intake"))
    found = enrichment.horizons(start, stats)
    enriched = enrichment.record_fields(found)
    used = [
        municipal,
        coa,
        obligation,
        *kind["examen_uitslag"],
        *extensions.values(),
        ending,
        *enrichment.used(found),
    ]
    record = {
        "cohort": start.year,
        "doelgroep": doelgroep,
        "gemeentecode": code,
        "gemeentecode_actueel": actueel,
        "provincie": provincie,
        "datum_start_inburgeringsplicht": start.isoformat(),
        "datum_kennisgeving": o.get("datum_kennisgeving"),
        "datum_verblijfsvergunning": c.get("datum_verblijfsvergunning"),
        "datum_koppeling": c.get("datum_koppeling"),
        "datum_huisvesting": c.get("datum_huisvesting"),
        "datum_inschrijving_brp": m.get("datum_inschrijving_brp"),
        "datum_start_brede_intake": m.get("datum_start_brede_intake"),
        "datum_eerste_pip": m.get("datum_eerste_pip"),
        "leerroute": m.get("leerroute"),
        "pip_deadline": deadline.isoformat() if deadline else None,
        "pip_tijdig": tijdig,
        "termijn_start": termijn_start.isoformat() if termijn_start else None,
        "termijn_einde": termijn_einde.isoformat() if termijn_einde else None,
        "examens_behaald": sorted(passed),
        "status": status,
        "dagen_vergunning_tot_koppeling": _days(
            _d(c.get("datum_verblijfsvergunning")), _d(c.get("datum_koppeling"))
        ),
        "dagen_koppeling_tot_huisvesting": _days(_d(c.get("datum_koppeling")), huisvesting),
        "dagen_huisvesting_tot_intake": _days(huisvesting, intake),
        "dagen_kennisgeving_tot_pip": _days(kennisgeving, pip),
        **enriched,
        "conflicts": sorted(conflicts),
        "source_event_ids": sorted(f.event_id for f in used if f is not None),
    }
    monitor = {
        "cohort": start.year,
        "doelgroep": doelgroep,
        "gemeente": actueel,
        "provincie": provincie,
        "arbeidsmarktregio": regio,
        "leerroute": m.get("leerroute"),
        "datum_start": start,
        "datum_kennisgeving": kennisgeving,
        "datum_vergunning": _d(c.get("datum_verblijfsvergunning")),
        "datum_koppeling": _d(c.get("datum_koppeling")),
        "datum_huisvesting": huisvesting,
        "datum_intake": intake,
        "datum_pip": pip,
        "pip_deadline": deadline,
        "datum_examens_alle_behaald": all_passed,
        "datum_voldaan": _d(ending.data.get("datum")) if ending and status == "voldaan" else None,
        "status": status,
        "datum_einde": _d(ending.data.get("datum")) if ending else None,
        **{f"examen_{component}": passed.get(component) for component in EXAM_COMPONENTS},
        **enriched,
        **enrichment.month_ends(found),
    }
    return Merged(record, (), True, withdrawn, monitor, gemeente=actueel or gemeente)
