"""Assemble the Definitions from each concern: sources, transform, quality, publish, schedules and sensors."""

from __future__ import annotations

import dagster as dg

from pipelines.defs.publish.assets import build_publish_defs
from pipelines.defs.quality.checks import build_quality_defs
from pipelines.defs.schedules import build_refresh_jobs, build_schedule_defs
from pipelines.defs.sensors import build_sensor_defs
from pipelines.defs.sources.assets import build_source_defs
from pipelines.defs.transform.dbt import build_transform_defs, prepare_manifest
from pipelines.registry import load_registry
from pipelines.settings import Settings


def build_definitions(settings: Settings) -> dg.Definitions:
    registry = load_registry(settings.sources_file)
    # `dbt parse` runs only when the dbt project changed since the last manifest, so loading stays fast.
    prepare_manifest(registry)
    quality = build_quality_defs(settings)
    required_checks = [key for checks_def in quality.asset_checks or [] for key in checks_def.check_keys]
    refresh_jobs = build_refresh_jobs(registry, required_checks)
    return dg.Definitions.merge(
        build_source_defs(settings, registry),
        build_transform_defs(registry),
        quality,
        build_publish_defs(settings, required_checks),
        build_schedule_defs(registry, refresh_jobs),
        build_sensor_defs(registry, settings, refresh_jobs, required_checks),
        # Two cores: one process avoids re-importing dagster, dbt and GX in a subprocess per step.
        dg.Definitions(executor=dg.in_process_executor),
    )
