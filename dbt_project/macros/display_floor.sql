{#-
    How every figure of every area is shown (int_icb_indicator_figures_unioned, int_area_indicator_figures_unioned):
    a figure resting on less than the display floor of its area's population (var coverage_floor_display) is
    withheld (value, interval and counts NULL, value_status below_coverage_floor), and the counts behind a figure
    say what they are: observed counts, apportioned counts (an area's share of a split LA's or LSOA 2011's
    counts, by population) or estimated (a rate times a population, passed on by the model that made them). A
    local-authority publisher's own counts for its own area are observed.

    below_display_floor()                   the flag, computed on a relation with value and coverage
    withheld_below_display_floor(figures)   value, lower_ci, upper_ci, numerator, denominator and counts_basis
                                            of a relation carrying the flag and counts_basis (NULL where the
                                            model that made a figure did not say), joined to the indicator
                                            registry as `registry` (for its aggregation rule)
    value_status_below_display_floor(figures)  its value_status
-#}
{% macro below_display_floor() -%}
    value is not null and coverage < {{ var('coverage_floor_display') }}
{%- endmacro %}

{% macro withheld_below_display_floor(figures) -%}
    {%- for column in ['value', 'lower_ci', 'upper_ci', 'numerator', 'denominator'] %}
        case when not {{ figures }}.is_below_display_floor then {{ figures }}.{{ column }} end as {{ column }},
    {%- endfor %}
        case
            when {{ figures }}.is_below_display_floor or {{ figures }}.numerator is null then null
            when {{ figures }}.counts_basis is not null then {{ figures }}.counts_basis
            when {{ figures }}.method in ('la_apportioned', 'lsoa_apportioned') then 'apportioned'
            when {{ figures }}.method = 'published_la' then 'observed'
            when registry.aggregation = 'ratio_of_sums_apportioned' then 'apportioned'
            else 'observed'
        end as counts_basis
{%- endmacro %}

{% macro value_status_below_display_floor(figures) -%}
    case when {{ figures }}.is_below_display_floor then 'below_coverage_floor' else {{ figures }}.value_status end
{%- endmacro %}
