"""The registration form: its fields, and the registry's field problems in Dutch per field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from portal.domain.errors import FieldProblem

#: Registry body location -> the form field it belongs to.
_FIELD_OF = {
    ("municipality_codes",): "gemeenten",
    ("berichtgever", "name"): "berichtgever_naam",
    ("berichtgever", "kind"): "berichtgever_soort",
    ("berichtgever", "software_package"): "softwarepakket",
    ("contact", "name"): "naam",
    ("contact", "email"): "email",
    ("contact", "phone"): "telefoon",
    ("role",): "rol",
}
_MESSAGES = {
    "missing": "Vul dit veld in.",
    "string_too_short": "Vul dit veld in.",
    "too_short": "Vul ten minste één gemeentecode in.",
    "string_too_long": "Dit is te lang.",
    "value_error": "Vul een geldig e-mailadres in, bijvoorbeeld naam@gemeente.nl.",
    "literal_error": "Kies een van de mogelijkheden.",
}
_FIELD_MESSAGES = {
    ("gemeenten", "string_pattern_mismatch"): (
        "Een gemeentecode is GM met vier cijfers, bijvoorbeeld GM0344."
    ),
    ("telefoon", "string_pattern_mismatch"): (
        "Een telefoonnummer bevat alleen cijfers, spaties en + - ( )."
    ),
}
CODE_PATTERN = re.compile(r"GM\d{4}", re.IGNORECASE)


@dataclass
class RegistrationForm:
    gemeenten: str = ""
    berichtgever_naam: str = ""
    berichtgever_soort: str = "gemeente"
    softwarepakket: str = ""
    naam: str = ""
    email: str = ""
    telefoon: str = ""
    rol: str = "primary"
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, form: Any) -> RegistrationForm:
        names = (
            "gemeenten",
            "berichtgever_naam",
            "berichtgever_soort",
            "softwarepakket",
            "naam",
            "email",
            "telefoon",
            "rol",
        )
        values = {n: str(form.get(n, "") or "").strip()[:400] for n in names}
        return cls(**values)  # type: ignore[arg-type]

    def codes(self) -> list[str]:
        parts = [p for p in re.split(r"[\s,;]+", self.gemeenten.upper()) if p]
        return parts

    def registration(self) -> dict[str, Any]:
        """The registry's body; the registry checks it and the form shows what it says."""
        return {
            "municipality_codes": self.codes(),
            "berichtgever": {
                "name": self.berichtgever_naam,
                "kind": self.berichtgever_soort,
                "software_package": self.softwarepakket or None,
            },
            "contact": {
                "name": self.naam,
                "email": self.email,
                "phone": self.telefoon or None,
            },
            "role": self.rol,
        }

    def explain(self, problems: list[FieldProblem]) -> None:
        """Each problem on its field, in Dutch (the first per field)."""
        for problem in problems:
            loc = problem.loc[1:] if problem.loc[:1] == ("body",) else problem.loc
            name = _FIELD_OF.get(loc) or _FIELD_OF.get(loc[:2]) or _FIELD_OF.get(loc[:1])
            if name is None:
                name = "algemeen"
            self.errors.setdefault(name, _message(name, problem, loc))


def _message(name: str, problem: FieldProblem, loc: tuple[str, ...]) -> str:
    if problem.code == "municipality_unknown":
        code = next(iter(CODE_PATTERN.findall(problem.message)), "Deze code")
        return f"{code.upper()} is vandaag geen gemeente."
    if problem.code == "primary_exists":
        code = loc[-1] if loc and CODE_PATTERN.fullmatch(loc[-1]) else "Deze gemeente"
        return (
            f"{code} heeft al een actieve eerste contactpersoon. Meld u aan als vervanger, "
            "of vraag de beheerder de huidige in te trekken."
        )
    return _FIELD_MESSAGES.get((name, problem.code)) or _MESSAGES.get(
        problem.code, "Deze waarde wordt niet geaccepteerd."
    )
