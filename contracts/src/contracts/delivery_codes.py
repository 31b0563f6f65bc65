"""Every code a municipal delivery can meet, with its meaning in Dutch (one home for both).

The validator reports the codes; the portal shows their meaning to the contact person, and the
delivery guidelines will list them. A test keeps this list and the validator's codes equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["rij", "bestand", "waarschuwing", "verzoek"]


@dataclass(frozen=True, slots=True)
class DeliveryCode:
    code: str
    level: Level
    meaning: str  # Dutch, for the contact person


_CODES = (
    # Per row and field
    DeliveryCode("bsn_invalid", "rij", "Het BSN is geen geldig burgerservicenummer (elfproef)."),
    DeliveryCode("field_missing", "rij", "Een verplicht veld is leeg."),
    DeliveryCode("field_invalid", "rij", "De waarde hoort niet bij de toegestane waarden."),
    DeliveryCode("date_invalid", "rij", "De datum is geen geldige datum (JJJJ-MM-DD)."),
    DeliveryCode(
        "date_order", "rij", "De datums staan in de verkeerde volgorde (bijv. intake na PIP)."
    ),
    DeliveryCode("date_after_period", "rij", "De datum ligt na het einde van het kwartaal."),
    DeliveryCode("leerroute_missing", "rij", "Er is een PIP vastgesteld maar geen leerroute."),
    DeliveryCode(
        "map_not_applicable", "rij", "De MAP hoort niet bij de onderwijsroute; laat hem leeg."
    ),
    DeliveryCode(
        "ontzorgen_not_applicable", "rij", "Ontzorgen geldt alleen voor asielstatushouders."
    ),
    DeliveryCode("duplicate_person", "rij", "Dezelfde persoon staat meer dan eens in het bestand."),
    DeliveryCode(
        "municipality_unknown", "rij", "De gemeentecode bestond niet op de laatste kwartaaldag."
    ),
    DeliveryCode(
        "municipality_mismatch", "rij", "De gemeentecode is een andere gemeente dan de levering."
    ),
    # The whole file (row 0)
    DeliveryCode(
        "encoding_invalid",
        "bestand",
        "Het bestand is geen leesbare UTF-8-tekst of een regel is te lang.",
    ),
    DeliveryCode("header_invalid", "bestand", "De kopregel mist verplichte kolommen."),
    DeliveryCode(
        "empty_delivery",
        "bestand",
        "Het bestand bevat geen gegevens; meld anders een nihil-levering.",
    ),
    DeliveryCode(
        "processing_failed", "bestand", "De controle is onverwacht mislukt; lever opnieuw aan."
    ),
    # Warnings: the delivery can still be released
    DeliveryCode("column_unknown", "waarschuwing", "Een onbekende kolom is genegeerd."),
    DeliveryCode("count_drop", "waarschuwing", "Veel minder personen dan in de vorige vrijgave."),
    DeliveryCode(
        "mass_retraction",
        "waarschuwing",
        "Vrijgeven trekt veel personen van de vorige vrijgave in.",
    ),
    # Refusals of an upload or a release (problem+json ``code``)
    DeliveryCode("quarter_not_ended", "verzoek", "Het kwartaal is nog niet voorbij."),
    DeliveryCode(
        "idempotency_key_reused",
        "verzoek",
        "Deze aanlevering is al eerder met een ander bestand gedaan.",
    ),
    DeliveryCode(
        "media_type_unsupported", "verzoek", "Alleen CSV- en NDJSON-bestanden worden aangenomen."
    ),
    DeliveryCode("body_too_large", "verzoek", "Het bestand is groter dan is toegestaan."),
    DeliveryCode(
        "rows_invalid",
        "verzoek",
        "Er zijn nog foute rijen; kies voor gedeeltelijk vrijgeven of lever een correctie aan.",
    ),
    DeliveryCode(
        "confirm_retractions",
        "verzoek",
        "Vrijgeven trekt veel personen in; bevestig dat dit de bedoeling is.",
    ),
    DeliveryCode(
        "nothing_to_release", "verzoek", "Geen enkele rij is goed; er is niets vrij te geven."
    ),
    DeliveryCode(
        "not_releasable", "verzoek", "Deze levering kan in deze status niet worden vrijgegeven."
    ),
    DeliveryCode(
        "release_conflict",
        "verzoek",
        "Tegelijk werd een andere levering van dit kwartaal vrijgegeven; probeer opnieuw.",
    ),
    DeliveryCode("release_in_progress", "verzoek", "Deze levering wordt al vrijgegeven."),
    DeliveryCode("delivery_not_found", "verzoek", "Deze levering bestaat niet."),
    DeliveryCode("forbidden", "verzoek", "U heeft geen recht op deze gemeente of handeling."),
    DeliveryCode("not_authenticated", "verzoek", "U bent niet (meer) aangemeld."),
    DeliveryCode(
        "rate_limited", "verzoek", "Te veel verzoeken in korte tijd; probeer het zo opnieuw."
    ),
    DeliveryCode(
        "validation_failed", "verzoek", "Een parameter van het verzoek klopt niet (zie errors)."
    ),
    DeliveryCode("json_invalid", "verzoek", "De body van het verzoek is geen geldige JSON."),
    DeliveryCode(
        "internal_error", "verzoek", "Er ging aan onze kant iets mis; er is niets verloren."
    ),
)

DELIVERY_CODES: dict[str, DeliveryCode] = {c.code: c for c in _CODES}


def meaning(code: str) -> str:
    """The Dutch meaning of ``code``; a code not (yet) listed is shown as itself."""
    known = DELIVERY_CODES.get(code)
    return known.meaning if known else code
