"""What COA, DUO and CBS send (topics ``feeds.*.v1``): the only events with a BSN."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, Field

from contracts.base import (
    BeeindigdReden,
    Bsn,
    Contract,
    Doelgroep,
    ExamenNiveau,
    ExamenOnderdeel,
    ExamenResultaat,
    Gemeentecode,
    MonthText,
    SociaalEconomischeCategorie,
)

COA_VERGUNNINGHOUDER_GEWIJZIGD = "nl.coa.vergunninghouder.gewijzigd"
DUO_VASTGESTELD = "nl.duo.inburgeringsplicht.vastgesteld"
DUO_EXAMEN_UITSLAG = "nl.duo.examen.uitslag"
DUO_TERMIJN_VERLENGD = "nl.duo.termijn.verlengd"
DUO_BEEINDIGD = "nl.duo.inburgeringsplicht.beeindigd"
DUO_INGETROKKEN = "nl.duo.inburgeringsplicht.ingetrokken"
CBS_SOCIAALECONOMISCH_MAAND = "nl.cbs.sociaaleconomisch.maand"

COA_SOURCE = "urn:nld:coa:feed"
DUO_SOURCE = "urn:nld:duo:feed"
STATS_SOURCE = "urn:nld:cbs:stats"


class CoaVergunninghouderGewijzigd(Contract):
    """COA: a status holder's permit, municipal link (koppeling) or housing changed."""

    bsn: Bsn
    v_nummer: str | None = Field(
        default=None,
        max_length=20,
        description="COA's alien number (not published further).",
        examples=["1234567890"],
    )
    datum_verblijfsvergunning: date = Field(
        description="Residence permit granted.", examples=["2024-02-01"]
    )
    gemeentecode_koppeling: Gemeentecode = Field(
        description="Municipality the person is linked to."
    )
    datum_koppeling: date = Field(
        description="Date of the link; the code must be valid then.", examples=["2024-03-15"]
    )
    datum_huisvesting: date | None = Field(
        default=None, description="Housed in the municipality.", examples=["2024-07-01"]
    )
    instemming_voorinburgering: bool | None = Field(
        default=None, description="Consent to start integration before housing.", examples=[True]
    )
    gewijzigd_op: AwareDatetime = Field(
        description="When COA changed it (RFC 3339 with an offset); the latest wins.",
        examples=["2024-07-01T09:30:00Z"],
    )


class DuoVastgesteld(Contract):
    """DUO: the civic-integration obligation was established."""

    bsn: Bsn
    datum_start_inburgeringsplicht: date = Field(
        description="Start of the obligation.", examples=["2024-01-15"]
    )
    datum_kennisgeving: date = Field(description="Date of DUO's notice.", examples=["2024-01-20"])
    doelgroep: Doelgroep = Field(description="Target group.", examples=["asielstatushouder"])
    gewijzigd_op: AwareDatetime = Field(
        description="When DUO changed it (RFC 3339 with an offset); the latest of the "
        "obligation, its end and its withdrawal wins.",
        examples=["2024-01-20T08:00:00Z"],
    )


class DuoExamenUitslag(Contract):
    """DUO: the result of one exam component."""

    bsn: Bsn
    onderdeel: ExamenOnderdeel = Field(examples=["lezen"])
    niveau: ExamenNiveau = Field(examples=["B1"])
    resultaat: ExamenResultaat = Field(examples=["behaald"])
    datum_examen: date = Field(examples=["2025-05-12"])


class DuoTermijnVerlengd(Contract):
    """DUO: the integration term was extended (counted once per decision)."""

    bsn: Bsn
    verlenging_weken: int = Field(ge=1, le=520, description="Weeks added.", examples=[26])
    besluit_id: str = Field(
        min_length=1, max_length=100, description="DUO's decision id.", examples=["BES-2025-000123"]
    )
    datum_besluit: date = Field(examples=["2025-09-01"])


class DuoBeeindigd(Contract):
    """DUO: the obligation ended (fulfilled, exemption or dispensation)."""

    bsn: Bsn
    reden: BeeindigdReden = Field(examples=["voldaan"])
    datum: date = Field(
        description="The effective date (reported, not an order).", examples=["2026-03-01"]
    )
    gewijzigd_op: AwareDatetime | None = Field(
        default=None,
        description="When DUO decided it; orders it against the obligation and a withdrawal "
        "(the event's ce_time when absent).",
        examples=["2026-03-02T10:00:00+01:00"],
    )


class DuoIngetrokken(Contract):
    """DUO: the obligation was withdrawn because it was wrongly imposed."""

    bsn: Bsn
    datum: date = Field(
        description="The effective date; may lie before the obligation's start.",
        examples=["2024-02-10"],
    )
    gewijzigd_op: AwareDatetime | None = Field(
        default=None,
        description="When DUO decided it; orders it against the obligation and an end "
        "(the event's ce_time when absent).",
        examples=["2024-02-12T09:00:00Z"],
    )
    toelichting: str | None = Field(default=None, max_length=500, description="Reason given.")


class CbsSociaalEconomischMaand(Contract):
    """CBS: a person's socio-economic category in one month, from CBS's own registers."""

    bsn: Bsn
    maand: MonthText
    categorie: SociaalEconomischeCategorie = Field(examples=["werknemer"])
    gewijzigd_op: AwareDatetime = Field(
        description="When CBS established it (RFC 3339 with an offset); for the same person "
        "and month the latest wins.",
        examples=["2025-04-20T06:00:00Z"],
    )


DUO_FEED_MODELS: dict[str, type[Contract]] = {
    DUO_VASTGESTELD: DuoVastgesteld,
    DUO_EXAMEN_UITSLAG: DuoExamenUitslag,
    DUO_TERMIJN_VERLENGD: DuoTermijnVerlengd,
    DUO_BEEINDIGD: DuoBeeindigd,
    DUO_INGETROKKEN: DuoIngetrokken,
}
COA_FEED_MODELS: dict[str, type[Contract]] = {
    COA_VERGUNNINGHOUDER_GEWIJZIGD: CoaVergunninghouderGewijzigd,
}
STATS_FEED_MODELS: dict[str, type[Contract]] = {
    CBS_SOCIAALECONOMISCH_MAAND: CbsSociaalEconomischMaand,
}
