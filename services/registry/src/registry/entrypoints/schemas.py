"""The registry's HTTP bodies, with examples for the OpenAPI document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints
from pydantic_core import PydanticCustomError

from contracts.reference import is_valid
from registry.domain.contact import Contact

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Phone = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[0-9 +()\-]+$"
    ),
]


def _valid_today(code: str) -> str:
    if not is_valid(code, date.today()):
        raise PydanticCustomError(
            "municipality_unknown", "{code} is not a municipality today", {"code": code}
        )
    return code


MunicipalityCode = Annotated[
    str,
    StringConstraints(pattern=r"^GM\d{4}$"),
    AfterValidator(_valid_today),
    Field(description="Municipality code valid today.", examples=["GM0344"]),
]


class BerichtgeverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(description="Reporting organisation.", examples=["Gemeente Utrecht"])
    kind: Literal["gemeente", "organisatie"] = Field(examples=["gemeente"])
    software_package: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None
    ) = Field(default=None, examples=["Suite4Sociaal Domein"])


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(examples=["A. de Vries"])
    email: EmailStr = Field(examples=["a.devries@utrecht.nl"])
    phone: Phone | None = Field(default=None, examples=["+31 30 286 0000"])


class RegistrationIn(BaseModel):
    """A municipality's contact person registers ("meld u aan")."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "municipality_codes": ["GM0344"],
                    "berichtgever": {
                        "name": "Gemeente Utrecht",
                        "kind": "gemeente",
                        "software_package": "Suite4Sociaal Domein",
                    },
                    "contact": {
                        "name": "A. de Vries",
                        "email": "a.devries@utrecht.nl",
                        "phone": "+31 30 286 0000",
                    },
                    "role": "primary",
                }
            ]
        },
    )

    municipality_codes: list[MunicipalityCode] = Field(min_length=1, max_length=100)
    berichtgever: BerichtgeverIn
    contact: PersonIn
    role: Literal["primary", "backup"]


class RegistrationOut(BaseModel):
    """The token is shown here once; keep it safe. It works once an administrator approves."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contact_id": "5f0e3c1a-9d1b-4c55-8f5e-0a2b7c9d1e33",
                    "status": "pending",
                    "token": "q9Vb1y8k6x...",
                }
            ]
        }
    )

    contact_id: str
    status: Literal["pending"]
    token: str


class ContactPatch(BaseModel):
    """Fields to change; absent fields stay as they are; ``phone: null`` removes the phone."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"email": "a.devries@utrecht.nl", "phone": None}]},
    )

    name: Name | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    role: Literal["primary", "backup"] | None = None


class BerichtgeverOut(BaseModel):
    name: str
    kind: str
    software_package: str | None


class ContactOut(BaseModel):
    """A contact as readers see it (never the token or its hash)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "contact_id": "5f0e3c1a-9d1b-4c55-8f5e-0a2b7c9d1e33",
                    "status": "active",
                    "role": "primary",
                    "municipality_codes": ["GM0344"],
                    "berichtgever": {
                        "name": "Gemeente Utrecht",
                        "kind": "gemeente",
                        "software_package": None,
                    },
                    "name": "A. de Vries",
                    "email": "a.devries@utrecht.nl",
                    "phone": None,
                    "registered_at": "2026-11-02T09:00:00Z",
                    "updated_at": "2026-11-03T10:00:00Z",
                }
            ]
        }
    )

    contact_id: str
    status: str
    role: str
    municipality_codes: list[str]
    berichtgever: BerichtgeverOut
    name: str
    email: str
    phone: str | None
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls(
            contact_id=contact.id,
            status=contact.status,
            role=contact.role,
            municipality_codes=list(contact.municipality_codes),
            berichtgever=BerichtgeverOut(
                name=contact.berichtgever.name,
                kind=contact.berichtgever.kind,
                software_package=contact.berichtgever.software_package,
            ),
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            registered_at=contact.registered_at,
            updated_at=contact.updated_at,
        )


class CoverageOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-11-28",
                    "total": 342,
                    "with_active_primary": 1,
                    "without_active_primary": ["GM0014", "GM0034"],
                }
            ]
        }
    )

    as_of: date
    total: int
    with_active_primary: int
    without_active_primary: list[str]


class TokenOut(BaseModel):
    """A contact's new token, shown here once; the old one no longer works."""

    contact_id: str
    token: str


class WhoAmIOut(BaseModel):
    """The caller behind a token: the admin, or an active contact (pending and withdrawn: 401)."""

    role: Literal["admin", "contact"]
    contact: ContactOut | None = None
