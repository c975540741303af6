"""The slope and relative index of inequality as PHEindicatormethods::phe_sii computes them.

A line-for-line port of phe_sii (R/SII_function.R) and its helpers FindXValues and SimulationFunc (R/utils.R)
in the PHEindicatormethods R package (ukhsa-collaboration/PHEindicatormethods, the version with multiple
confidence levels and no `transform` option, i.e. phe_sii's default transform = FALSE), for one area:

- the quantiles are ordered 1 = most deprived to n = least deprived; quantile i holds the share a_i of the area's
  population and sits at the mid-point b_i of its range in the cumulative distribution (FindXValues);
- the square-root transformation against heteroskedasticity: Y sqrt(a) is regressed on sqrt(a) and b sqrt(a)
  with no intercept (lm(yvals ~ sqrt_a + b_sqrt_a - 1)), so the coefficient of sqrt(a) is the fitted value at
  b = 0 (Y0) and that of b sqrt(a) the slope; SII = multiplier x slope, RII = (Y0 + slope) / Y0 = Y1 / Y0, and
  1 / RII when the multiplier is negative (phe_sii's rule for a reversed polarity);
- the confidence limits are simulated: each quantile's value is drawn `repetitions` times from a normal
  distribution with its standard error, on the log scale for rates (value_type 1) and the logit scale for
  proportions (value_type 2), back-transformed, and the regression repeated on every draw; the limits are the
  draws at positions round(repetitions x (1 - c)) and round(repetitions x c) of the sorted results, with
  c = confidence + (1 - confidence) / 2. The standard error is given, or (upper - lower) / z / 2 from the 95%
  limits on the transformed scale, z = qnorm(0.975).

R's random numbers cannot be reproduced in numpy, so simulated limits match phe_sii's to Monte Carlo error
(phe_sii's own tests accept a tolerance of 0.05); a seed fixed by each series' inputs makes every rebuild
byte-identical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

# stats::qnorm(0.975): phe_sii derives standard errors from 95% limits whatever the output confidence
Z_975 = 1.959963984540054
DEFAULT_REPETITIONS = 100_000
# Base of every series' seed: changing it changes every simulated limit, so it is fixed and documented
BASE_SEED = 20040388  # Low & Low, J Public Health 2004;26:388 (phe_sii's reference)


@dataclass(frozen=True)
class SiiResult:
    sii: float
    rii: float
    # confidence (e.g. 0.95) -> (lower, upper)
    sii_limits: dict[float, tuple[float, float]] = field(default_factory=dict)
    rii_limits: dict[float, tuple[float, float]] = field(default_factory=dict)


def relative_ranks(population: Sequence[float]) -> np.ndarray:
    """FindXValues: the mid-point of each quantile's range in the cumulative population distribution."""
    share = np.asarray(population, dtype=float) / np.sum(population)
    return np.cumsum(share) - share / 2


def wilson_limits(numerator, denominator, z: float = Z_975) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of a proportion, as phe_proportion (and wilson_lower/wilson_upper) compute them."""
    x = np.asarray(numerator, dtype=float)
    n = np.asarray(denominator, dtype=float)
    root = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    return (2 * x + z * z - root) / 2 / (n + z * z), (2 * x + z * z + root) / 2 / (n + z * z)


def _transform(values: np.ndarray, value_type: int) -> np.ndarray:
    if value_type == 1:
        return np.log(values)
    if value_type == 2:
        return np.log(values / (1 - values))
    return values


def _back_transform(values: np.ndarray, value_type: int) -> np.ndarray:
    if value_type == 1:
        return np.exp(values)
    if value_type == 2:
        # exp(v) / (1 + exp(v)), written with one exponential (and no overflow for large v)
        return 1 / (1 + np.exp(-values))
    return values


def _back_transform_in_place(values: np.ndarray, value_type: int) -> None:
    """`_back_transform` overwriting `values`: the simulation's draws are large and used once."""
    if value_type == 1:
        np.exp(values, out=values)
    elif value_type == 2:
        np.negative(values, out=values)
        np.exp(values, out=values)
        values += 1
        np.divide(1, values, out=values)


def _r_round(x: float) -> int:
    """R's round(): halves go to the even integer, as Python's round() does."""
    return round(x)


def content_seed(*counts: Sequence[float], extra: str = "") -> np.random.SeedSequence:
    """A seed that depends only on a series' counts (in any build order, on any machine), so a rebuild draws the
    same numbers and two series with the same counts (an ICB unchanged between boundary vintages) get the same
    limits. Counts are rounded to whole numbers first, so the last bits of a floating-point sum (which can
    change with DuckDB's summation order) never change the seed."""
    digest = hashlib.sha256(extra.encode())
    for values in counts:
        digest.update(np.rint(np.asarray(values, dtype=float)).astype("<i8").tobytes())
    return np.random.SeedSequence([BASE_SEED, int.from_bytes(digest.digest()[:8], "little")])


def phe_sii(
    population: Sequence[float],
    value: Sequence[float],
    *,
    value_type: int = 0,
    se: Sequence[float] | None = None,
    lower_cl: Sequence[float] | None = None,
    upper_cl: Sequence[float] | None = None,
    multiplier: float = 1,
    repetitions: int = DEFAULT_REPETITIONS,
    confidence: Sequence[float] = (0.95,),
    rng: np.random.Generator | None = None,
) -> SiiResult:
    """SII and RII of one area with simulated confidence limits; quantiles in order, most deprived first."""
    population = np.asarray(population, dtype=float)
    value = np.asarray(value, dtype=float)
    if value_type not in (0, 1, 2):
        raise ValueError("value_type should be 0, 1 or 2")
    if not 5 <= len(population) <= 100:
        raise ValueError("Number of quantiles must be between 5 and 100")
    if repetitions < 1000:
        raise ValueError("number of repetitions must be 1000 or greater")
    if np.any(~(population > 0)):
        raise ValueError("some groups have a zero, negative or missing population")
    if value_type == 2 and np.any((value < 0) | (value > 1)):
        raise ValueError("value proportions are not all between 0 and 1")
    transformed = _transform(value, value_type)
    if se is not None:
        se_calc = np.asarray(se, dtype=float)
    elif lower_cl is not None and upper_cl is not None:
        lower = _transform(np.asarray(lower_cl, dtype=float), value_type)
        upper = _transform(np.asarray(upper_cl, dtype=float), value_type)
        se_calc = (upper - lower) / Z_975 / 2
    else:
        raise ValueError("phe_sii requires either lower_cl and upper_cl, or se")
    if np.any(~np.isfinite(se_calc)) or np.any(se_calc < 0) or np.any(~np.isfinite(transformed)):
        raise ValueError("negative, missing or infinite standard errors or transformed values")

    a = population / population.sum()
    b = relative_ranks(population)
    sqrt_a = np.sqrt(a)
    design = np.column_stack([sqrt_a, b * sqrt_a])  # lm(yvals ~ sqrt_a + b_sqrt_a - 1)
    # (X'X)^-1 X': the least-squares estimator, applied to the observed values and to every simulated draw
    estimator = np.linalg.solve(design.T @ design, design.T)
    intercept, slope = estimator @ (sqrt_a * value)
    sii = multiplier * slope
    rii = (intercept + slope) / intercept
    if multiplier < 0:
        rii = 1 / rii

    rng = rng if rng is not None else np.random.default_rng()
    # in place: the same operations in the same order as `normal * se + value`, without a temporary per step
    draws = rng.standard_normal(size=(repetitions, len(value)))
    draws *= se_calc
    draws += transformed
    _back_transform_in_place(draws, value_type)
    draws *= sqrt_a
    # every draw's (intercept, slope); einsum rather than @, which is several times slower on this shape
    params = np.einsum("rq,kq->rk", draws, estimator)
    sim_sii = np.sort(multiplier * params[:, 1])
    sim_rii = (params[:, 1] + params[:, 0]) / params[:, 0]
    if multiplier < 0:
        sim_rii = 1 / sim_rii
    sim_rii = np.sort(sim_rii)

    sii_limits: dict[float, tuple[float, float]] = {}
    rii_limits: dict[float, tuple[float, float]] = {}
    for level in confidence:
        level = level / 100 if level >= 90 else level
        critical = level + (1 - level) / 2
        # R indexes from 1: position p is element p - 1
        pos_lower = _r_round(repetitions * (1 - critical)) - 1
        pos_upper = _r_round(repetitions * critical) - 1
        sii_limits[level] = (float(sim_sii[pos_lower]), float(sim_sii[pos_upper]))
        rii_limits[level] = (float(sim_rii[pos_lower]), float(sim_rii[pos_upper]))
    return SiiResult(float(sii), float(rii), sii_limits, rii_limits)
