"""The report's chapters as CBS's SWI has them: tables and charts from the figures, in Dutch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts import EXAM_COMPONENTS
from contracts.enrichment import HORIZONS, MEASURES
from contracts.publications import MARGIN, FigureTable
from ketenreport import charts
from ketenreport.charts import Chart
from ketenreport.labels import (
    DOELGROEPEN,
    DURATIONS,
    UNKNOWN,
    count,
    decimal,
    key_label,
    measure_label,
)
from ketenreport.sources import Sources

TOTAL = MARGIN
MUNICIPALITY = (
    "brede_intake_gestart",
    "pip_vastgesteld",
    "pip_tijdig",
    "leerroute_b1",
    "leerroute_onderwijs",
    "leerroute_z",
)
RESULTS = (*(f"examen_{c}" for c in EXAM_COMPONENTS), "examens_alle_behaald", "voldaan")
GOALS = tuple(f"{name}_{months}m" for months in HORIZONS for name in MEASURES)


@dataclass
class Table:
    id: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    keys: int = 1  # leading columns that name the row (row headers)
    note: str | None = None
    totals: set[int] = field(default_factory=set)  # indices of total rows


@dataclass
class Figure:
    id: str
    title: str
    chart: Chart


@dataclass
class Chapter:
    id: str
    title: str
    paragraphs: list[str]
    blocks: list[Table | Figure]


def _index(table: FigureTable) -> dict[tuple[Any, Any], dict[str, Any]]:
    first, second = table.by
    return {(row[first], row[second]): row for row in table.rows}


def _values(table: FigureTable, key: str) -> list[Any]:
    return list(dict.fromkeys(row[key] for row in table.rows))


def _cohorts(sources: Sources) -> list[int]:
    table = sources.figures.tables["bevolking_doelgroep"]
    return [c for c in _values(table, "cohort") if c != TOTAL]


def _cohort_label(cohort: Any, provisional: Sequence[int]) -> str:
    return f"{cohort}*" if cohort in provisional else key_label(cohort)


def _count_pivot(
    sources: Sources, name: str, id_: str, title: str, *, transpose: bool = False
) -> Table:
    """A count table with its margins: cohorts down (or across when ``transpose``)."""
    table = sources.figures.tables[name]
    cells = _index(table)
    provisional = sources.figures.provisional_cohorts
    cohorts = _values(table, table.by[0])
    columns = _values(table, table.by[1])
    if transpose:
        headers = [
            key_label(table.by[1]).capitalize(),
            *(_cohort_label(c, provisional) for c in cohorts),
        ]
        rows = [
            [key_label(col), *(count(cells[(c, col)]["n"]) for c in cohorts)] for col in columns
        ]
    else:
        headers = ["Cohort", *(key_label(col) for col in columns)]
        rows = [
            [_cohort_label(c, provisional), *(count(cells[(c, col)]["n"]) for col in columns)]
            for c in cohorts
        ]
    return Table(id_, title, headers, rows, totals={len(rows) - 1})


def _measure_table(
    sources: Sources, name: str, measures: Sequence[str], id_: str, title: str
) -> Table:
    table = sources.figures.tables[name]
    provisional = sources.figures.provisional_cohorts
    rows: list[list[str]] = []
    totals: set[int] = set()
    for row in table.rows:
        if row["doelgroep"] == TOTAL:
            totals.add(len(rows))
        rows.append(
            [
                _cohort_label(row["cohort"], provisional),
                key_label(row["doelgroep"]),
                *(decimal(row[m]["pct"]) for m in measures),
            ]
        )
    headers = ["Cohort", "Doelgroep", *(f"{measure_label(m)} (%)" for m in measures)]
    return Table(id_, title, headers, rows, keys=2, totals=totals)


def _totals_series(
    sources: Sources, name: str, measures: Sequence[str]
) -> tuple[list[str], dict[str, list[float | None]]]:
    cells = _index(sources.figures.tables[name])
    cohorts = _cohorts(sources)
    provisional = sources.figures.provisional_cohorts
    series = {measure_label(m): [cells[(c, TOTAL)][m]["pct"] for c in cohorts] for m in measures}
    return [_cohort_label(c, provisional) for c in cohorts], series


def about(sources: Sources) -> Chapter:
    figures = sources.figures
    provisional = ", ".join(map(str, figures.provisional_cohorts)) or "geen"
    paragraphs = [
        f"Deze publicatie beschrijft de uitvoering van de Wet inburgering 2021 voor de cohorten "
        f"tot en met {figures.year}: personen naar het jaar waarin hun inburgeringsplicht begon. "
        f"De cijfers zijn de stand van {figures.as_of.isoformat()}; een datum telt mee als die "
        "op of voor die dag ligt.",
        "Bronnen: de leveringen van gemeenten (via de contactpersoon inburgering, gecontroleerd "
        "en vrijgegeven), de gegevens van het COA over vergunninghouders, die van DUO over de "
        "inburgeringsplicht en de examens, en de sociaaleconomische categorie per maand uit de "
        "registers van het CBS. Personen zijn gekoppeld op een pseudoniem; geen BSN bereikt "
        "deze publicatie.",
        f"Voorlopige cohorten (gemarkeerd met *): {provisional}. Cijfers van een voorlopig "
        "cohort kunnen nog veranderen door late leveringen en correcties.",
        "Onthullingsbeheersing: aantallen van 1 tot en met 9 zijn geheim (x); een percentage "
        "is geheim als de teller geheim is of de noemer kleiner dan 10; kwartielen van groepen "
        "kleiner dan 10 zijn geheim. Tabellen met totalen hebben secundaire geheimhouding: "
        "zoveel andere cellen zijn ook geheim dat geen geheime cel uit de totalen is af te "
        "leiden. Een punt (.) betekent: niet van toepassing of onbekend.",
    ]
    if sources.publication is not None:
        p = sources.publication
        paragraphs.append(
            f"Publicatie {p.id} ({p.status}), vastgesteld op {p.created_at:%Y-%m-%d %H:%M} UTC; "
            f"SHA-256 van de cijfers: {p.sha256}."
        )
    else:
        paragraphs.append("Deze cijfers zijn live opgevraagd en niet als publicatie vastgelegd.")
    return Chapter("over", "1. Over deze publicatie", paragraphs, [])


def population(sources: Sources) -> Chapter:
    doelgroep = _count_pivot(
        sources, "bevolking_doelgroep", "t-bevolking", "Personen per cohort naar doelgroep"
    )
    cells = _index(sources.figures.tables["bevolking_doelgroep"])
    cohorts = _cohorts(sources)
    labels = [_cohort_label(c, sources.figures.provisional_cohorts) for c in cohorts]
    chart = charts.bars(
        "personen per cohort naar doelgroep",
        labels,
        {
            DOELGROEPEN[d]: [cells[(c, d)]["n"] for c in cohorts]
            for d in ("asielstatushouder", "gezinsmigrant", "overige_migrant")
        },
        stacked=True,
        ylabel="personen",
    )
    return Chapter(
        "bevolking",
        "2. Populatie",
        [
            "Inburgeringsplichtigen per cohort, naar doelgroep, provincie en arbeidsmarktregio "
            "van de gemeente (in de indeling van 2026: een gemeente die opging in een andere "
            "telt bij haar opvolger)."
        ],
        [
            doelgroep,
            Figure("f-bevolking", "Personen per cohort naar doelgroep", chart),
            _count_pivot(
                sources,
                "bevolking_provincie",
                "t-provincie",
                "Personen per provincie en cohort",
                transpose=True,
            ),
            _count_pivot(
                sources,
                "bevolking_arbeidsmarktregio",
                "t-regio",
                "Personen per arbeidsmarktregio en cohort",
                transpose=True,
            ),
        ],
    )


def _duration_table(sources: Sources, names: Sequence[str], id_: str, title: str) -> Table:
    cells = _index(sources.figures.tables["doorlooptijden"])
    provisional = sources.figures.provisional_cohorts
    rows = []
    for name in names:
        for cohort in _cohorts(sources):
            cell = cells[(cohort, name)]
            missing = "x" if cell["n"] is None else UNKNOWN
            rows.append(
                [
                    DURATIONS[name],
                    _cohort_label(cohort, provisional),
                    count(cell["n"]),
                    *(decimal(cell[q], missing=missing) for q in ("p25", "mediaan", "p75")),
                ]
            )
    headers = ["Doorlooptijd", "Cohort", "Personen", "1e kwartiel", "Mediaan", "3e kwartiel"]
    return Table(id_, title, headers, rows, keys=2, note="In dagen.")


def _duration_chart(sources: Sources, names: Sequence[str], title: str) -> Chart:
    cells = _index(sources.figures.tables["doorlooptijden"])
    cohorts = _cohorts(sources)
    series: dict[str, list[tuple[float, float, float] | None]] = {}
    for name in names:
        series[DURATIONS[name]] = [
            (c["p25"], c["mediaan"], c["p75"]) if c["mediaan"] is not None else None
            for c in (cells[(cohort, name)] for cohort in cohorts)
        ]
    labels = [_cohort_label(c, sources.figures.provisional_cohorts) for c in cohorts]
    return charts.ranges(title, labels, series)


def coa(sources: Sources) -> Chapter:
    names = ("vergunning_tot_koppeling", "koppeling_tot_huisvesting")
    return Chapter(
        "coa",
        "3. De COA-fase van asielstatushouders",
        [
            "Hoe lang een asielstatushouder wacht van de verblijfsvergunning tot de koppeling "
            "aan een gemeente, en van de koppeling tot de huisvesting in die gemeente: mediaan "
            "en kwartielen in dagen, voor wie beide data heeft."
        ],
        [
            _duration_table(sources, names, "t-coa", "Doorlooptijden in de COA-fase"),
            Figure(
                "f-coa",
                "Doorlooptijden in de COA-fase",
                _duration_chart(sources, names, "doorlooptijden in de COA-fase per cohort"),
            ),
        ],
    )


def municipality(sources: Sources) -> Chapter:
    labels, series = _totals_series(sources, "gemeente", ("pip_vastgesteld", "pip_tijdig"))
    return Chapter(
        "gemeente",
        "4. De gemeente: brede intake en PIP",
        [
            "Brede intake en persoonlijk plan inburgering en participatie (PIP) per cohort en "
            "doelgroep. De noemer is het aantal personen van de groep; voor PIP binnen de "
            "termijn de personen van wie de termijn voorbij is; voor de leerroutes de personen "
            "met een PIP."
        ],
        [
            _measure_table(
                sources, "gemeente", MUNICIPALITY, "t-gemeente", "Brede intake, PIP en leerroute"
            ),
            Figure(
                "f-gemeente",
                "PIP vastgesteld en binnen de termijn",
                charts.bars(
                    "PIP vastgesteld en binnen de termijn per cohort", labels, series, unit="%"
                ),
            ),
            _duration_table(
                sources, ("kennisgeving_tot_pip",), "t-pip-duur", "Van kennisgeving tot eerste PIP"
            ),
        ],
    )


def results(sources: Sources) -> Chapter:
    labels, series = _totals_series(sources, "resultaten", ("examens_alle_behaald", "voldaan"))
    goal_labels, goal_series = _goal_series(sources)
    blocks: list[Table | Figure] = [
        _measure_table(sources, "resultaten", RESULTS, "t-resultaten", "Examens en voldaan"),
        Figure(
            "f-resultaten",
            "Alle examens behaald en voldaan",
            charts.bars(
                "alle examenonderdelen behaald en voldaan per cohort", labels, series, unit="%"
            ),
        ),
        _count_pivot(
            sources, "status", "t-status", "Personen per cohort naar status van de plicht"
        ),
        _measure_table(
            sources, "doelbereik", GOALS, "t-doelbereik", "Werk, uitkering en onderwijs"
        ),
        Figure(
            "f-doelbereik",
            "Werk naar maanden sinds de start van de plicht",
            charts.lines(
                "aandeel met werk na 12, 24 en 36 maanden per cohort", goal_labels, goal_series
            ),
        ),
    ]
    return Chapter(
        "resultaten",
        "5. Resultaten en doelbereik",
        [
            "Behaalde examenonderdelen, alle onderdelen behaald en voldaan aan de plicht, per "
            "cohort en doelgroep; de status van de plicht op de peildatum; en werk, uitkering "
            "en onderwijs 12, 24 en 36 maanden na de start van de plicht (de noemer: personen "
            "van wie die maand voorbij is en een categorie bekend)."
        ],
        blocks,
    )


def _goal_series(sources: Sources) -> tuple[list[str], dict[str, list[float | None]]]:
    cells = _index(sources.figures.tables["doelbereik"])
    provisional = sources.figures.provisional_cohorts
    series = {
        f"Cohort {_cohort_label(c, provisional)}": [
            cells[(c, TOTAL)][f"werk_{months}m"]["pct"] for months in HORIZONS
        ]
        for c in _cohorts(sources)
    }
    return [f"{months} maanden" for months in HORIZONS], series


def delivery(sources: Sources) -> Chapter:
    intro = (
        "Gemeenten leveren per kwartaal; een levering of nihilmelding is op tijd als de "
        "contactpersoon haar uiterlijk op de leverdatum vrijgeeft. Het gaat om gemeenten en "
        "bestanden, niet om personen: deze cijfers zijn niet geheim gehouden."
    )
    quality = sources.quality
    if quality is None:
        return Chapter(
            "levering",
            "6. Kwaliteit van de leveringen",
            [intro, f"Niet opgevraagd: {sources.quality_missing}"],
            [],
        )
    rows = [
        [
            q.quarter,
            q.due_date.isoformat(),
            count(q.municipalities),
            count(q.on_time),
            count(q.late),
            count(q.missing) if q.missing is not None else UNKNOWN,
            decimal(q.pct_on_time, missing=UNKNOWN),
        ]
        for q in quality.quarters
    ]
    timeliness = Table(
        "t-tijdigheid",
        "Tijdigheid van de leveringen per kwartaal",
        ["Kwartaal", "Leverdatum", "Gemeenten", "Op tijd", "Te laat", "Ontbreekt", "Op tijd (%)"],
        rows,
        note="Een punt: de leverdatum ligt na de peildatum.",
    )
    codes: dict[tuple[str, str], dict[str, int]] = {}
    for q in quality.quarters:
        for e in q.errors:
            codes.setdefault((e.code, e.severity), {})[q.quarter] = e.n
    quarters = [q.quarter for q in quality.quarters]
    errors = Table(
        "t-fouten",
        "Gevonden fouten en waarschuwingen per code",
        ["Code", "Soort", *quarters],
        [
            [
                code,
                "fout" if severity == "error" else "waarschuwing",
                *(count(found.get(q, 0)) for q in quarters),
            ]
            for (code, severity), found in sorted(codes.items())
        ],
        keys=2,
        note="De betekenis van elke code staat in de richtlijnen aanlevering (/v1/guidelines).",
    )
    due = [q for q in quality.quarters if q.due]
    chart = charts.bars(
        "gemeenten per kwartaal naar tijdigheid",
        [q.quarter for q in due],
        {
            "Op tijd": [float(q.on_time) for q in due],
            "Te laat": [float(q.late) for q in due],
            "Ontbreekt": [float(q.missing or 0) for q in due],
        },
        stacked=True,
        ylabel="gemeenten",
    )
    return Chapter(
        "levering",
        "6. Kwaliteit van de leveringen",
        [intro, f"Opgevraagd op {quality.generated_at:%Y-%m-%d %H:%M} UTC."],
        [timeliness, Figure("f-tijdigheid", "Tijdigheid per kwartaal", chart), errors],
    )


CHAPTERS: tuple[Callable[[Sources], Chapter], ...] = (
    about,
    population,
    coa,
    municipality,
    results,
    delivery,
)


def chapters(sources: Sources) -> list[Chapter]:
    return [build(sources) for build in CHAPTERS]
