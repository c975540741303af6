{#-
    The membership of every area in the registry of areas (areas.yaml, passed by pipelines/defs/transform/dbt.py
    as the variable `area_vintages`, in declaration order): one CTE per vintage, each giving every England LSOA21
    its area, then their union. A new vintage in the registry is a new CTE here, with no change to any model.
    Two parts, because NHS regions are assigned to ICBs by models that read the ICB memberships:
      part='listed'   every kind but icb_regions (int_lsoa21_area_memberships_listed, which the ICB models read)
      part='regions'  the listed memberships plus the icb_regions vintages (int_lsoa21_area_memberships_unioned)
    Kinds of membership (see areas.yaml):
      lookup            a lookup with one row per LSOA21; or per LSOA11, when each LSOA21 joins the area holding
                        most of its 2021 residents through the exact-fit lookup (basis lsoa11_exact where that is
                        the only area, lsoa11_majority where a majority decided)
      via               whole areas of an earlier vintage in the registry mapped by a lookup (LAD24 -> UTLA23)
      lsoa_name_prefix  the ONS naming rule for MSOAs: an LSOA's name less its final letter is its MSOA's name
      whole_country     every England LSOA21
      icb_regions       NHS regions as the ICBs of a vintage are assigned to them
-#}
{% macro area_lsoa21_memberships(part) -%}
{%- set vintages = var('area_vintages') -%}
with
{% if part == 'regions' %}
listed as (
    select * from {{ ref('int_lsoa21_area_memberships_listed') }}
),

icb_regions as (
    select * from {{ ref('int_icb_nhs_regions_assigned') }}
),
{% for vintage in vintages if vintage.kind == 'icb_regions' %}
members_{{ vintage.area_vintage | lower }} as (
    select
        icbs.lsoa21_code,
        icb_regions.nhs_region_code as area_code,
        icb_regions.nhs_region_name as area_name,
        '{{ vintage.area_type }}' as area_type,
        '{{ vintage.area_vintage }}' as area_vintage,
        'via_{{ vintage.membership.icb_vintage | lower }}_regions' as membership_basis
    from listed as icbs
    inner join icb_regions
        on
            icbs.area_code = icb_regions.icb_code
            and icbs.area_vintage = icb_regions.icb_vintage
    where icbs.area_vintage = '{{ vintage.membership.icb_vintage }}'
),
{% endfor %}
final as (
    select * from listed
    {%- for vintage in vintages if vintage.kind == 'icb_regions' %}
    union all by name
    select * from members_{{ vintage.area_vintage | lower }}
    {%- endfor %}
)
{%- else %}

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

england_lsoa21s as (
    select lsoa21_code from {{ ref('int_lsoa21_populations_joined') }}
    where lsoa21_code like 'E01%'
),
{% for vintage in vintages if vintage.kind != 'icb_regions' %}
{%- set cte = 'members_' ~ vintage.area_vintage | lower %}
{%- set labels %}'{{ vintage.area_type }}' as area_type, '{{ vintage.area_vintage }}' as area_vintage{% endset %}
{%- if vintage.kind == 'lookup' and vintage.membership.lsoa == 'lsoa11_code' %}
{{ cte }}_candidates as (
    select
        lsoa11_to_lsoa21.lsoa21_code,
        lookup.{{ vintage.membership.code }} as area_code,
        lookup.{{ vintage.membership.name }} as area_name,
        sum(lsoa11_to_lsoa21.lsoa11_share) as weight
    from lsoa11_to_lsoa21
    inner join {{ area_registry_relation(vintage.membership.source) }} as lookup
        on lsoa11_to_lsoa21.lsoa11_code = lookup.lsoa11_code
    group by all
),

{{ cte }} as (
    select
        lsoa21_code,
        area_code,
        area_name,
        {{ labels }},
        case
            when count(*) over (partition by lsoa21_code) = 1 then 'lsoa11_exact' else 'lsoa11_majority'
        end as membership_basis
    from {{ cte }}_candidates
    qualify row_number() over (partition by lsoa21_code order by weight desc, area_code asc) = 1
),
{%- elif vintage.kind == 'lookup' %}
{{ cte }} as (
    select
        lsoa21_code,
        {{ vintage.membership.code }} as area_code,
        {{ vintage.membership.name }} as area_name,
        {{ labels }},
        '{{ vintage.membership.basis or 'lsoa21_lookup' }}' as membership_basis
    from {{ area_registry_relation(vintage.membership.source) }}
    where lsoa21_code like 'E01%'
),
{%- elif vintage.kind == 'via' %}
{{ cte }} as (
    select
        members_{{ vintage.membership.vintage | lower }}.lsoa21_code,
        lookup.{{ vintage.membership.code }} as area_code,
        lookup.{{ vintage.membership.name }} as area_name,
        {{ labels }},
        'via_{{ vintage.membership.vintage | lower }}' as membership_basis
    from members_{{ vintage.membership.vintage | lower }}
    inner join {{ area_registry_relation(vintage.membership.source) }} as lookup
        on members_{{ vintage.membership.vintage | lower }}.area_code = lookup.{{ vintage.membership['from'] }}
),
{%- elif vintage.kind == 'lsoa_name_prefix' %}
{{ cte }} as (
    select
        lsoas.lsoa21_code,
        codes.{{ vintage.membership.codes.code }} as area_code,
        codes.{{ vintage.membership.codes.name }} as area_name,
        {{ labels }},
        'lsoa21_name_prefix' as membership_basis
    from {{ area_registry_relation(vintage.membership.source) }} as lsoas
    inner join {{ area_registry_relation(vintage.membership.codes.source) }} as codes
        on
            regexp_replace(lsoas.{{ vintage.membership.name }}, '[A-Z]$', '')
            = codes.{{ vintage.membership.codes.name }}
    where lsoas.lsoa21_code like 'E01%' and regexp_matches(lsoas.{{ vintage.membership.name }}, '[A-Z]$')
),
{%- elif vintage.kind == 'whole_country' %}
{{ cte }} as (
    select
        lsoa21_code,
        '{{ vintage.membership.code }}' as area_code,
        '{{ vintage.membership.name }}' as area_name,
        {{ labels }},
        'whole_country' as membership_basis
    from england_lsoa21s
),
{%- endif %}
{% endfor %}
final as (
    {%- if not vintages %}
    -- dbt run by hand without the pipeline's variables: say so instead of failing on empty SQL
    select error('no area vintages: dbt gets them from areas.yaml through the pipeline (--vars area_vintages)')
    {%- endif %}
{%- for vintage in vintages if vintage.kind != 'icb_regions' %}
    select * from members_{{ vintage.area_vintage | lower }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
{%- endfor %}
)
{%- endif %}

select * from final
{%- endmacro %}
