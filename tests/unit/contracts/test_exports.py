import contracts


def test_public_api_is_exported_and_sorted() -> None:
    assert contracts.__all__ == sorted(contracts.__all__, key=lambda n: (not n.isupper(), n))
    for name in contracts.__all__:
        member = getattr(contracts, name)
        module = getattr(member, "__module__", "contracts")
        assert module.startswith("contracts"), name


def test_every_catalogued_model_is_frozen_and_documented() -> None:
    for topic in contracts.CATALOGUE:
        for event_type, model in topic.event_types.items():
            assert model.model_config.get("frozen"), (topic.name, event_type)
            assert model.__doc__, model.__name__


def test_catalogue_co_partitions_records_and_monitoring() -> None:
    by_name = {t.name: t for t in contracts.CATALOGUE}
    linked = ["records.municipal.v1", "records.coa.v1", "records.duo.v1", "monitoring.records.v1"]
    assert {by_name[n].partitions for n in linked} == {6}
    assert {by_name[n].key for n in linked} == {"pseudonym"}
    assert by_name["registry.contacts.v1"].cleanup_policy == "compact"
    assert by_name["monitoring.records.v1"].cleanup_policy == "compact"
