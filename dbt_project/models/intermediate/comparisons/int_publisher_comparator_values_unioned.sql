-- The publisher's own England and NHS region figures for every indicator whose source publishes them: the
-- England (E92000001) rows of the very files the ICB figures are built from (Explore Local Statistics,
-- subnational indicators, Census, Fingertips), and Fingertips' NHS region rows. These are the comparators a
-- board can quote; the aggregates rebuilt from ICB figures become a reconciliation against them
-- (int_comparator_values_reconciled, england_reconciliations). ONS statistical regions (E12) are not NHS
-- regions, so they are not used as region comparators.
--
-- rounding_unit is the publisher's precision: the finest decimal place any of the indicator's comparator rows
-- is given to (1.8 -> 0.1), so the reconciliation can allow for the publisher's rounding (half that unit).

{% set la_figure_models = la_figure_models() %}

with

registry as (
    select * from {{ ref('indicator_registry') }}
),

la_source_rows as (
    {% for model in la_figure_models -%}
        select
            source_id,
            area_code,
            indicator_name,
            period,
            period_start,
            value,
            lower_ci_95,
            upper_ci_95,
            value_status,
            'england' as group_type
        from {{ ref(model) }}
        where area_code = 'E92000001'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

fingertips_rows as (
    select * from {{ ref('stg_ohid_fingertips__qof_smoking_prevalences') }}
    union all
    select * from {{ ref('stg_ohid_fingertips__mental_disorder_prevalences') }}
),

fingertips_comparator_rows as (
    -- headline rows only; an export can list an area twice under two age labels with the same figures
    select
        source_id,
        area_code,
        indicator_name,
        period,
        period_start,
        value,
        lower_ci_95,
        upper_ci_95,
        value_status,
        case when area_type = 'England' then 'england' else 'nhs_region' end as group_type
    from fingertips_rows
    where
        category_type is null
        and (area_code = 'E92000001' or area_code like 'E40%')
    qualify row_number() over (
        partition by source_id, area_code, period
        order by age = 'Not applicable', age
    ) = 1
),

comparator_rows as (
    select * from la_source_rows
    union all
    select * from fingertips_comparator_rows
),

matched as (
    select
        registry.indicator_id,
        comparator_rows.group_type,
        comparator_rows.area_code as group_code,
        comparator_rows.period,
        comparator_rows.period_start,
        comparator_rows.value,
        comparator_rows.lower_ci_95,
        comparator_rows.upper_ci_95,
        comparator_rows.value_status,
        comparator_rows.source_id,
        case
            {% for places in range(0, 6) %}
                when abs(comparator_rows.value - round(comparator_rows.value, {{ places }})) < 1e-9
                    then {{ places }}
            {% endfor %}
            else 6
        end as decimal_places
    from comparator_rows
    inner join registry
        on comparator_rows.source_id = registry.source_id
        and comparator_rows.indicator_name = registry.source_indicator_name
    -- a file can repeat a national row (e.g. under two period spellings): one figure per period, a real value
    -- before a marker
    qualify row_number() over (
        partition by registry.indicator_id, comparator_rows.area_code, comparator_rows.period
        order by comparator_rows.value is null, comparator_rows.value_status
    ) = 1
),

final as (
    select
        indicator_id,
        group_type,
        group_code,
        period,
        period_start,
        value,
        lower_ci_95,
        upper_ci_95,
        value_status,
        source_id,
        pow(10, -max(decimal_places) over (partition by indicator_id, group_type)) as rounding_unit
    from matched
)

select * from final
