"""sources.yaml is validated on load, and a bad entry is an error naming the entry and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipelines.registry import RegistryError, load_registry
from tests.conftest import PROJECT_ROOT

SOURCES_FILE = PROJECT_ROOT / "sources.yaml"


def _write_variant(tmp_path: Path, mutate) -> Path:
    doc = yaml.safe_load(SOURCES_FILE.read_text())
    mutate(doc)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _entry(doc: dict, source_id: str) -> dict:
    return next(s for s in doc["sources"] if s["id"] == source_id)


def test_the_registry_loads_and_every_snapshot_file_exists(snapshot_dir):
    registry = load_registry(SOURCES_FILE)
    assert len(registry.sources) >= 15
    for source in registry.sources:
        assert (snapshot_dir / source.snapshot_path).is_file(), source.id
        assert source.live.url.startswith("https://"), source.id


def test_allowed_hosts_are_exactly_the_live_hosts():
    registry = load_registry(SOURCES_FILE)
    assert registry.allowed_hosts == frozenset().union(*(s.live.hosts for s in registry.sources))
    assert "raw.githubusercontent.com" in registry.allowed_hosts


def test_a_missing_field_names_the_entry_and_field(tmp_path):
    path = _write_variant(tmp_path, lambda d: _entry(d, "mhclg_imd2025_lsoa21").pop("publisher"))
    with pytest.raises(RegistryError, match=r"source 'mhclg_imd2025_lsoa21', field publisher: Field required"):
        load_registry(path)


def test_a_plain_http_url_is_rejected(tmp_path):
    def mutate(doc):
        _entry(doc, "ons_els_employment_rate")["live"]["url"] = "http://www.ons.gov.uk/data.csv"

    with pytest.raises(RegistryError, match=r"source 'ons_els_employment_rate', field live.url: .*https"):
        load_registry(_write_variant(tmp_path, mutate))


def test_a_loopback_http_url_is_accepted_for_test_servers(tmp_path):
    def mutate(doc):
        _entry(doc, "ons_els_employment_rate")["live"]["url"] = "http://127.0.0.1:8123/employment-rate.csv"

    assert "127.0.0.1" in load_registry(_write_variant(tmp_path, mutate)).allowed_hosts


def test_duplicate_ids_are_rejected(tmp_path):
    def mutate(doc):
        doc["sources"].append(dict(doc["sources"][0]))

    with pytest.raises(RegistryError, match="duplicate source id 'ons_lsoa11_icb22_lookup'"):
        load_registry(_write_variant(tmp_path, mutate))


def test_unknown_keys_are_rejected_so_typos_surface(tmp_path):
    def mutate(doc):
        _entry(doc, "ons_sape2020_lsoa11")["snapshot_pth"] = "x.csv"

    with pytest.raises(RegistryError, match=r"source 'ons_sape2020_lsoa11', field snapshot_pth: Extra inputs"):
        load_registry(_write_variant(tmp_path, mutate))


def test_an_xlsx_source_must_name_its_sheet(tmp_path):
    def mutate(doc):
        _entry(doc, "ons_sape2020_lsoa11")["format"] = {"type": "xlsx"}

    with pytest.raises(RegistryError, match=r"source 'ons_sape2020_lsoa11', field format: .*must name a sheet"):
        load_registry(_write_variant(tmp_path, mutate))


def test_snapshot_paths_cannot_escape_the_mirror(tmp_path):
    def mutate(doc):
        _entry(doc, "ons_sape2020_lsoa11")["snapshot_path"] = "../secrets.csv"

    with pytest.raises(RegistryError, match="snapshot_path must be relative"):
        load_registry(_write_variant(tmp_path, mutate))


def test_malformed_yaml_is_a_clear_error(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("version: 1\nsources: [\n")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(path)


def test_a_publisher_header_must_be_one_of_the_columns_aliases(tmp_path):
    # The live reader finds columns by alias only: a header stated in live.serves but not an alias could never load.
    def mutate(doc):
        _entry(doc, "mhclg_imd2025_lsoa21")["live"]["serves"]["headers"]["lsoa21_code"] = "LSOA 2021 code"

    with pytest.raises(RegistryError, match=r"'LSOA 2021 code' is not among the aliases of 'lsoa21_code'"):
        load_registry(_write_variant(tmp_path, mutate))


def test_an_rda_layout_names_its_data_frame(tmp_path):
    def mutate(doc):
        _entry(doc, "ohid_trust22_icb22_catchment")["live"]["serves"]["format"] = {"type": "rda"}

    with pytest.raises(RegistryError, match=r"source 'ohid_trust22_icb22_catchment', field live.*rda_object"):
        load_registry(_write_variant(tmp_path, mutate))


def test_a_live_artefact_is_read_in_the_publishers_layout_and_a_snapshot_one_in_the_snapshots():
    source = load_registry(SOURCES_FILE).get("ons_sape2020_lsoa11")
    assert source.file_format("snapshot").type == "csv" and source.artefact_name("snapshot").endswith(".csv")
    live = source.file_format("live")
    assert (live.type, live.sheet) == ("xlsx", "Mid-2020 Persons")
    assert source.artefact_name("live") == "sape2020_lsoa11_single_year_of_age.xlsx"
