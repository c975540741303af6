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

{#- Byar's approximation to the exact Poisson interval of an observed count O (Breslow and Day, 1987):
    lower = O (1 - 1/(9O) - z/(3 sqrt O))^3, upper = (O + 1) (1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3.
    The lower limit of a zero count is zero. -#}
{% macro byar_bound(count, level, side) -%}
    {%- set z = z_score(level) | float -%}
    {%- if side == 'lower' -%}
        case
            when ({{ count }}) <= 0 then 0
            else ({{ count }}) * pow(1 - 1 / (9 * ({{ count }})) - {{ z }} / (3 * sqrt({{ count }})), 3)
        end
    {%- else -%}
        (({{ count }}) + 1) * pow(1 - 1 / (9 * (({{ count }}) + 1)) + {{ z }} / (3 * sqrt(({{ count }}) + 1)), 3)
    {%- endif -%}
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
