"""Rebuild only what changed: nothing when no input changed, one source and its descendants when one did.

A build that publishes leaves a marker (build/last_published.json) recording the release, the code fingerprint
and the sha256 of every input it read. The next snapshot build compares against it:
  - code changed, marker missing or dirty (a build changed the database and did not publish), or release gone:
    full build; except that a one-source rebuild records its run and sources first (`record_resumable_run`), so
    when it fails or is killed the next build redoes those sources and what depends on them, not everything;
  - no input changed: nothing to do (`--force` rebuilds anyway);
  - some inputs changed: materialise those raw assets and everything downstream, and publish. The checks of
    assets that were not rebuilt are carried over from the release the marker names, whose data they checked.
The marker is removed before any build starts, so a failed build can never be taken as a base to build on.
Live builds always run in full here; in a deployment the release sensors trigger the per-source runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.custom_areas import CUSTOM_AREAS_SOURCE_ID, NO_CUSTOM_AREAS, custom_areas_fingerprint
from pipelines.registry import Registry
from pipelines.settings import PROJECT_ROOT, Settings

MARKER_NAME = "last_published.json"

# Everything that decides what a build computes from its inputs.
CODE_PATHS = [
    "pipelines",
    "dbt_project/models",
    "dbt_project/macros",
    "dbt_project/seeds",
    "dbt_project/tests",
    "dbt_project/dbt_project.yml",
    "dbt_project/profiles.yml",
    "expectations",
    "sources.yaml",
    "areas.yaml",
    "quality.yaml",
    "uv.lock",
]
CODE_SUFFIXES = {".py", ".sql", ".yml", ".yaml", ".csv", ".j2", ".lock", ".json"}


def code_fingerprint(root: Path = PROJECT_ROOT, registries: tuple[Path, ...] = ()) -> str:
    """The code and registries a build runs with; `registries` adds those given outside the project (build
    --sources, --areas-registry), so pointing a build at another one is a change of code."""
    digest = hashlib.sha256()
    for registry in registries:
        if registry.is_file() and not registry.resolve().is_relative_to(root.resolve()):
            digest.update(str(registry.resolve()).encode())
            digest.update(hashlib.sha256(registry.read_bytes()).digest())
    for relative in CODE_PATHS:
        path = root / relative
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if file.suffix not in CODE_SUFFIXES or "__pycache__" in file.parts:
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def snapshot_input_hashes(settings: Settings, registry: Registry) -> dict[str, str | None]:
    """sha256 of each source's file in the snapshot mirror (None where the file is missing), and of the custom
    areas file under its raw asset's id (NO_CUSTOM_AREAS without one), so a changed areas file is rebuilt like a
    changed source: raw/custom_areas and what depends on it."""
    hashes: dict[str, str | None] = {}
    for source in registry.sources:
        path = settings.snapshot_dir / source.snapshot_path
        hashes[source.id] = _sha256(path) if path.is_file() else None
    areas_file = settings.custom_areas_file
    hashes[CUSTOM_AREAS_SOURCE_ID] = (
        None if areas_file is not None and not areas_file.is_file() else custom_areas_fingerprint(areas_file)
    )
    return hashes


def loaded_custom_areas(settings: Settings) -> str:
    """The fingerprint of the custom areas the build database holds (written by the raw/custom_areas asset)."""
    import duckdb  # here: the plan of a build never needs it

    from pipelines.warehouse import connect

    try:
        with connect(settings.build_database) as con:
            row = con.execute("select sha256 from meta.custom_areas_input").fetchone()
    except duckdb.CatalogException:  # a database from before custom areas: it has none
        return NO_CUSTOM_AREAS
    return row[0] if row else NO_CUSTOM_AREAS


def marker_path(settings: Settings) -> Path:
    return settings.build_database.parent / MARKER_NAME


def read_marker(settings: Settings) -> dict[str, Any] | None:
    path = marker_path(settings)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def clear_marker(settings: Settings) -> None:
    marker_path(settings).unlink(missing_ok=True)


def _write(settings: Settings, content: dict[str, Any]) -> None:
    path = marker_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, indent=2), encoding="utf-8")
    temporary.replace(path)


def write_marker(settings: Settings, release_id: str, code: str, inputs: dict[str, str | None]) -> None:
    """After publication: the build database now holds exactly what `release_id` was published from."""
    _write(settings, {"release_id": release_id, "code": code, "inputs": inputs, "dirty_run": None})


def mark_dirty(settings: Settings, run_id: str) -> None:
    """Before a step writes to the build database: until this run publishes, the database no longer matches
    the release the marker names, except in the parts this run itself rebuilds and checks."""
    marker = read_marker(settings)
    if marker is None or marker.get("dirty_run") == run_id:
        return
    if marker.get("dirty_run") is None:
        resume = marker.get("resume")
        # what a one-source rebuild recorded before it started holds only for that run, never for another
        kept = {k: v for k, v in marker.items() if k != "resume" or (resume or {}).get("run") == run_id}
        _write(settings, {**kept, "dirty_run": run_id})
    else:  # another run changed the database and never published: nothing is known to match any release
        clear_marker(settings)


def record_resumable_run(settings: Settings, run_id: str, sources: tuple[str, ...]) -> None:
    """Before a one-source rebuild starts: name the run and what it rebuilds. If it then fails or is killed before
    publishing, it has changed only those sources and what depends on them, so the next build redoes just that
    (with whatever else changed) instead of everything. The plan that chose this run has already taken over any
    earlier unpublished run's sources, so the database is again described by the marker plus this record."""
    marker = read_marker(settings)
    if marker is None:
        return
    _write(settings, {**marker, "dirty_run": None, "resume": {"run": run_id, "sources": sorted(sources)}})


def carry_over_base(settings: Settings, run_id: str, latest_release_id: str | None) -> str | None:
    """The release whose checks still hold for the assets this run did not rebuild, or None."""
    marker = read_marker(settings)
    if marker is None or latest_release_id is None or marker.get("release_id") != latest_release_id:
        return None
    return latest_release_id if marker.get("dirty_run") in (None, run_id) else None


@dataclass(frozen=True)
class BuildPlan:
    kind: str  # "full", "nothing", "sources"
    reason: str
    changed_sources: tuple[str, ...] = ()
    base_release: str | None = None


def plan_build(
    settings: Settings,
    code: str,
    inputs: dict[str, str | None],
    latest_release_id: str | None,
    force: bool = False,
) -> BuildPlan:
    if settings.fetch_mode != "snapshot":
        return BuildPlan("full", "live builds fetch every source")
    if force:
        return BuildPlan("full", "--force")
    marker = read_marker(settings)
    if marker is None:
        return BuildPlan("full", "no record of a clean published build in this warehouse")
    redo: tuple[str, ...] = ()
    if marker.get("dirty_run") is not None:
        resume = marker.get("resume") or {}
        if resume.get("run") != marker["dirty_run"] or not resume.get("sources"):
            return BuildPlan("full", "no record of a clean published build in this warehouse")
        redo = tuple(resume["sources"])  # a one-source rebuild that did not publish: it touched only these
    if latest_release_id is None or marker.get("release_id") != latest_release_id:
        return BuildPlan("full", "the latest release was not published from this build database")
    if marker.get("code") != code:
        return BuildPlan("full", "the code or registry changed")
    if None in inputs.values() or set(marker.get("inputs", {})) != set(inputs):
        return BuildPlan("full", "the set of sources changed")
    if not set(redo) <= set(inputs):
        return BuildPlan("full", "the set of sources changed")
    changed = tuple(sorted({s for s, h in inputs.items() if marker["inputs"].get(s) != h} | set(redo)))
    if not changed:
        return BuildPlan("nothing", f"no input changed since release {latest_release_id}", (), latest_release_id)
    reason = f"{len(changed)} input(s) changed"
    if redo:
        reason += f"; redoing run {marker['dirty_run']}, which rebuilt {', '.join(redo)} and did not publish"
    return BuildPlan("sources", reason, changed, latest_release_id)
