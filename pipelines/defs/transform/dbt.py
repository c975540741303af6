"""dbt models on DuckDB as Dagster assets (Pythonic `@dbt_assets` over a prebuilt manifest).

The manifest is built by `dbt parse` before definitions load (`prepare_manifest`), never at import time, and
rebuilt only when a file of the dbt project or the registry's suppression markers change.
"""

import hashlib
import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from filelock import FileLock
from packaging.version import Version

from pipelines.areas import AreasRegistry, load_areas
from pipelines.incremental import mark_dirty
from pipelines.registry import Registry
from pipelines.settings import DBT_PROJECT_DIR, get_settings

DBT_INPUT_FOLDERS = ("models", "macros", "seeds", "tests")
DBT_INPUT_FILES = ("dbt_project.yml", "profiles.yml")


def areas_registry(registry: Registry) -> AreasRegistry:
    """The registry of areas this build uses (areas.yaml unless `build --areas-registry`), checked against
    sources.yaml."""
    return load_areas(get_settings().areas_file, registry)


def dbt_vars(registry: Registry) -> dict[str, Any]:
    """Variables every dbt invocation gets: sources.yaml stays the one list of suppression markers, and areas.yaml
    (checked against sources.yaml) the one list of area types and boundary vintages, with the ICB vintage in force
    today, in which areas other than ICBs find their parent ICB, region and England comparators."""
    markers: dict[str, list[str]] = {"_default": registry.suppression_markers}
    markers.update({s.id: s.suppression_markers for s in registry.sources if s.suppression_markers is not None})
    areas = areas_registry(registry)
    return {
        "suppression_markers": markers,
        "area_vintages": areas.as_dbt_var(),
        "comparison_icb_vintage": areas.vintage_in_force("icb", datetime.now(UTC).date()),
    }


def _vars_args(registry: Registry) -> list[str]:
    return ["--vars", json.dumps(dbt_vars(registry), sort_keys=True)]


def dbt_executable() -> str:
    """The dbt installed beside this interpreter, so a venv works without being activated."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class ProjectDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource, without two steps it takes before every dbt command that this project never
    needs, which cost several seconds per build: `dbt --version` in a subprocess (the dbt beside this interpreter is
    the installed dbt-core, whose version its metadata gives) and a dbt adapter loaded in this process, which
    dagster-dbt only uses to fetch column metadata and row counts, never requested here."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def make_dbt_project() -> DbtProject:
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
    )


def _inputs_fingerprint(registry: Registry) -> str:
    digest = hashlib.sha256(json.dumps(dbt_vars(registry), sort_keys=True).encode())
    files = [DBT_PROJECT_DIR / name for name in DBT_INPUT_FILES]
    for folder in DBT_INPUT_FOLDERS:
        files.extend(sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()))
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def prepare_manifest(registry: Registry) -> Path:
    """Run `dbt parse` if the manifest is missing or older than the dbt project; return the manifest path."""
    project = make_dbt_project()
    target = Path(project.project_dir) / project.target_path
    stamp = target / "manifest.inputs.sha256"
    fingerprint = _inputs_fingerprint(registry)
    manifest = Path(project.manifest_path)
    target.mkdir(parents=True, exist_ok=True)
    # The CLI, the webserver and test workers may load the definitions at the same moment: one parse at a time,
    # and the others then find the fresh manifest instead of writing it again underneath the first.
    with FileLock(str(target / "manifest.lock")):
        if not manifest.exists() or not stamp.exists() or stamp.read_text() != fingerprint:
            ProjectDbtCliResource(project_dir=project, dbt_executable=dbt_executable()).cli(
                ["parse", "--quiet", *_vars_args(registry)], target_path=project.target_path
            ).wait()
            stamp.write_text(fingerprint)
    return manifest


class IcsBaselineTranslator(DagsterDbtTranslator):
    """Asset keys mirror where tables live: raw/<source>, staging/<model>, intermediate/<model>, marts/<model>.

    The lookups and boundary files the registry of areas names are read by macros straight from their raw tables
    (macro area_registry_relation), so a new vintage needs no dbt source entry; a model reading them says which in
    meta `area_registry_sources` (membership, boundaries), and gets those raw assets as its upstream here."""

    def __init__(self, registry_sources: Mapping[str, list[str]] | None = None):
        super().__init__()
        self._registry_sources = dict(registry_sources or {})

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: Any) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest["nodes"].get(unique_id) or {}
        roles = (node.get("config", {}).get("meta") or {}).get("area_registry_sources") or []
        unknown = [role for role in roles if role not in self._registry_sources]
        if unknown and self._registry_sources:
            raise ValueError(
                f"{unique_id}: meta area_registry_sources {unknown} is none of {list(self._registry_sources)}"
            )
        extra = {
            dg.AssetKey(["raw", source_id]) for role in roles for source_id in self._registry_sources.get(role, [])
        }
        known = {dep.asset_key for dep in spec.deps}
        if not extra - known:
            return spec
        return spec.replace_attributes(deps=[*spec.deps, *(dg.AssetDep(key) for key in sorted(extra - known))])

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # raw.<id> tables are the raw/<id> assets; meta.source_registry is meta/source_registry
            return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or dbt_resource_props["schema"]
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return dbt_resource_props.get("config", {}).get("schema") or "dbt"


def build_transform_defs(registry: Registry) -> dg.Definitions:
    project = make_dbt_project()
    vars_args = _vars_args(registry)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=IcsBaselineTranslator(areas_registry(registry).sources_read()),
        name="dbt_models",
    )
    def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        """Staging, intermediate and mart models; dbt tests run alongside and surface as asset checks."""
        # the build database stops matching the latest release until this run publishes
        mark_dirty(get_settings(), context.run_id)
        yield from dbt.cli(["build", *vars_args], context=context).stream()

    return dg.Definitions(
        assets=[dbt_models],
        resources={
            "dbt": ProjectDbtCliResource(
                project_dir=project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
            )
        },
    )
