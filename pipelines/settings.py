"""The one place configuration is read. Everything else asks `get_settings()`.

Environment variables (all optional):
  ICS_BASELINE_WAREHOUSE_DIR  where the build database, landed artefacts and releases live (default: ./warehouse)
  ICS_BASELINE_SNAPSHOT_DIR   the mirror of publisher files used in snapshot mode (default: ../shared/snapshot)
  ICS_BASELINE_FETCH_MODE     "snapshot" (read the mirror) or "live" (download from publishers); default snapshot
  ICS_BASELINE_SOURCES_FILE   the registry of inputs (default: ./sources.yaml)
  ICS_BASELINE_AREAS_FILE     the registry of area types and boundary vintages (default: ./areas.yaml)
  ICS_BASELINE_ALLOW_LOOPBACK_HTTP  "1" lets the live fetcher use plain http on 127.0.0.1/localhost (tests only)
  ICS_BASELINE_ACCEPT_REVISIONS  comma-separated source ids (or "all") whose mass revision against the previous
                              release may be published (`ics-baseline build --accept-revisions` sets it)
  ICS_BASELINE_TODAY          the date data freshness is judged on, YYYY-MM-DD (default: today, UTC); fixed in tests
  ICS_BASELINE_CUSTOM_AREAS_FILE  a CSV of custom areas (area_set, area_code, area_name, lsoa21_code) built beside
                              the registry's (`ics-baseline build --areas FILE` sets it; pipelines/custom_areas.py)

WAREHOUSE_PATH, the absolute path of the build database, is derived here and exported for dbt's profiles.yml.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
WAREHOUSE_FILE_NAME = "ics_baseline.duckdb"
# Thresholds of the series-break check and the revisions hold (pipelines/quality_thresholds.py).
QUALITY_FILE = PROJECT_ROOT / "quality.yaml"


@dataclass(frozen=True)
class Settings:
    warehouse_dir: Path
    snapshot_dir: Path
    fetch_mode: Literal["snapshot", "live"]
    sources_file: Path
    allow_loopback_http: bool
    areas_file: Path = PROJECT_ROOT / "areas.yaml"
    # Sources whose revisions against the previous release are accepted for this build ("all" accepts every one).
    accept_revisions: frozenset[str] = frozenset()
    # The clock of data freshness (current / overdue / stale): injectable, so the same data is judged the same way.
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    # A user's own areas (pipelines/custom_areas.py), or None: a build without them is the registry's areas only.
    custom_areas_file: Path | None = None

    @property
    def build_database(self) -> Path:
        """The write side: raw, staging and marts are built here, never read by analysts."""
        return self.warehouse_dir / "build" / WAREHOUSE_FILE_NAME

    @property
    def landing_dir(self) -> Path:
        """Raw artefacts exactly as fetched, one folder per source."""
        return self.warehouse_dir / "landing"

    @property
    def releases_dir(self) -> Path:
        return self.warehouse_dir / "releases"


def get_settings() -> Settings:
    mode = os.environ.get("ICS_BASELINE_FETCH_MODE", "snapshot").strip().lower()
    if mode not in ("snapshot", "live"):
        raise ValueError(f"ICS_BASELINE_FETCH_MODE must be 'snapshot' or 'live', got {mode!r}")
    warehouse = Path(os.environ.get("ICS_BASELINE_WAREHOUSE_DIR") or PROJECT_ROOT / "warehouse")
    snapshot = Path(os.environ.get("ICS_BASELINE_SNAPSHOT_DIR") or PROJECT_ROOT.parent / "shared" / "snapshot")
    sources = Path(os.environ.get("ICS_BASELINE_SOURCES_FILE") or PROJECT_ROOT / "sources.yaml")
    areas = Path(os.environ.get("ICS_BASELINE_AREAS_FILE") or PROJECT_ROOT / "areas.yaml")
    today_text = os.environ.get("ICS_BASELINE_TODAY", "").strip()
    try:
        today = date.fromisoformat(today_text) if today_text else datetime.now(UTC).date()
    except ValueError:
        raise ValueError(f"ICS_BASELINE_TODAY must be a date as YYYY-MM-DD, got {today_text!r}") from None
    areas_text = os.environ.get("ICS_BASELINE_CUSTOM_AREAS_FILE", "").strip()
    settings = Settings(
        warehouse_dir=warehouse.resolve(),
        snapshot_dir=snapshot.resolve(),
        fetch_mode=mode,  # type: ignore[arg-type]
        sources_file=sources.resolve(),
        allow_loopback_http=os.environ.get("ICS_BASELINE_ALLOW_LOOPBACK_HTTP") == "1",
        areas_file=areas.resolve(),
        accept_revisions=parse_accepted_revisions(os.environ.get("ICS_BASELINE_ACCEPT_REVISIONS", "")),
        today=today,
        custom_areas_file=Path(areas_text).resolve() if areas_text else None,
    )
    # dbt reads the database path from the environment; it must be absolute (dbt may run from another cwd).
    os.environ["WAREHOUSE_PATH"] = str(settings.build_database)
    return settings


def parse_accepted_revisions(value: str) -> frozenset[str]:
    return frozenset(part.strip() for part in value.split(",") if part.strip())
