"""Dagster entry point: `dagster dev` loads `defs` from here. Assembly lives in pipelines.assembly."""

from pipelines.assembly import build_definitions
from pipelines.settings import get_settings

defs = build_definitions(get_settings())
