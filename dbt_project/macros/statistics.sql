{#-
  Statistics for comparisons and trends, as SQL expressions. The formulae follow the OHID/PHE technical guidance
  behind Fingertips; tests/test_statistics_worked_examples.py checks them against published worked examples.
-#}

{#- Two-sided standard normal quantiles for the 95% and 99.8% levels Fingertips uses. -#}
{% macro z_score(level) -%}
    {{ {'95': 1.959963984540054, '99.8': 3.090232306167813}[level] }}
{%- endmacro %}

{#- Critical values of chi-squared on 1 degree of freedom (z squared) and of Student's t on 3 degrees of freedom
    (a straight line fitted to 5 points). -#}
{% macro chi_squared_1df_critical(level) -%}
    {{ {'95': 3.841458820694124, '99.8': 9.549535880414274}[level] }}
{%- endmacro %}

{% macro t_3df_critical(level) -%}
    {{ {'95': 3.182446305284263, '99.8': 10.21453198157644}[level] }}
{%- endmacro %}

{#- Wilson score interval for a proportion r/n, as a proportion (0-1). Newcombe (1998) method 3, written as in
    the PHE technical guidance: (2r + z^2 -/+ z sqrt(z^2 + 4r(1 - r/n))) / (2(n + z^2)). -#}
{% macro wilson_bound(numerator, denominator, level, side) -%}
    {%- set z = z_score(level) | float -%}
    (
        (2 * ({{ numerator }}) + {{ z * z }}
            {{ '-' if side == 'lower' else '+' }} {{ z }}
            * sqrt({{ z * z }} + 4 * ({{ numerator }}) * (1 - ({{ numerator }}) / ({{ denominator }}))))
        / (2 * (({{ denominator }}) + {{ z * z }}))
    )
{%- endmacro %}

{#- Exact Poisson limits of an observed count O = 0, 1, ..., 10 (Garwood 1936): lower = chi2.ppf(alpha/2, 2O) / 2
    (0 for O = 0), upper = chi2.ppf(1 - alpha/2, 2O + 2) / 2, as PHE's technical guidance (and
    PHEindicatormethods' funnel_ratio_significance) uses them below 10 events. Generated once with scipy 1.17
    (`python -c "from scipy import stats; ..."`, the formulas above) and checked against scipy by
    tests/test_statistics_worked_examples.py. Element O + 1 is the limit for O (lists are 1-indexed). -#}
{% macro exact_poisson_limits(level, side) -%}
    {{ {
        ('95', 'lower'): [0.0, 0.025317807984289897, 0.24220927854396507, 0.6186721228956015, 1.089865373626325,
            1.623486390118421, 2.201894253490851, 2.814363051519867, 3.4538321767485023, 4.115373097378334,
            4.7953886961324335],
        ('95', 'upper'): [3.6888794541139354, 5.571643390938898, 7.22468766772396, 8.767273069742323,
            10.241588675403694, 11.66833207932267, 13.059474022518685, 14.422675361702376, 15.763189220193313,
            17.084803451419166, 18.39035604201778],
        ('99.8', 'lower'): [0.0, 0.0010005003335835346, 0.045402017769489565, 0.19053337756840327,
            0.42855241362842295, 0.7393717319178327, 1.1071046602556396, 1.5203362603988093, 1.9708139217403662,
            2.452424404363775, 2.96052037274376],
        ('99.8', 'upper'): [6.907755278982137, 9.233413476451585, 11.228872242412661, 13.06224077918807,
            14.79414922253721, 16.454745203680105, 18.061636840199064, 19.626177395384232, 21.15619816583998,
            22.65737330906293, 24.13397114541759],
    }[(level, side)] }}
{%- endmacro %}

{#- Confidence limit of an observed count O. Below 10 events the exact Poisson limits (Byar's approximation
    loses accuracy there and its lower limit turns negative at 99.8% for O = 1 or 2); a count that is not a
    whole number (an apportioned estimate) is interpolated linearly between the exact limits of the whole
    numbers either side. From 10 events Byar's approximation (Breslow and Day, 1987), within 2% of the exact
    limits: lower = O (1 - 1/(9O) - z/(3 sqrt O))^3, upper = (O + 1) (1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3. -#}
{% macro byar_bound(count, level, side) -%}
    {%- set z = z_score(level) | float -%}
    {%- set exact = exact_poisson_limits(level, side) -%}
    case
        when ({{ count }}) < 0 then null
        when ({{ count }}) < 10
            then {{ exact }}[cast(floor({{ count }}) as integer) + 1]
            + (({{ count }}) - floor({{ count }}))
            * ({{ exact }}[cast(floor({{ count }}) as integer) + 2] - {{ exact }}[cast(floor({{ count }}) as integer) + 1])
    {%- if side == 'lower' %}
        else ({{ count }}) * pow(1 - 1 / (9 * ({{ count }})) - {{ z }} / (3 * sqrt({{ count }})), 3)
    {%- else %}
        else (({{ count }}) + 1) * pow(1 - 1 / (9 * (({{ count }}) + 1)) + {{ z }} / (3 * sqrt(({{ count }}) + 1)), 3)
    {%- endif %}
    end
{%- endmacro %}

{#- Multiplier from a ratio (numerator / denominator) to the unit the value is published in. -#}
{% macro unit_scale(unit) -%}
    case {{ unit }} when 'percent' then 100 when 'per_100000' then 100000 else 1 end
{%- endmacro %}

{#- What kind of statistic an indicator's aggregation rule yields: count (additive; summed over ICBs),
    count_not_additive (a count that double-counts across ICBs), not_aggregable (no ICB value), or rate_or_mean
    (a ratio of sums or weighted mean). Counts follow an ICB's size, so they are never ranked or tested. -#}
{% macro aggregation_kind(aggregation) -%}
    case
        when {{ aggregation }} in (
            'sum', 'sum_apportioned', 'sum_by_organisation_hq', 'sum_apportioned_by_catchment',
            'count_by_organisation_hq'
        ) then 'count'
        when {{ aggregation }} = 'count_by_catchment_share_threshold' then 'count_not_additive'
        when {{ aggregation }} in ('not_aggregable', 'published_icb_breakdown', 'gap') then 'not_aggregable'
        else 'rate_or_mean'
    end
{%- endmacro %}

{#-
    A value to rank by: the figure to 10 significant digits. DuckDB's parallel sums may differ in the last bits
    from one build to the next (about 1e-13 relative), which would break exact ties between areas with the same
    figure (sub-ICB locations sharing a council's rate) differently in each build; at 10 digits they stay tied
    and every build ranks the same.
-#}
{% macro rank_value(value) -%}
    round({{ value }}, 9 - cast(floor(log10(greatest(abs({{ value }}), 1e-300))) as integer))
{%- endmacro %}
