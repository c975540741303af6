"""The full Definitions load, and their shape follows sources.yaml and expectations/."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.areas import load_areas
from pipelines.custom_areas import CUSTOM_AREAS_SOURCE_ID, LSOA21_LOOKUP_SOURCE
from pipelines.defs.quality.gx_adapter import load_suite_files
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def defs(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ICS_BASELINE_WAREHOUSE_DIR", str(tmp_path_factory.mktemp("defs_warehouse")))
        from pipelines.assembly import build_definitions
        from pipelines.settings import get_settings

        return build_definitions(get_settings())


def test_definitions_load_and_validate(defs):
    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("build_baseline") is not None


def test_one_raw_asset_per_registry_source(defs):
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    raw_keys = {spec.key for spec in defs.resolve_all_asset_specs() if spec.key.path[0] == "raw"}
    # and the user's custom areas file (pipelines/custom_areas.py), an input like a source
    custom = dg.AssetKey(["raw", CUSTOM_AREAS_SOURCE_ID])
    assert raw_keys == {dg.AssetKey(["raw", s.id]) for s in registry.sources} | {custom}


def test_dbt_sources_are_the_raw_assets(defs):
    """Every dbt source resolves to an asset the pipeline writes, so lineage is connected end to end."""
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    staging = [spec for key, spec in specs.items() if key.path[0] == "staging"]
    assert staging
    # the lookups and boundary files of the registry of areas are read by macros straight from their raw tables
    # (a new boundary vintage needs no staging model or dbt source entry): the models reading them say so
    registry_readers = [
        specs[dg.AssetKey(["intermediate", name])]
        for name in ("int_lsoa21_area_memberships_listed", "int_area_boundaries_unioned", "int_icb_ods_codes_listed")
    ]
    upstream = {
        dep.asset_key
        for spec in [*staging, *registry_readers]
        for dep in spec.deps
        if dep.asset_key.path[0] != "intermediate"
    }
    assert upstream and all(key in specs for key in upstream)
    assert {key.path[0] for key in upstream} <= {"raw", "meta", "staging"}
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    raw_ids = {s.id for s in registry.sources} | {CUSTOM_AREAS_SOURCE_ID}
    assert {key.path[1] for key in upstream if key.path[0] == "raw"} == raw_ids


def test_the_area_registry_sources_are_upstream_of_the_models_reading_them(defs):
    """Lineage from the registry: a new vintage's lookup and boundary file feed the models that read them."""
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    read = load_areas(registry=load_registry(PROJECT_ROOT / "sources.yaml")).sources_read()
    for model, role in (
        ("int_lsoa21_area_memberships_listed", "membership"),
        ("int_icb_ods_codes_listed", "membership"),
        ("int_area_boundaries_unioned", "boundaries"),
    ):
        deps = {dep.asset_key for dep in specs[dg.AssetKey(["intermediate", model])].deps}
        assert read[role] and {dg.AssetKey(["raw", source_id]) for source_id in read[role]} <= deps, model


def test_every_gx_suite_is_a_blocking_check(defs):
    suites = {s.name: s for s in load_suite_files(PROJECT_ROOT / "expectations")}
    all_specs = [spec for checks_def in defs.asset_checks or [] for spec in checks_def.check_specs]
    checks = {spec.key.name: spec for spec in all_specs if spec.key.name in suites}
    assert set(checks) == set(suites)
    for name, spec in checks.items():
        assert spec.blocking, name
        assert spec.asset_key == dg.AssetKey(list(suites[name].asset_key)), name


def test_publish_is_downstream_of_the_marts(defs):
    spec = next(s for s in defs.resolve_all_asset_specs() if s.key == dg.AssetKey(["publish", "release"]))
    deps = {d.asset_key for d in spec.deps}
    assert dg.AssetKey(["marts", "icb_indicators"]) in deps


def test_schedule_exists_and_is_off_by_default(defs):
    schedule = defs.resolve_schedule_def("build_baseline_monthly")
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_every_schedule_and_sensor_is_off_by_default(defs):
    schedules, sensors = list(defs.schedules or []), list(defs.sensors or [])
    assert schedules and sensors
    assert all(s.default_status == dg.DefaultScheduleStatus.STOPPED for s in schedules)
    assert all(s.default_status == dg.DefaultSensorStatus.STOPPED for s in sensors)


def test_one_refresh_job_schedule_and_release_sensor_per_cadence(defs):
    from pipelines.cadence import CADENCE_PLANS

    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    cadences = {s.cadence for s in registry.sources}
    assert {s.name for s in defs.sensors} == {f"release_sensor_{c.value}" for c in cadences}
    refreshed = {c for c in cadences if CADENCE_PLANS[c].refresh_cron}
    assert {s.name for s in defs.schedules} == {"build_baseline_monthly"} | {
        f"refresh_{c.value}_sources_schedule" for c in refreshed
    }
    for cadence in cadences:
        job = defs.resolve_job_def(f"refresh_{cadence.value}_sources")
        selected = job.asset_layer.selected_asset_keys
        raw = {key.path[1] for key in selected if key.path[0] == "raw"}
        # A group's own raw assets, never another group's: those are read from the build database as they stand;
        # the custom areas are checked again when the LSOA lookup they are checked against is refreshed.
        own = {s.id for s in registry.sources if s.cadence == cadence}
        assert raw == own | ({CUSTOM_AREAS_SOURCE_ID} if LSOA21_LOOKUP_SOURCE in own else set())
        assert dg.AssetKey(["publish", "release"]) in selected


def test_raw_assets_carry_a_freshness_policy_from_their_cadence(defs):
    from datetime import timedelta

    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    for source in registry.sources:
        policy = specs[dg.AssetKey(["raw", source.id])].freshness_policy
        if source.cadence.value == "once":
            assert policy is None, source.id
        else:
            assert policy.fail_window.to_timedelta() >= timedelta(days=45), source.id
    monthly = next(s for s in registry.sources if s.cadence.value == "monthly")
    policy = specs[dg.AssetKey(["raw", monthly.id])].freshness_policy
    assert policy.fail_window.to_timedelta() == timedelta(days=45)
    assert policy.warn_window.to_timedelta() == timedelta(days=35)
