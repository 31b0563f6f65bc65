"""The yearly report's figures (GET /v1/report/figures): the monitor's definitions, quartiles of
durations, and the report's disclosure control on a real linkage."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.helpers import eventually_sync
from tests.linkage_events import coa, duo, municipal, pseudonym

from .conftest import Linkage

YEAR = {"year": 2024, "as_of": "2024-12-31"}


def rows(figures: dict[str, Any], table: str) -> dict[tuple[Any, Any], dict[str, Any]]:
    found = figures["tables"][table]
    first, second = found["by"]
    return {(row[first], row[second]): row for row in found["rows"]}


def send_population(linkage: Linkage) -> None:
    events = []
    for n in range(30):  # status holders in Utrecht, koppeling 0..29 days after the permit
        p = pseudonym(7000 + n)
        koppeling = date(2024, 1, 10) + timedelta(days=n)
        events += [
            duo(p, f"rv{n}", "vastgesteld", doelgroep="asielstatushouder"),
            coa(p, f"rc{n}", datum_koppeling=koppeling.isoformat()),
            municipal(
                p,
                f"rm{n}",
                doelgroep="asielstatushouder",
                datum_eerste_pip="2024-03-01" if n < 20 else None,
                leerroute="b1" if n < 20 else None,
            ),
        ]
        if n < 12:
            events.append(duo(p, f"re{n}", "examen_uitslag", datum_examen="2024-06-01"))
    for n in range(14):  # family migrants in Amsterdam
        p = pseudonym(7100 + n)
        events += [
            duo(p, f"gv{n}", "vastgesteld"),
            municipal(p, f"gm{n}", municipality="GM0363"),
        ]
    for n in range(3):  # three others: too few to show, and the totals must not give them away
        p = pseudonym(7200 + n)
        events += [
            duo(p, f"ov{n}", "vastgesteld", doelgroep="overige_migrant"),
            municipal(p, f"om{n}", doelgroep="overige_migrant", municipality="GM0363"),
        ]
    linkage.send(*events)


def test_the_report_figures_follow_the_monitor_and_protect_small_groups(linkage: Linkage) -> None:
    send_population(linkage)

    def figures() -> dict[str, Any] | None:
        found = linkage.client.get(
            "/v1/report/figures", params=YEAR, headers=linkage.reader()
        ).json()
        total = rows(found, "bevolking_doelgroep")[("totaal", "totaal")]["n"]
        return found if total == 47 else None

    found = eventually_sync(figures, message="47 persons linked")
    assert found["year"] == 2024 and found["as_of"] == "2024-12-31"
    assert found["provisional_cohorts"] == [2024]

    population = rows(found, "bevolking_doelgroep")
    assert population[(2024, "asielstatushouder")]["n"] == 30
    assert population[(2024, "overige_migrant")]["n"] is None  # 3
    # 47 - 30 - 14 would give the 3 away: the 14 is suppressed as well.
    assert population[(2024, "gezinsmigrant")]["n"] is None
    assert population[(2024, "totaal")]["n"] == 47

    provinces = rows(found, "bevolking_provincie")
    assert provinces[(2024, "Utrecht")]["n"] == 30
    assert provinces[(2024, "Zeeland")]["n"] == 0
    assert provinces[(2024, "Noord-Holland")]["n"] == 17
    regions = rows(found, "bevolking_arbeidsmarktregio")
    assert regions[(2024, "Midden-Utrecht")]["n"] == 30

    durations = rows(found, "doorlooptijden")
    assert durations[(2024, "vergunning_tot_koppeling")] == {
        "cohort": 2024,
        "doorlooptijd": "vergunning_tot_koppeling",
        "n": 30,
        "p25": 7.3,  # 7.25 half up
        "mediaan": 14.5,
        "p75": 21.8,
    }
    # Koppeling to housing on 1 April: 82 days from 10 January, minus 0..29.
    assert durations[(2024, "koppeling_tot_huisvesting")]["mediaan"] == 67.5
    assert durations[(2024, "kennisgeving_tot_pip")]["n"] == 20

    monitor = linkage.client.get(
        "/v1/monitor",
        params={"as_of": "2024-12-31", "by": "cohort,doelgroep"},
        headers=linkage.reader(),
    ).json()
    asiel = next(r for r in monitor["rows"] if r["doelgroep"] == "asielstatushouder")
    municipality = rows(found, "gemeente")
    for measure in ("pip_vastgesteld", "brede_intake_gestart", "leerroute_b1"):
        assert municipality[(2024, "asielstatushouder")][measure] == asiel[measure]
    assert municipality[(2024, "asielstatushouder")]["pip_vastgesteld"] == {"n": 20, "pct": 66.7}
    results = rows(found, "resultaten")
    assert results[(2024, "asielstatushouder")]["examen_lezen"] == {"n": 12, "pct": 40.0}
    assert results[(2024, "asielstatushouder")]["examen_knm"] == {"n": 0, "pct": 0.0}
    assert rows(found, "status")[(2024, "lopend")]["n"] == 47


def test_the_report_figures_need_a_token_and_a_year(linkage_sqlite: Linkage) -> None:
    linkage = linkage_sqlite
    assert linkage.client.get("/v1/report/figures", params=YEAR).status_code == 401
    missing = linkage.client.get("/v1/report/figures", headers=linkage.reader())
    assert missing.status_code == 422
    assert "year" in [e["loc"][-1] for e in missing.json()["errors"]]
    empty = linkage.client.get("/v1/report/figures", params=YEAR, headers=linkage.admin())
    assert empty.status_code == 200
    assert empty.json()["tables"]["bevolking_doelgroep"]["rows"] == [
        {"cohort": "totaal", "doelgroep": d, "n": 0}
        for d in ("asielstatushouder", "gezinsmigrant", "overige_migrant", "totaal")
    ]


def test_the_report_figures_refuse_a_day_out_of_range(linkage_sqlite: Linkage) -> None:
    for day in ("9999-12-31", "2021-12-31"):
        refused = linkage_sqlite.client.get(
            "/v1/report/figures",
            params={"year": 2024, "as_of": day},
            headers=linkage_sqlite.reader(),
        )
        assert refused.status_code == 422, day
        assert "as_of" in [e["loc"][-1] for e in refused.json()["errors"]]
