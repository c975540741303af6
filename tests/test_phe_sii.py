"""pipelines/phe_sii.py, the port of PHEindicatormethods::phe_sii, against phe_sii's own documentation and examples.

Sources (ukhsa-collaboration/PHEindicatormethods): R/SII_function.R (roxygen "Calculation" section and @examples),
R/utils.R (FindXValues, SimulationFunc) and tests/testthat/testSII.R. The package's numeric expectations live in
tests/testthat/testdata_SII.xlsx and its vignette runs on packaged .rda data, neither readable here, so the
expected answers are phe_sii's documented worked example of relative ranks, its documented identities
(SII = Y1 - Y0, RII = (Y0 + SII) / Y0, inverse RII for a negative multiplier), the textbook population-weighted
least-squares slope it reproduces (Low & Low 2004), and, for the simulated limits, the exact sampling
distribution of that slope (normal, from scipy) to which 100,000 draws must converge; the tolerance is
testSII.R's own (`tol <- 0.05`) or tighter.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from pipelines.phe_sii import content_seed, phe_sii, relative_ranks, wilson_limits

# phe_sii's @examples, Area1: deciles 1 (most deprived) to 10 with population, value, 95% limits and SE
EXAMPLE_POPULATION = [7291, 7997, 6105, 7666, 5790, 6934, 5918, 5974, 7147, 7534]
EXAMPLE_VALUE = [75.9, 78.3, 83.8, 83.6, 80.5, 81.1, 81.7, 84.2, 80.6, 86.3]
EXAMPLE_LOWER = [72.7, 75.3, 80.9, 80.2, 77.1, 78, 79, 81.4, 75.8, 83.2]
EXAMPLE_UPPER = [79.1, 81.4, 86.8, 87.1, 83.8, 84.2, 84.4, 86.9, 85.4, 89.4]
EXAMPLE_SE = [1.64, 1.58, 1.51, 1.78, 1.7, 1.56, 1.37, 1.4, 2.43, 1.57]
PHE_SII_TEST_TOLERANCE = 0.05  # testSII.R: tol <- 0.05


def _textbook_wls(population, value, se):
    """Population-weighted least squares of value on relative rank b: slope, fitted Y0 and the slope's exact
    standard deviation when each value has independent normal error se (Var = sum (w (b - mean b))^2 se^2 /
    Sxx^2). Written from the textbook formulae, not from phe_sii's matrices."""
    w = np.asarray(population, float) / np.sum(population)
    b = np.cumsum(w) - w / 2
    y = np.asarray(value, float)
    b_mean, y_mean = np.sum(w * b), np.sum(w * y)
    sxx = np.sum(w * (b - b_mean) ** 2)
    slope = np.sum(w * (b - b_mean) * (y - y_mean)) / sxx
    intercept = y_mean - slope * b_mean
    sd = np.sqrt(np.sum((w * (b - b_mean)) ** 2 * np.asarray(se, float) ** 2)) / sxx
    return slope, intercept, sd


def test_relative_ranks_follow_phe_sii_documented_example():
    """phe_sii's Calculation section: 'If quantile 1 then contains 12 percent of the total population, its
    relative rank is 0.12/2 = 0.06. If quantile 2 includes 10 percent ..., its relative rank is 0.12 + (0.10/2)
    = 0.17'."""
    ranks = relative_ranks([12, 10, 20, 25, 33])
    assert ranks[0] == pytest.approx(0.06)
    assert ranks[1] == pytest.approx(0.17)
    assert ranks[-1] == pytest.approx(1 - 0.33 / 2)


def test_sii_and_rii_on_a_straight_line_follow_phe_sii_definitions():
    """Values exactly on Y = 80 + 5b: 'the SII is the difference between the fitted value at x=1 and x=0' (5)
    and 'RII = (Y0 + SII)/Y0' (85/80); a negative multiplier scales the SII and 'the inverse of the RII is
    taken' (80/85)."""
    population = [100, 300, 200, 150, 250]
    ranks = relative_ranks(population)
    values = 80 + 5 * ranks
    se = [0.5] * 5
    result = phe_sii(population, values, se=se, repetitions=1000, rng=np.random.default_rng(1))
    assert result.sii == pytest.approx(5, rel=1e-12)
    assert result.rii == pytest.approx(85 / 80, rel=1e-12)
    reversed_ = phe_sii(population, values, se=se, multiplier=-1, repetitions=1000, rng=np.random.default_rng(1))
    assert reversed_.sii == pytest.approx(-5, rel=1e-12)
    assert reversed_.rii == pytest.approx(80 / 85, rel=1e-12)
    lower, upper = reversed_.sii_limits[0.95]
    assert lower < -5 < upper


def test_point_sii_on_phe_sii_example_is_the_population_weighted_least_squares_slope():
    slope, intercept, _ = _textbook_wls(EXAMPLE_POPULATION, EXAMPLE_VALUE, EXAMPLE_SE)
    result = phe_sii(EXAMPLE_POPULATION, EXAMPLE_VALUE, se=EXAMPLE_SE, repetitions=1000)
    assert result.sii == pytest.approx(slope, rel=1e-12)
    assert result.rii == pytest.approx((intercept + slope) / intercept, rel=1e-12)


def test_simulated_limits_converge_to_the_exact_sampling_distribution():
    """For value_type 0 the SII is linear in the decile values, so its sampling distribution is exactly normal
    with the textbook WLS standard deviation: 100,000 draws (phe_sii's default) must put the 2.5/97.5 and
    0.1/99.9 percentiles within Monte Carlo error of scipy's normal quantiles (a few percent of one sd)."""
    slope, _, sd = _textbook_wls(EXAMPLE_POPULATION, EXAMPLE_VALUE, EXAMPLE_SE)
    result = phe_sii(
        EXAMPLE_POPULATION,
        EXAMPLE_VALUE,
        se=EXAMPLE_SE,
        confidence=(0.95, 0.998),
        rng=np.random.default_rng(content_seed(EXAMPLE_POPULATION, EXAMPLE_VALUE)),
    )
    for level, tolerance in ((0.95, 0.03), (0.998, 0.08)):
        z = stats.norm.ppf(1 - (1 - level) / 2)
        lower, upper = result.sii_limits[level]
        assert lower == pytest.approx(slope - z * sd, abs=tolerance * sd), level
        assert upper == pytest.approx(slope + z * sd, abs=tolerance * sd), level
        assert lower == pytest.approx(slope - z * sd, rel=PHE_SII_TEST_TOLERANCE)
        assert upper == pytest.approx(slope + z * sd, rel=PHE_SII_TEST_TOLERANCE)
    assert result.sii_limits[0.998][0] < result.sii_limits[0.95][0] < result.sii < result.sii_limits[0.95][1]
    assert result.rii_limits[0.95][0] < result.rii < result.rii_limits[0.95][1]


def test_limits_from_confidence_limits_match_limits_from_standard_errors():
    """phe_sii's @examples: 'Supplying the standard error instead of the indicator 95 percent confidence limits
    gives the same result' (the example's SEs are its limits' width / 3.92, to rounding)."""
    from_se = phe_sii(EXAMPLE_POPULATION, EXAMPLE_VALUE, se=EXAMPLE_SE, rng=np.random.default_rng(5))
    from_cl = phe_sii(
        EXAMPLE_POPULATION,
        EXAMPLE_VALUE,
        lower_cl=EXAMPLE_LOWER,
        upper_cl=EXAMPLE_UPPER,
        rng=np.random.default_rng(5),
    )
    assert from_cl.sii == from_se.sii
    for got, expected in zip(from_cl.sii_limits[0.95], from_se.sii_limits[0.95], strict=True):
        assert got == pytest.approx(expected, rel=PHE_SII_TEST_TOLERANCE)


def test_proportions_are_simulated_on_the_logit_scale():
    """value_type 2: each decile is drawn on the logit scale with the SE of its logit-transformed 95% limits and
    back-transformed. With large denominators the back-transformed draws are close to normal with sd
    p(1 - p) x se_logit (delta method), so the SII limits must sit near the normal-theory limits built from
    those sds; and the logit SE must be the one phe_sii derives, (logit(U) - logit(L)) / 1.96 / 2."""
    denominator = np.array([5000.0, 5200, 4800, 5100, 4900, 5000, 5300, 4700, 5000, 5050])
    proportion = np.linspace(0.45, 0.05, 10)
    numerator = np.round(proportion * denominator)
    p = numerator / denominator
    lower, upper = wilson_limits(numerator, denominator)
    # Wilson limits are the published ones (Newcombe 1998, 81/263: 0.2553 to 0.3662)
    check_lower, check_upper = wilson_limits([81], [263])
    assert check_lower[0] == pytest.approx(0.2553, abs=5e-5) and check_upper[0] == pytest.approx(0.3662, abs=5e-5)
    se_logit = (np.log(upper / (1 - upper)) - np.log(lower / (1 - lower))) / stats.norm.ppf(0.975) / 2
    slope, _, sd = _textbook_wls(denominator, p, p * (1 - p) * se_logit)
    result = phe_sii(
        denominator,
        p,
        value_type=2,
        lower_cl=lower,
        upper_cl=upper,
        multiplier=-100,
        confidence=(0.95,),
        rng=np.random.default_rng(content_seed(numerator, denominator)),
    )
    assert result.sii == pytest.approx(-100 * slope, rel=1e-12)
    z = stats.norm.ppf(0.975)
    lower_sii, upper_sii = result.sii_limits[0.95]
    # the multiplier reverses the order: the lower limit comes from the upper tail of the slope
    assert lower_sii == pytest.approx(-100 * (slope + z * sd), abs=0.05 * 100 * sd)
    assert upper_sii == pytest.approx(-100 * (slope - z * sd), abs=0.05 * 100 * sd)


def test_a_fixed_seed_reproduces_the_limits_exactly_and_float_noise_does_not_move_it():
    """testSII.R: 'Test function gives same confidence limits when seed is set and run on same data'."""
    numerator = np.array([510.0, 420, 350, 300, 260, 220, 180, 150, 120, 100])
    denominator = np.full(10, 1000.0)
    seed = content_seed(numerator, denominator)
    noisy = content_seed(numerator * (1 + 1e-13), denominator)
    assert seed.entropy == noisy.entropy
    assert content_seed(numerator + 1, denominator).entropy != seed.entropy
    runs = [
        phe_sii(
            denominator,
            numerator / denominator,
            value_type=2,
            lower_cl=wilson_limits(numerator, denominator)[0],
            upper_cl=wilson_limits(numerator, denominator)[1],
            multiplier=-1,
            confidence=(0.95, 0.998),
            rng=np.random.default_rng(content_seed(numerator, denominator)),
        )
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"population": [1, 2, 3, 4]}, "between 5 and 100"),
        ({"population": [1, 2, 0, 4, 5]}, "zero, negative or missing population"),
        ({"value_type": 3}, "value_type"),
        ({"value_type": 2, "value": [0.1, 0.2, 1.3, 0.4, 0.5]}, "between 0 and 1"),
        ({"repetitions": 999}, "1000 or greater"),
    ],
)
def test_phe_sii_input_checks(kwargs, message):
    """The input errors testSII.R expects."""
    arguments = {"population": [1, 2, 3, 4, 5], "value": [0.1, 0.2, 0.3, 0.4, 0.5], "se": [0.01] * 5} | kwargs
    population = arguments.pop("population")
    value = arguments.pop("value")
    with pytest.raises(ValueError, match=message):
        phe_sii(population, value, **arguments)
