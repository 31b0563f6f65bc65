"""The errors the contracts raise, each naming the check that failed.

ContractError (ValueError)          code + detail, safe to show (never holds a BSN)
├── BsnInvalid                      code "bsn_invalid"
├── QuarterInvalid                  code "field_invalid"
├── MunicipalityUnknown             code "municipality_unknown"
└── EnvelopeError
    ├── PayloadUnreadable           code "payload_unreadable"
    ├── EnvelopeInvalid             code "envelope_invalid"
    └── TypeUnknown                 code "type_unknown"
"""

from __future__ import annotations


class ContractError(ValueError):
    """A value broke a rule of the contracts; ``code`` is stable, ``detail`` is for people."""

    code = "field_invalid"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


class BsnInvalid(ContractError):
    """A BSN is not nine digits or fails the eleven-test (elfproef)."""

    code = "bsn_invalid"


class QuarterInvalid(ContractError):
    """A quarter is not written as ``YYYY-Qn``."""

    code = "field_invalid"


class MunicipalityUnknown(ContractError):
    """A municipality code is malformed or not in the reference data on the given day."""

    code = "municipality_unknown"


class EnvelopeError(ContractError):
    """A Kafka message is not a valid CloudEvent of this system."""

    code = "envelope_invalid"


class PayloadUnreadable(EnvelopeError):
    """The value is not UTF-8 JSON."""

    code = "payload_unreadable"


class EnvelopeInvalid(EnvelopeError):
    """A required ``ce_*`` header is missing or malformed."""

    code = "envelope_invalid"


class TypeUnknown(EnvelopeError):
    """The ``ce_type`` is not one this topic carries."""

    code = "type_unknown"
