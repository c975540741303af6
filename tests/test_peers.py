"""ICB statistical neighbours on the real build: recomputed independently with numpy and pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

# the ICBs of each vintage the publisher lists, declared in the registry of areas
EXPECTED_ICBS = load_areas().expected_areas("icb")
PEER_GROUP_SIZE = 5


@pytest.fixture(scope="module")
def context(published) -> pd.DataFrame:
    return published.execute("select * from icb_peer_context").df()


@pytest.fixture(scope="module")
def peers(published) -> pd.DataFrame:
    return published.execute("select * from icb_peers").df()


def test_every_vintage_and_icb_has_its_peer_group(published, peers):
    icbs = published.execute("select icb_code, icb_vintage from icbs").df()
    assert peers.groupby("icb_vintage")["icb_code"].nunique().to_dict() == EXPECTED_ICBS

    sizes = peers.groupby(["icb_vintage", "icb_code"]).agg(
        peers=("peer_icb_code", "size"), distinct_peers=("peer_icb_code", "nunique"), ranks=("peer_rank", sorted)
    )
    assert len(sizes) == sum(EXPECTED_ICBS.values())
    assert (sizes["peers"] == PEER_GROUP_SIZE).all()
    assert (sizes["distinct_peers"] == PEER_GROUP_SIZE).all()
    assert all(ranks == list(range(1, PEER_GROUP_SIZE + 1)) for ranks in sizes["ranks"])
    assert not (peers["peer_icb_code"] == peers["icb_code"]).any()

    # every peer is an ICB of the same vintage as the ICB it is a peer of
    own_vintage = peers.merge(
        icbs, left_on=["peer_icb_code", "icb_vintage"], right_on=["icb_code", "icb_vintage"], suffixes=("", "_peer")
    )
    assert len(own_vintage) == len(peers)


def test_context_has_every_variable_for_every_icb(context):
    variables = context.groupby("variable")["weight"].agg(["nunique", "first"])
    assert (variables["nunique"] == 1).all() and (variables["first"] > 0).all()
    counts = context.groupby(["icb_vintage", "icb_code"])["variable"].nunique()
    assert (counts == len(variables)).all()
    assert context[["value", "z_score", "weight"]].notna().all().all()


def _z_scores(values: np.ndarray) -> np.ndarray:
    return (values - values.mean(axis=0)) / values.std(axis=0, ddof=0)


def test_z_scores_and_distances_match_an_independent_calculation(context, peers):
    for vintage, expected_icbs in EXPECTED_ICBS.items():
        frame = context[context["icb_vintage"] == vintage]
        values = frame.pivot(index="icb_code", columns="variable", values="value").sort_index()
        published_z = frame.pivot(index="icb_code", columns="variable", values="z_score").loc[values.index]
        weights = frame.groupby("variable")["weight"].first().loc[values.columns].to_numpy()
        assert values.shape[0] == expected_icbs

        z = _z_scores(values.to_numpy())
        np.testing.assert_allclose(published_z.to_numpy(), z, rtol=1e-9, atol=1e-12)

        differences = z[:, None, :] - z[None, :, :]
        distances = np.sqrt((weights * differences**2).sum(axis=2))
        codes = values.index.to_numpy()
        published = peers[peers["icb_vintage"] == vintage]
        for i, code in enumerate(codes):
            others = [j for j in range(len(codes)) if j != i]
            # nearest first; equal distances go to the lower code (codes are sorted, so a stable sort does it)
            nearest = sorted(others, key=lambda j: distances[i, j])[:PEER_GROUP_SIZE]
            mine = published[published["icb_code"] == code].sort_values("peer_rank")
            assert mine["peer_icb_code"].tolist() == codes[nearest].tolist(), (vintage, code)
            np.testing.assert_allclose(mine["distance"].to_numpy(), distances[i, nearest], rtol=1e-9)


def test_weights_change_the_distance(context):
    """The declared weights are applied: unit weights would give other distances for the same z-scores."""
    frame = context[context["icb_vintage"] == "ICB26"]
    z = frame.pivot(index="icb_code", columns="variable", values="z_score")
    weights = frame.groupby("variable")["weight"].first().loc[z.columns].to_numpy()
    assert len(set(weights)) > 1
    first, second = z.to_numpy()[:2]
    weighted = np.sqrt((weights * (first - second) ** 2).sum())
    unweighted = np.sqrt(((first - second) ** 2).sum())
    assert weighted != pytest.approx(unweighted, rel=1e-6)


def test_rural_share_matches_an_independent_calculation(published, context, snapshot_dir):
    ruc = pd.read_csv(snapshot_dir / "lookups/lad24_rural_urban_classification_2021.csv")
    lad_lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_ward24_lad24_ew.csv")
    census = pd.read_csv(snapshot_dir / "census2021_lsoa21/census2021_ts038_disability_lsoa21_ew.csv")
    census = census.rename(columns={"geography code": "lsoa21_code", "Disability: Total: All usual residents": "pop"})
    memberships = published.execute("select lsoa21_code, icb_vintage, icb_code from lsoa21_icb_memberships").df()

    frame = (
        memberships.merge(census[["lsoa21_code", "pop"]], on="lsoa21_code")
        .merge(lad_lookup[["lsoa21_code", "ltla24_code"]], on="lsoa21_code")
        .merge(ruc[["ltla24_code", "ruc"]], on="ltla24_code")
    )
    assert len(frame) == len(memberships)  # every English LSOA21 reaches a classified district
    frame["rural_pop"] = frame["pop"].where(frame["ruc"] == "Rural", 0)
    sums = frame.groupby(["icb_vintage", "icb_code"])[["rural_pop", "pop"]].sum()
    expected = 100 * sums["rural_pop"] / sums["pop"]

    got = context[context["variable"] == "rural_resident_share"].set_index(["icb_vintage", "icb_code"])["value"]
    assert len(got) == sum(EXPECTED_ICBS.values())
    pd.testing.assert_series_equal(
        got.sort_index(), expected.loc[got.index].sort_index(), check_names=False, rtol=1e-12
    )
