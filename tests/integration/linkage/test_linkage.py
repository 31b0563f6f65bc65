"""Linkage on the real broker and both databases: records, tombstones, pending, monitor."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from tests.helpers import eventually_sync, read_topic
from tests.linkage_events import coa, duo, municipal, pseudonym, retracted, stats

from .conftest import ADMIN_TOKEN, Linkage


def record_of(linkage: Linkage, p: str) -> dict[str, object] | None:
    response = linkage.client.get(f"/v1/records/{p}", headers=linkage.admin())
    return response.json() if response.status_code == 200 else None


def test_a_person_is_linked_emitted_updated_and_tombstoned(linkage: Linkage) -> None:
    p = pseudonym(11)
    linkage.send(
        duo(p, "v1", "vastgesteld", doelgroep="asielstatushouder"),
        municipal(
            p, "m1", doelgroep="asielstatushouder", datum_eerste_pip="2024-04-01", leerroute="b1"
        ),
    )
    eventually_sync(
        lambda: linkage.client.get("/v1/pending", headers=linkage.admin()).json(),
        message="person pending for lack of COA",
    )
    (entry,) = linkage.client.get("/v1/pending", headers=linkage.admin()).json()
    assert (entry["pseudonym"], entry["missing"]) == (p, ["coa"])
    assert record_of(linkage, p) is None
    linkage.send(coa(p, "c1"))
    first = eventually_sync(lambda: record_of(linkage, p), message="record complete")
    assert first["version"] == 1
    assert first["source_event_ids"] == ["c1", "m1", "v1"]
    linkage.send(duo(p, "e1", "examen_uitslag"), duo(p, "e1", "examen_uitslag"))  # a duplicate too
    second = eventually_sync(
        lambda: (r := record_of(linkage, p)) and r["version"] == 2 and r, message="second version"
    )
    assert second["examens_behaald"] == ["lezen"]
    linkage.send(retracted(p, "r1", seq=2))
    eventually_sync(lambda: record_of(linkage, p) is None, message="record retracted")
    messages = asyncio.run(
        read_topic(linkage.bootstrap, linkage.settings.topic("monitoring.records.v1"), count=3)
    )
    assert [m.key.decode() for m in messages] == [p, p, p]
    assert [dict(m.headers)["ce_sequence"] for m in messages] == [
        b"0000000001",
        b"0000000002",
        b"0000000003",
    ]
    assert messages[2].value is None  # tombstone
    ids = [dict(m.headers)["ce_id"].decode() for m in messages]
    assert ids[0] == str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:nld:ketenmonitor:linkage|{p}|1"))
    assert json.loads(messages[1].value)["version"] == 2
    metrics = linkage.client.get("/metrics").text
    assert 'linkage_events_total{outcome="duplicate",source="duo"} 1.0' in metrics
    assert 'linkage_records_emitted_total{kind="tombstone"} 1.0' in metrics
    assert "linkage_event_lag_seconds_count 3.0" in metrics


def test_out_of_scope_persons_are_counted_never_emitted(linkage: Linkage) -> None:
    p = pseudonym(12)
    linkage.send(
        duo(p, "v1", "vastgesteld", datum_start_inburgeringsplicht="2021-06-01"), municipal(p, "m1")
    )
    eventually_sync(
        lambda: (
            'linkage_events_total{outcome="out_of_scope",source="municipal"} 1.0'
            in linkage.client.get("/metrics").text
        ),
        message="counted out of scope",
    )
    assert record_of(linkage, p) is None
    assert linkage.client.get("/v1/pending", headers=linkage.admin()).json() == []


def test_poison_records_are_dead_lettered_and_the_stream_goes_on(linkage_sqlite: Linkage) -> None:
    linkage = linkage_sqlite
    p = pseudonym(13)
    bad = municipal(p, "bad")
    bad_data = dict(bad.data or {})
    bad_data["release_sequence"] = "first"
    linkage.send(
        bad.model_copy(update={"data": bad_data}), duo(p, "v1", "vastgesteld"), municipal(p, "m1")
    )
    eventually_sync(lambda: record_of(linkage, p), message="good events applied")
    (letter,) = asyncio.run(
        read_topic(linkage.bootstrap, linkage.settings.topic("deadletter.v1"), count=1)
    )
    assert dict(letter.headers)["x-error-code"] == b"field_invalid"
    assert dict(letter.headers)["x-failed-by"] == b"linkage"


def test_monitor_table_suppresses_small_counts(linkage_sqlite: Linkage) -> None:
    linkage = linkage_sqlite
    events = []
    for n in range(12):  # 12 family migrants of cohort 2024, 11 with an intake, 3 with a PIP
        p = pseudonym(100 + n)
        fields = {"datum_start_brede_intake": "2024-03-01"} if n < 11 else {}
        if n < 3:
            fields |= {
                "datum_eerste_pip": "2024-04-01",
                "leerroute": "b1",
                "datum_inschrijving_brp": "2024-02-01",
            }
        events += [duo(p, f"v{n}", "vastgesteld"), municipal(p, f"m{n}", **fields)]  # type: ignore[arg-type]
    linkage.send(*events)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    table = eventually_sync(
        lambda: (
            (
                t := linkage.client.get(
                    "/v1/monitor", params={"as_of": "2024-12-31"}, headers=headers
                ).json()
            )
            and t["rows"]
            and t["rows"][0]["n"] == 12
            and t
        ),
        message="12 persons linked",
    )
    (row,) = table["rows"]
    assert (row["cohort"], row["doelgroep"], row["provisional"]) == (2024, "gezinsmigrant", True)
    assert table["provisional_cohorts"] == [2024]
    assert row["brede_intake_gestart"] == {"n": 11, "pct": 91.7}
    assert row["pip_vastgesteld"] == {"n": None, "pct": None}  # 3 is suppressed
    assert row["examens_alle_behaald"] == {"n": 0, "pct": 0.0}
    rounded = linkage.client.get(
        "/v1/monitor", params={"as_of": "2025-06-30", "round_to": 10}, headers=headers
    ).json()
    assert rounded["rows"][0]["n"] == 10
    assert rounded["provisional_cohorts"] == []
    before = linkage.client.get(
        "/v1/monitor", params={"as_of": "2024-01-14"}, headers=headers
    ).json()
    assert before["rows"] == []  # nobody's obligation had started
    csv_table = linkage.client.get(
        "/v1/monitor", params={"as_of": "2024-12-31"}, headers={**headers, "accept": "text/csv"}
    )
    lines = csv_table.text.strip().splitlines()
    assert lines[0].startswith("cohort,doelgroep,n,provisional,brede_intake_gestart_n")
    assert ",x," in lines[1]
    bad = linkage.client.get("/v1/monitor", params={"by": "cohort,ras"}, headers=headers)
    assert bad.status_code == 422
    assert linkage.client.get("/v1/monitor").status_code == 401
    assert (
        linkage.client.get("/v1/monitor", headers={"Authorization": "Bearer wrong"}).status_code
        == 401
    )


def test_the_analysts_token_reads_aggregates_only(linkage: Linkage) -> None:
    p = pseudonym(12)
    wrong = {"Authorization": "Bearer " + "w" * 40}
    for path in (f"/v1/records/{p}", "/v1/pending"):
        response = linkage.client.get(path, headers=linkage.reader())
        assert response.status_code == 403, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "forbidden"
        assert linkage.client.get(path, headers=wrong).status_code == 401
        assert linkage.client.get(path).status_code == 401
        assert linkage.client.get(path, headers=linkage.admin()).status_code in (200, 404)
    for headers in (linkage.reader(), linkage.admin()):
        assert linkage.client.get("/v1/monitor", headers=headers).status_code == 200
    assert linkage.client.get("/v1/monitor", headers=wrong).status_code == 401
    assert linkage.client.get("/v1/whoami", headers=linkage.reader()).json() == {"role": "reader"}
    assert linkage.client.get("/v1/whoami", headers=linkage.admin()).json() == {"role": "admin"}
    assert linkage.client.get("/v1/whoami", headers=wrong).status_code == 401


def test_an_id_reused_for_other_content_is_dead_lettered_and_the_fact_stays(
    linkage: Linkage,
) -> None:
    p = pseudonym(14)
    linkage.send(duo(p, "v1", "vastgesteld"), municipal(p, "m1"))
    first = eventually_sync(lambda: record_of(linkage, p), message="record complete")
    assert first["doelgroep"] == "gezinsmigrant"
    # The same id again: once unchanged (a repeat), once with other content (in one batch too).
    changed = duo(p, "v1", "vastgesteld", doelgroep="overige_migrant")
    linkage.send(duo(p, "v1", "vastgesteld"), changed)
    (letter,) = asyncio.run(
        read_topic(linkage.bootstrap, linkage.settings.topic("deadletter.v1"), count=1)
    )
    headers = dict(letter.headers)
    assert headers["x-error-code"] == b"id_reused"
    assert headers["ce_id"] == b"v1"
    metrics = linkage.client.get("/metrics").text
    assert 'linkage_events_total{outcome="id_reused",source="duo"} 1.0' in metrics
    assert 'linkage_events_total{outcome="duplicate",source="duo"} 1.0' in metrics
    record = record_of(linkage, p)
    assert record is not None
    assert (record["doelgroep"], record["version"]) == ("gezinsmigrant", 1)
    # Two new events under one id within one batch: the first applies, the second is refused.
    q = pseudonym(15)
    linkage.send(
        duo(q, "w1", "vastgesteld"),
        duo(q, "w1", "vastgesteld", doelgroep="overige_migrant"),
        municipal(q, "n1"),
    )
    eventually_sync(lambda: record_of(linkage, q), message="second person complete")
    letters = asyncio.run(
        read_topic(linkage.bootstrap, linkage.settings.topic("deadletter.v1"), count=2)
    )
    assert {dict(r.headers)["ce_id"] for r in letters} == {b"v1", b"w1"}
    assert (record_of(linkage, q) or {})["doelgroep"] == "gezinsmigrant"


def _pending_gauge(linkage: Linkage) -> float:
    for line in linkage.client.get("/metrics").text.splitlines():
        if line.startswith("linkage_records_pending "):
            return float(line.split()[1])
    raise AssertionError("no linkage_records_pending")


def test_pending_is_one_figure_with_gemeente_and_filters(linkage: Linkage) -> None:
    a, b, c, d = (pseudonym(n) for n in (21, 22, 23, 24))
    linkage.send(
        municipal(a, "a-m", municipality="GM0344"),  # DUO missing, in Utrecht
        duo(b, "b-v", "vastgesteld", doelgroep="asielstatushouder"),
        municipal(b, "b-m", municipality="GM0363", doelgroep="asielstatushouder"),  # COA missing
        coa(c, "c-c", gemeentecode_koppeling="GM0014"),  # only COA: gemeente from the koppeling
        duo(d, "d-v", "vastgesteld"),
        municipal(d, "d-m"),
        duo(d, "d-i", "ingetrokken", gewijzigd_op="2024-03-01T00:00:00Z"),  # withdrawn: not pending
    )
    admin = linkage.admin()

    def listed(**query: str) -> dict[str, dict[str, object]]:
        found = linkage.client.get("/v1/pending", params=query, headers=admin).json()
        return {entry["pseudonym"]: entry for entry in found}

    everyone = eventually_sync(
        lambda: found if len(found := listed(older_than_days="0")) == 3 else None,
        message="three pending persons",
    )
    assert set(everyone) == {a, b, c}
    assert {p: e["gemeente"] for p, e in everyone.items()} == {
        a: "GM0344",
        b: "GM0363",
        c: "GM0014",
    }
    assert set(listed(gemeente="GM0363")) == {b}
    assert set(listed(missing="duo")) == {a, c}
    assert set(listed(missing="coa", gemeente="GM0363")) == {b}
    assert linkage.client.get("/v1/pending?missing=bsn", headers=admin).status_code == 422
    # The gauge counts exactly the persons the list shows (the withdrawn one in neither).
    eventually_sync(lambda: _pending_gauge(linkage) == 3.0, message="gauge equals the list")


def test_work_benefit_and_education_at_12_months_reach_records_and_monitor(
    linkage_sqlite: Linkage,
) -> None:
    linkage = linkage_sqlite
    events = []
    for n in range(12):  # obligations start 2024-01-15: the 12-month horizon is 2025-01
        p = pseudonym(300 + n)
        events += [duo(p, f"v{n}", "vastgesteld"), municipal(p, f"m{n}")]
        if n < 10:
            events.append(stats(p, f"s{n}", "2025-01", "werknemer"))
        elif n == 10:  # a first estimate, corrected later: the correction counts
            events.append(stats(p, "s10b", "2025-01", "bijstand", changed="2025-03-01T00:00:00Z"))
            events.append(stats(p, "s10a", "2025-01", "werknemer", changed="2025-02-01T00:00:00Z"))
    only_cbs = pseudonym(399)
    events.append(stats(only_cbs, "s99", "2025-01", "werknemer"))
    linkage.send(*events)
    headers = linkage.admin()

    def table(as_of: str) -> dict[str, Any]:
        response = linkage.client.get("/v1/monitor", params={"as_of": as_of}, headers=headers)
        result: dict[str, Any] = response.json()
        return result

    row = eventually_sync(
        lambda: (rows := table("2025-01-31")["rows"]) and rows[0]["n"] == 12 and rows[0],
        message="12 persons linked",
    )
    assert row["werk_12m"] == {"n": 10, "pct": 90.9}  # 10 of the 11 with a known category
    assert row["uitkering_12m"] == {"n": None, "pct": None}  # 1: suppressed
    assert row["werk_24m"] == {"n": 0, "pct": None}  # that month has not ended
    assert table("2025-01-30")["rows"][0]["werk_12m"] == {"n": 0, "pct": None}
    corrected = record_of(linkage, pseudonym(310))
    assert corrected is not None
    assert (corrected["werk_12m"], corrected["uitkering_12m"]) == (False, True)
    unknown = record_of(linkage, pseudonym(311))
    assert unknown is not None
    assert unknown["werk_12m"] is None
    pending = linkage.client.get("/v1/pending", headers=headers).json()
    assert only_cbs not in [entry["pseudonym"] for entry in pending]
    csv_table = linkage.client.get(
        "/v1/monitor",
        params={"as_of": "2025-01-31"},
        headers={**headers, "accept": "text/csv"},
    ).text.splitlines()
    header, line = csv_table[0].split(","), csv_table[1].split(",")
    assert (line[header.index("werk_12m_n")], line[header.index("werk_12m_pct")]) == ("10", "90.9")
