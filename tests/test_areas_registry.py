"""The registry of areas (areas.yaml) is validated on its own and against sources.yaml, naming what is wrong."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines.areas import AREAS_FILE, load_areas
from pipelines.registry import RegistryError, load_registry
from pipelines.settings import PROJECT_ROOT

REGISTRY = load_registry(PROJECT_ROOT / "sources.yaml")
RAW = yaml.safe_load(AREAS_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "areas.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def test_the_registry_declares_every_area_type_the_baseline_describes():
    areas = load_areas(AREAS_FILE, REGISTRY)
    assert list(areas.area_types) == ["england", "icb", "sicbl", "nhs_region", "lad", "utla", "msoa"]
    assert list(areas.vintages_of("icb")) == ["ICB22", "ICB24", "ICB26"]
    assert list(areas.vintages_of("sicbl")) == ["SICBL22", "SICBL24"]
    assert areas.expected_areas("icb") == {"ICB22": 42, "ICB24": 42, "ICB26": 36}
    rows = areas.as_dbt_var()
    assert [r["area_vintage"] for r in rows][:4] == ["ENG", "ICB22", "ICB24", "ICB26"]
    assert rows[1] | {"label": None} == {
        "area_type": "icb",
        "area_vintage": "ICB22",
        "label": None,
        "code_pattern": r"^E54\d{6}$",
        "la_figures": "apportioned",
        "expected_areas": 42,
        "in_force_from": "2022-07-01",
        "kind": "lookup",
        "membership": {
            "source": "ons_lsoa11_icb22_lookup",
            "lsoa": "lsoa11_code",
            "code": "icb22_code",
            "name": "icb22_name",
            "basis": None,
            "ods_code": "icb22_ods_code",
        },
        "boundaries": {"file": None, "drawn_with": "ICB24"},
    }
    assert rows[3]["boundaries"]["file"] == {
        "source": "ons_icb26_boundaries",
        "code": "icb26_code",
        "name": "icb26_name",
        "vintage": "ICB26",
    }
    # the sources dbt reads from the registry, and the pipeline makes upstream of the models reading them
    read = areas.sources_read()
    assert read["boundaries"] == ["ons_icb23_boundaries", "ons_icb26_boundaries"]
    assert {"ons_lsoa11_icb22_lookup", "ons_lsoa21_icb24_lookup", "derived_lsoa21_icb26_lookup"} <= set(
        read["membership"]
    )
    # an upper-tier council is built from the LAD24 districts: its own type stays utla
    utla = next(r for r in rows if r["area_vintage"] == "UTLA23")
    assert utla["area_type"] == "utla" and utla["membership"]["area_type"] == "lad"
    assert utla["membership"]["from"] == "lad23_code" and utla["membership"]["vintage"] == "LAD24"


def _mutated(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["area_types"]["lad"]["vintages"]["LAD24"]["membership"]["lookup"].update(
                source="ons_lsoa21_lad27_lookup"
            ),
            "area type lad, vintage LAD24, membership lookup: no source 'ons_lsoa21_lad27_lookup' in sources.yaml",
        ),
        (
            lambda raw: raw["area_types"]["icb"]["vintages"]["ICB26"]["membership"]["lookup"].update(
                name="icb26_title"
            ),
            "area type icb, vintage ICB26, membership lookup: source derived_lsoa21_icb26_lookup has no column"
            " 'icb26_title'",
        ),
        (
            # UTLA23 moved above the LAD24 districts it is built from
            lambda raw: raw.update(
                area_types={"utla": raw["area_types"].pop("utla"), **raw["area_types"]},
            ),
            "area type utla, vintage UTLA23, membership via: no area type 'lad' with vintage 'LAD24' above it",
        ),
        (
            lambda raw: raw["area_types"]["nhs_region"]["vintages"]["NHSER24"]["membership"]["icb_regions"].update(
                icb_vintage="ICB27"
            ),
            "area type nhs_region, vintage NHSER24, membership icb_regions: no ICB vintage 'ICB27' above it",
        ),
        (
            lambda raw: raw["area_types"]["icb"]["vintages"]["ICB26"]["boundaries"]["file"].update(
                source="ons_lsoa21_icb24_lookup", code="icb24_code", name="icb24_name"
            ),
            "area type icb, vintage ICB26, boundaries: source ons_lsoa21_icb24_lookup has no column 'geometry'",
        ),
        (
            lambda raw: raw["area_types"]["icb"]["vintages"]["ICB22"]["boundaries"].update(drawn_with="ICB21"),
            "area type icb, vintage ICB22, boundaries: drawn_with 'ICB21' is no icb vintage with a boundary file",
        ),
        (
            lambda raw: raw["area_types"]["icb"]["vintages"]["ICB22"]["membership"]["lookup"].update(
                ods_code="icb22_code_h"
            ),
            "area type icb, vintage ICB22, membership lookup: source ons_lsoa11_icb22_lookup has no column"
            " 'icb22_code_h'",
        ),
    ],
    ids=[
        "unknown-source",
        "unknown-column",
        "via-below",
        "unknown-icb-vintage",
        "boundaries-without-geometry",
        "drawn-with-unknown-vintage",
        "unknown-ods-column",
    ],
)
def test_a_vintage_that_does_not_match_sources_yaml_is_refused_by_name(tmp_path, change, message):
    with pytest.raises(RegistryError) as error:
        load_areas(_write(tmp_path, _mutated(change)), REGISTRY)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda raw: raw["area_types"]["sicbl"]["vintages"].update(
                ICB24=raw["area_types"]["icb"]["vintages"]["ICB24"]
            ),
            "vintage 'ICB24' is declared by both icb and sicbl",
        ),
        (
            lambda raw: raw["area_types"]["msoa"]["vintages"]["MSOA21"]["membership"].update(
                whole_country={"code": "E92000001", "name": "England"}
            ),
            "give exactly one kind of membership, not ['lsoa_name_prefix', 'whole_country']",
        ),
        (
            lambda raw: raw["area_types"]["lad"]["vintages"].update(
                lad25=raw["area_types"]["lad"]["vintages"]["LAD24"]
            ),
            "vintage 'lad25': ids are upper case letters and digits",
        ),
        (
            lambda raw: raw["area_types"]["lad"]["vintages"]["LAD24"]["membership"]["lookup"].update(lsoa="lsoa01_cd"),
            "area_types.lad.vintages.LAD24.membership.lookup.lsoa",
        ),
        (
            lambda raw: raw["area_types"]["icb"]["vintages"]["ICB22"]["boundaries"].update(
                file=raw["area_types"]["icb"]["vintages"]["ICB26"]["boundaries"]["file"]
            ),
            "give exactly one of 'file' and 'drawn_with'",
        ),
    ],
    ids=["duplicate-vintage", "two-kinds", "bad-vintage-id", "bad-lsoa-column", "two-kinds-of-boundaries"],
)
def test_a_malformed_registry_is_refused_naming_the_field(tmp_path, change, message):
    with pytest.raises(RegistryError) as error:
        load_areas(_write(tmp_path, _mutated(change)))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2023-03-31", "ICB22"),
        ("2023-04-01", "ICB24"),
        ("2026-03-31", "ICB24"),
        ("2026-04-01", "ICB26"),
        ("2027-03-31", "ICB26"),
        ("2027-04-01", "ICB27"),
    ],
)
def test_areas_are_compared_in_the_icb_vintage_in_force_on_the_day(tmp_path, day, expected):
    """A vintage declared ahead of its start (a merger in April 2027) changes no comparison until that day."""
    raw = _mutated(
        lambda raw: raw["area_types"]["icb"]["vintages"].update(
            ICB27={**raw["area_types"]["icb"]["vintages"]["ICB26"], "in_force_from": date(2027, 4, 1)}
        )
    )
    areas = load_areas(_write(tmp_path, raw))
    assert areas.vintage_in_force("icb", date.fromisoformat(day)) == expected
    with pytest.raises(ValueError, match="no icb vintage is in force on 2022-06-30"):
        areas.vintage_in_force("icb", date(2022, 6, 30))
