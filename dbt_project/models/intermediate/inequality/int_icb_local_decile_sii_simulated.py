"""The slope and relative index of inequality of each outcome across an ICB's local IMD deciles, as
PHEindicatormethods::phe_sii computes them (pipelines/phe_sii.py), with simulated 95% and 99.8% limits.

A Python model because the limits are a Monte Carlo simulation (100,000 draws per series, phe_sii's default),
which SQL cannot do sensibly. Each measure is a proportion of counts, so it is phe_sii's value_type 2: the
standard error of each decile comes from its 95% Wilson limits (as phe_proportion gives them) on the logit scale.
The multiplier is -1 (-100 for percent measures), phe_sii's way to reverse the direction: SII = fitted value at
the most deprived end minus at the least deprived end, in the measure's unit (positive = higher where more
deprived), and RII = fitted most deprived / fitted least deprived. Every series is seeded from its own inputs,
so a rebuild is byte-identical and an ICB unchanged between vintages gets the same limits (computed once); the
series are simulated in threads, one per core.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from pipelines.phe_sii import DEFAULT_REPETITIONS, SiiResult, content_seed, phe_sii, wilson_limits

GRAIN = ["icb_code", "icb_vintage", "measure_id", "period", "imd_edition"]
QUANTILES = 10
LEVELS = (0.95, 0.998)


def _inputs(series: pd.DataFrame) -> tuple[dict, tuple | None]:
    """The row's counts of deciles and, when phe_sii can fit the series, the inputs of its simulation."""
    series = series.sort_values("imd_decile")
    present = series[(series["denominator"] > 0) & series["value"].notna()]
    row = {"quantiles_used": len(present), "not_computed_reason": None}
    if len(present) < QUANTILES:
        row["not_computed_reason"] = (
            f"phe_sii needs all {QUANTILES} local deciles with a population; {len(present)} have one"
        )
        return row, None
    numerator = present["numerator"].to_numpy(dtype=float)
    denominator = present["denominator"].to_numpy(dtype=float)
    if np.any(numerator <= 0) or np.any(numerator >= denominator):
        row["not_computed_reason"] = "a local decile's proportion is 0 or 1, which has no logit"
        return row, None
    multiplier = -100.0 if series["unit"].iloc[0] == "percent" else -1.0
    return row, (numerator.tobytes(), denominator.tobytes(), multiplier)


def _simulate(inputs: tuple) -> SiiResult:
    numerator_bytes, denominator_bytes, multiplier = inputs
    numerator = np.frombuffer(numerator_bytes)
    denominator = np.frombuffer(denominator_bytes)
    lower, upper = wilson_limits(numerator, denominator)
    return phe_sii(
        denominator,
        numerator / denominator,
        value_type=2,
        lower_cl=lower,
        upper_cl=upper,
        multiplier=multiplier,
        repetitions=DEFAULT_REPETITIONS,
        confidence=LEVELS,
        rng=np.random.default_rng(content_seed(numerator, denominator, extra=str(multiplier))),
    )


def _fill(row: dict, multiplier: float, result: SiiResult) -> dict:
    row.update(sii=result.sii, rii=result.rii, sii_multiplier=multiplier)
    for level, suffix in zip(LEVELS, ("95", "998"), strict=True):
        row[f"sii_lower_{suffix}"], row[f"sii_upper_{suffix}"] = result.sii_limits[level]
        row[f"rii_lower_{suffix}"], row[f"rii_upper_{suffix}"] = result.rii_limits[level]
    return row


def model(dbt, session):
    dbt.config(materialized="table")
    deciles = dbt.ref("int_icb_imd_local_decile_measures_aggregated").df()
    outcomes = deciles[deciles["measure_kind"] == "outcome"]
    rows, inputs = [], []
    for key, series in outcomes.groupby(GRAIN, sort=True):
        row, simulation = _inputs(series)
        rows.append(dict(zip(GRAIN, key, strict=True)) | row)
        inputs.append(simulation)
    # Identical inputs (an ICB unchanged between vintages) are simulated once. Each series has its own seeded
    # generator and numpy releases the GIL while drawing, so threads use every core and the limits are the same
    # whatever the order the series finish in.
    unique = list(dict.fromkeys(i for i in inputs if i is not None))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = dict(zip(unique, pool.map(_simulate, unique), strict=True))
    rows = [row if i is None else _fill(row, i[2], results[i]) for row, i in zip(rows, inputs, strict=True)]
    columns = [
        *GRAIN,
        "quantiles_used",
        "sii",
        "rii",
        "sii_lower_95",
        "sii_upper_95",
        "sii_lower_998",
        "sii_upper_998",
        "rii_lower_95",
        "rii_upper_95",
        "rii_lower_998",
        "rii_upper_998",
        "sii_multiplier",
        "not_computed_reason",
    ]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    frame["quantiles_used"] = frame["quantiles_used"].astype("int32")
    frame["sii_repetitions"] = np.int32(DEFAULT_REPETITIONS)
    for column in columns[6:-1]:
        frame[column] = frame[column].astype("float64")
    frame["not_computed_reason"] = frame["not_computed_reason"].astype("string")
    return frame
