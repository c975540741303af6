"""Jobs and schedules: the whole build, and one refresh per registry cadence. All schedules are created stopped;
a deployment turns on the ones it wants in the Dagster UI.

A cadence refresh re-fetches that group's sources and rebuilds everything downstream of them, then publishes.
Publication needs every data-quality suite evaluated in the same run, so each refresh also runs every GX check
(on the other sources' raw tables and the marts as they stand in the build database).
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from pipelines.cadence import CADENCE_PLANS, groups
from pipelines.registry import Cadence, Registry, Source

BUILD_JOB_NAME = "build_baseline"
PUBLISH_KEY = dg.AssetKey(["publish", "release"])
REGISTRY_KEY = dg.AssetKey(["meta", "source_registry"])
# Every run writes the one build database; a deployment limits runs with this tag to one at a time
# (QueuedRunCoordinator tag_concurrency_limits), because DuckDB allows a single writer.
WRITES_BUILD_DATABASE_TAG = {"ics_baseline/writes": "build_database"}

build_baseline_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Fetch every source, build the marts, run all checks and publish a release if they pass.",
    tags=WRITES_BUILD_DATABASE_TAG,
)


def raw_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.id])


def refresh_assets(sources: Sequence[Source]) -> dg.AssetSelection:
    """The sources' raw assets, everything downstream of them, the registry table and publication."""
    return dg.AssetSelection.assets(*(raw_key(s) for s in sources)).downstream() | dg.AssetSelection.assets(
        REGISTRY_KEY, PUBLISH_KEY
    )


def refresh_selection(sources: Sequence[Source], required_checks: Sequence[dg.AssetCheckKey]) -> dg.AssetSelection:
    return refresh_assets(sources) | dg.AssetSelection.checks(*required_checks)


def refresh_job_name(cadence: Cadence) -> str:
    return f"refresh_{cadence.value}_sources"


def build_refresh_jobs(
    registry: Registry, required_checks: Sequence[dg.AssetCheckKey]
) -> dict[Cadence, dg.UnresolvedAssetJobDefinition]:
    return {
        cadence: dg.define_asset_job(
            refresh_job_name(cadence),
            selection=refresh_selection(sources, required_checks),
            description=f"Re-fetch the {cadence.value} sources ({', '.join(s.id for s in sources)}), rebuild"
            " what depends on them, run every data-quality check and publish if they pass.",
            tags={**WRITES_BUILD_DATABASE_TAG, "ics_baseline/cadence": cadence.value},
        )
        for cadence, sources in groups(registry.sources).items()
    }


def build_schedule_defs(
    registry: Registry, refresh_jobs: dict[Cadence, dg.UnresolvedAssetJobDefinition]
) -> dg.Definitions:
    monthly = dg.ScheduleDefinition(
        name="build_baseline_monthly",
        job=build_baseline_job,
        # Most sources publish monthly or less often; 06:00 on the 2nd leaves publishers' first-day releases time.
        cron_schedule="0 6 2 * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    refreshes = [
        dg.ScheduleDefinition(
            name=f"{refresh_job_name(cadence)}_schedule",
            job=job,
            cron_schedule=CADENCE_PLANS[cadence].refresh_cron,
            execution_timezone="Europe/London",
            default_status=dg.DefaultScheduleStatus.STOPPED,
            description=f"Refresh the {cadence.value} sources on `{CADENCE_PLANS[cadence].refresh_cron}`.",
        )
        for cadence, job in refresh_jobs.items()
        if CADENCE_PLANS[cadence].refresh_cron is not None
    ]
    return dg.Definitions(jobs=[build_baseline_job, *refresh_jobs.values()], schedules=[monthly, *refreshes])
