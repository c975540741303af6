"""Release sensors: one per registry cadence, each asking its sources' publishers whether anything was released.

A tick probes every source of the group cheaply (`pipelines.release_probes`) and keeps what it saw in the sensor
cursor, as JSON keyed by source id. A source seen for the first time is only recorded: the sensor cannot know
whether the warehouse already holds that release, and turning a sensor on must not rebuild everything (the
cadence schedules and the whole build do that). A source whose marker changed since the last tick gets a run of
exactly its raw asset, everything downstream and publication, with every data-quality check publication needs.
Sources changed in the same tick share one run, because all runs write the one build database. A probe that
fails is logged and retried next tick; the cursor keeps the last marker seen.

Sensors are created stopped; a deployment turns them on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

import dagster as dg
import requests

from pipelines.cadence import CADENCE_PLANS, groups
from pipelines.defs.schedules import WRITES_BUILD_DATABASE_TAG, refresh_assets
from pipelines.fetch import Fetcher, FetchError, HttpPolicy
from pipelines.registry import Cadence, Registry, Source
from pipelines.release_probes import Seen, probe_live, probe_snapshot
from pipelines.settings import Settings

log = logging.getLogger(__name__)

# Sensor evaluations time out after 60 s by default; stop probing well before and carry on next tick.
PROBE_BUDGET_SECONDS = 40.0


def probe_policy(registry: Registry, settings: Settings) -> HttpPolicy:
    """The fetcher's allowlist and loopback rule, with short timeouts and one retry: a probe is only a hint."""
    return HttpPolicy(
        allowed_hosts=registry.allowed_hosts,
        allow_loopback_http=settings.allow_loopback_http,
        connect_timeout=5.0,
        read_timeout=15.0,
        attempts=2,
        backoff_seconds=1.0,
    )


def release_sensor_name(cadence: Cadence) -> str:
    return f"release_sensor_{cadence.value}"


def build_release_sensor(
    cadence: Cadence,
    sources: Sequence[Source],
    job: dg.UnresolvedAssetJobDefinition,
    settings: Settings,
    policy: HttpPolicy,
    required_checks: Sequence[dg.AssetCheckKey],
    *,
    session: requests.Session | None = None,
    budget_seconds: float = PROBE_BUDGET_SECONDS,
) -> dg.SensorDefinition:
    interval = CADENCE_PLANS[cadence].probe_interval

    @dg.sensor(
        name=release_sensor_name(cadence),
        job=job,
        minimum_interval_seconds=int(interval / timedelta(seconds=1)),
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=f"Watches the {cadence.value} sources for a new release ("
        + ("snapshot file sha256" if settings.fetch_mode == "snapshot" else "HTTP validators and publisher APIs")
        + "); runs the changed sources' raw assets, everything downstream and publication.",
    )
    def _release_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
        cursor: dict[str, Seen] = json.loads(context.cursor) if context.cursor else {}
        fetcher = Fetcher(
            landing_dir=settings.landing_dir, mode="live", policy=policy, session=session or requests.Session()
        )
        deadline = time.monotonic() + budget_seconds
        changed: list[Source] = []
        notes: list[str] = []
        # Least recently probed first, so a tick cut short by the budget never starves the same sources.
        ordered = sorted(sources, key=lambda s: cursor.get(s.id, {}).get("probed_at", 0.0))
        for source in ordered:
            if time.monotonic() > deadline:
                notes.append(f"time budget spent before {source.id}")
                break
            previous = cursor.get(source.id)
            try:
                if settings.fetch_mode == "snapshot":
                    seen = probe_snapshot(source, settings.snapshot_dir, previous)
                else:
                    seen = probe_live(fetcher, source)
            except FetchError as exc:
                context.log.warning(f"release probe of {source.id} failed: {exc}")
                notes.append(f"{source.id}: probe failed")
                continue
            if seen is None:
                notes.append(f"{source.id}: no cheap release marker; left to the {cadence.value} schedule")
                continue
            cursor[source.id] = {**seen, "probed_at": time.time()}
            if previous is None:
                notes.append(f"{source.id}: first seen, recorded")
            elif previous.get("marker") != seen["marker"]:
                context.log.info(f"{source.id}: new release ({previous.get('marker')} -> {seen['marker']})")
                changed.append(source)
        new_cursor = json.dumps(cursor, sort_keys=True)
        if not changed:
            return dg.SensorResult(
                skip_reason=dg.SkipReason("no new release" + (f" ({'; '.join(notes)})" if notes else "")),
                cursor=new_cursor,
            )
        graph = context.repository_def.asset_graph
        selection = refresh_assets(changed)
        assets = sorted(selection.resolve(graph), key=lambda k: k.to_user_string())
        checks = sorted(set(selection.resolve_checks(graph)) | set(required_checks), key=lambda k: k.to_user_string())
        # Unique per change: a publisher that reverts to an earlier file is a new release again.
        markers = "|".join(f"{s.id}={cursor[s.id]['marker']}@{cursor[s.id]['probed_at']}" for s in changed)
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    run_key=hashlib.sha256(markers.encode()).hexdigest()[:20],
                    asset_selection=assets,
                    asset_check_keys=checks,
                    tags={
                        **WRITES_BUILD_DATABASE_TAG,
                        "ics_baseline/cadence": cadence.value,
                        "ics_baseline/new_release": ",".join(s.id for s in changed),
                    },
                )
            ],
            cursor=new_cursor,
        )

    return _release_sensor


def build_sensor_defs(
    registry: Registry,
    settings: Settings,
    refresh_jobs: dict[Cadence, dg.UnresolvedAssetJobDefinition],
    required_checks: Sequence[dg.AssetCheckKey],
) -> dg.Definitions:
    policy = probe_policy(registry, settings)
    return dg.Definitions(
        sensors=[
            build_release_sensor(cadence, sources, refresh_jobs[cadence], settings, policy, required_checks)
            for cadence, sources in groups(registry.sources).items()
        ]
    )
