"""The build job and its schedule (created stopped: turn it on in the Dagster UI when a deployment is ready)."""

from __future__ import annotations

import dagster as dg

BUILD_JOB_NAME = "build_baseline"

build_baseline_job = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Fetch every source, build the marts, run all checks and publish a release if they pass.",
)


def build_schedule_defs() -> dg.Definitions:
    monthly = dg.ScheduleDefinition(
        name="build_baseline_monthly",
        job=build_baseline_job,
        # Most sources publish monthly or less often; 06:00 on the 2nd leaves publishers' first-day releases time.
        cron_schedule="0 6 2 * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
    )
    return dg.Definitions(jobs=[build_baseline_job], schedules=[monthly])
