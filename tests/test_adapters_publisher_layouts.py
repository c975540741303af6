"""The adapters and readers added for what publishers really serve, on local servers replaying their formats.

- `ons_census_observations`: ONS's census-observations JSON pivoted to one row per area; blocked areas, an area
  short of a category, a short answer and a repeated category are refused, never filled with zeros.
- `arcgis_feature_service` with `geometry: true`: GeoJSON pages past the 2,000-record cap are joined into one
  FeatureCollection; a single request would have kept 2,000 of 7,264 MSOAs.
- `rda` and `live.serves`: an R data file and a workbook under the publisher's headers read as the snapshot does.
Independent truth: the snapshot files themselves, read with pandas and the csv module.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import requests

from pipelines.fetch import Fetcher, FetchError, HttpPolicy
from pipelines.readers import SourceFormatError, read_source
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT
from tests.http_fixtures import running
from tests.publisher_mirror import ArcGisLayer, PublisherMirror, Route, _census_observations, publisher_file

AGE6 = "ons_census2021_age6_lsoa21"
MSOA = "ons_msoa21_boundaries"


@pytest.fixture(scope="module")
def registry():
    return load_registry(PROJECT_ROOT / "sources.yaml")


@pytest.fixture
def server() -> Iterator[PublisherMirror]:
    with running(PublisherMirror()) as mirror:
        yield mirror


def _on(server: PublisherMirror, source):
    """`source` with its live URLs on the local server."""
    live = source.live.model_copy(update={"url": server.loopback(source.live.url)})
    return source.model_copy(update={"live": live})


def _fetcher(tmp_path: Path) -> Fetcher:
    policy = HttpPolicy(frozenset({"127.0.0.1"}), allow_loopback_http=True, attempts=1, read_timeout=30)
    return Fetcher(tmp_path / "landing", "live", policy=policy, session=requests.Session())


def test_census_observations_are_pivoted_to_the_snapshot_layout(registry, server, snapshot_dir, tmp_path):
    source = registry.get(AGE6)
    snapshot_file = snapshot_dir / source.snapshot_path
    server.add(source.live.url, Route(AGE6, body=_census_observations(snapshot_file, source.live)))
    artefact = _fetcher(tmp_path).fetch(_on(server, source))
    assert artefact.fetched_from.endswith("census-observations?area-type=lsoa&dimensions=resident_age_6a")
    with snapshot_file.open(encoding="utf-8-sig", newline="") as handle:
        expected = list(csv.reader(handle))
    with artefact.path.open(encoding="utf-8", newline="") as handle:
        landed = list(csv.reader(handle))
    assert landed == expected  # header, 35,672 LSOAs in order, every band, byte-for-byte values
    assert read_source(source, artefact.path, "live").equals(read_source(source, snapshot_file))


def _answer(observations: list[dict], **extra) -> bytes:
    return json.dumps({"observations": observations, "total_observations": len(observations), **extra}).encode()


def _observation(code: str, band: str, value: int) -> dict:
    return {
        "dimensions": [
            {"dimension": "LSOA", "dimension_id": "lsoa", "option": f"name {code}", "option_id": code},
            {"dimension": "Age", "dimension_id": "resident_age_6a", "option": band, "option_id": band[:3]},
        ],
        "observation": value,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_answer([_observation("E01000001", "Aged 15 years and under", 5)], blocked_areas=3), "3 areas are blocked"),
        (
            _answer(
                [
                    _observation("E01000001", "Aged 15 years and under", 5),
                    _observation("E01000001", "Aged 16 to 24 years", 7),
                    _observation("E01000002", "Aged 15 years and under", 4),
                ]
            ),
            "1 areas lack a category (first: E01000002)",
        ),
        (
            json.dumps(
                {"observations": [_observation("E01000001", "Aged 15 years and under", 5)], "total_observations": 9}
            ).encode(),
            "1 observations of the 9 announced",
        ),
        (
            _answer([_observation("E01000001", "Aged 15 years and under", 5)] * 2),
            "has category 'Aged 15 years and under' twice",
        ),
        (b'{"message": "rate limited"}', "no 'observations' list"),
    ],
    ids=["blocked_areas", "missing_category", "short_answer", "repeated_category", "error_object"],
)
def test_census_observations_that_would_lose_data_are_refused(registry, server, tmp_path, body, message):
    source = registry.get(AGE6)
    server.add(source.live.url, Route(AGE6, body=body))
    target = tmp_path / "landing" / AGE6 / source.file_name
    with pytest.raises(FetchError, match="ons_census2021_age6_lsoa21") as raised:
        _fetcher(tmp_path).fetch(_on(server, source))
    assert message in str(raised.value)
    assert not target.exists()


def test_geojson_pages_past_the_record_cap_are_joined(registry, server, snapshot_dir, tmp_path):
    source = registry.get(MSOA)
    served = publisher_file(source, snapshot_dir, tmp_path / "served")
    features = json.loads(served.read_text(encoding="utf-8"))["features"]
    server.add(source.live.url, Route(MSOA, layer=ArcGisLayer(features=features)))
    artefact = _fetcher(tmp_path).fetch(_on(server, source))
    pages = [t for t in server.targets if "resultOffset" in t]
    assert len(pages) == 4 and all("f=geojson" in t and "outSR=4326" in t for t in pages)
    landed = read_source(source, artefact.path, "live")
    snapshot = read_source(source, snapshot_dir / source.snapshot_path)
    assert len(landed) == len(snapshot) == 7264
    assert landed.equals(snapshot)


def test_an_rda_without_the_named_data_frame_is_named(registry, snapshot_dir, tmp_path):
    import pyreadr

    source = registry.get("ons_health_index_icb22_domains")
    served = publisher_file(source, snapshot_dir, tmp_path)
    frame = pyreadr.read_r(str(served))["england_health_index_ics"]
    # The R file holds scores as R numerics, as healthyr's does; they read back as the snapshot's text.
    assert frame["overall_score"].dtype.kind == "f" and frame["year"].dtype.kind == "f"
    expected = pd.read_csv(snapshot_dir / source.snapshot_path, dtype=str)
    live = read_source(source, served, "live")
    assert live.equals(read_source(source, snapshot_dir / source.snapshot_path))
    assert live.iloc[:, 3].tolist() == expected["overall_score"].tolist()
    renamed = tmp_path / "renamed.rda"
    pyreadr.write_rdata(str(renamed), frame, df_name="health_index")
    with pytest.raises(SourceFormatError, match=r"no data frame 'england_health_index_ics'.*health_index"):
        read_source(source, renamed, "live")
