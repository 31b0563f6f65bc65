"""The base of every contract model and the shared field types."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.bsn import validate_bsn


class Contract(BaseModel):
    """Frozen and a tolerant reader: unknown fields are ignored, so changes can be additive."""

    model_config = ConfigDict(frozen=True, extra="ignore")


Bsn = Annotated[
    str,
    AfterValidator(validate_bsn),
    Field(description="Citizen service number; passes the elfproef.", examples=["111222333"]),
]
Pseudonym = Annotated[
    str,
    Field(
        pattern=r"^[0-9a-f]{64}$",
        description="HMAC-SHA256 of the BSN, lower-case hex.",
        examples=["3f0c0a7e1f5b4e2d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d"],
    ),
]
Gemeentecode = Annotated[
    str,
    Field(
        pattern=r"^GM\d{4}$", description="Municipality code, GM + 4 digits.", examples=["GM0363"]
    ),
]
QuarterText = Annotated[
    str, Field(pattern=r"^\d{4}-Q[1-4]$", description="Reporting quarter.", examples=["2025-Q3"])
]
MonthText = Annotated[
    str,
    Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="Calendar month.", examples=["2024-03"]),
]

Doelgroep = Literal["asielstatushouder", "gezinsmigrant", "overige_migrant"]
Leerroute = Literal["b1", "onderwijs", "z"]
TrajectStatus = Literal["niet_gestart", "gestart", "afgerond", "niet_voldaan"]
RedenUitstroom = Literal["verhuisd", "voldaan", "ontheffing", "overleden", "vertrokken", "overig"]
ExamenOnderdeel = Literal["lezen", "luisteren", "schrijven", "spreken", "knm"]
ExamenNiveau = Literal["A1", "A2", "B1"]
ExamenResultaat = Literal["behaald", "niet_behaald"]
BeeindigdReden = Literal["voldaan", "ontheffing", "vrijstelling"]
MonitorStatus = Literal["lopend", "voldaan", "ontheffing", "vrijstelling"]
#: CBS's socio-economic category of a person in a month (SPEC section 11).
SociaalEconomischeCategorie = Literal[
    "werknemer", "zelfstandige", "bijstand", "overige_uitkering", "scholier_student", "overig"
]

EXAM_COMPONENTS: tuple[ExamenOnderdeel, ...] = ("lezen", "luisteren", "schrijven", "spreken", "knm")
