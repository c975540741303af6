"""The full Definitions load, and their shape follows sources.yaml and expectations/."""

from __future__ import annotations

import dagster as dg
import pytest

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
    assert raw_keys == {dg.AssetKey(["raw", s.id]) for s in registry.sources}


def test_dbt_sources_are_the_raw_assets(defs):
    """Every dbt source resolves to an asset the pipeline writes, so lineage is connected end to end."""
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    staging = [spec for key, spec in specs.items() if key.path[0] == "staging"]
    assert staging
    upstream = {dep.asset_key for spec in staging for dep in spec.deps}
    assert upstream and all(key in specs for key in upstream)
    assert {key.path[0] for key in upstream} == {"raw", "meta"}
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    assert {key.path[1] for key in upstream if key.path[0] == "raw"} == {s.id for s in registry.sources}


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
