{#-
    ICB facts the registry of areas (areas.yaml, the variable `area_vintages`) declares per vintage, as SQL, so
    the models reading them hold no list of vintages:
      icb_ods_codes()        (icb_vintage, icb_code, icb_ods_code) from each lookup that names an `ods_code`
      icb_boundary_files()   (icb_vintage, boundary_vintage, boundary_code, geometry_geojson, rounded) from each
                             vintage's own boundary file (`boundaries.file`)
      icb_boundaries_drawn_with(memberships)
                             (icb_vintage, icb_code, boundary_icb_vintage, boundary_code) for vintages drawn with
                             another's boundaries (`boundaries.drawn_with`): the area of that vintage sharing most
                             of the ICB's LSOA21s, from the memberships relation given
-#}
{% macro icb_ods_codes() -%}
    {%- set selects = [] %}
    {%- for vintage in var('area_vintages')
        if vintage.area_type == 'icb' and vintage.kind == 'lookup' and vintage.membership.ods_code %}
        {%- do selects.append(
            "select distinct " ~ vintage.membership.code ~ " as icb_code, '" ~ vintage.area_vintage
            ~ "' as icb_vintage, " ~ vintage.membership.ods_code ~ " as icb_ods_code from "
            ~ area_registry_relation(vintage.membership.source) ~ " where " ~ vintage.membership.code
            ~ " is not null"
        ) %}
    {%- endfor %}
    {%- if not selects %}
        {%- do selects.append(
            "select cast(null as varchar) as icb_code, cast(null as varchar) as icb_vintage,"
            ~ " cast(null as varchar) as icb_ods_code where false"
        ) %}
    {%- endif %}
    {{- selects | join('\nunion all\n') }}
{%- endmacro %}

{% macro icb_boundary_files() -%}
    {%- set selects = [] %}
    {%- for vintage in var('area_vintages')
        if vintage.area_type == 'icb' and vintage.boundaries and vintage.boundaries.file %}
        {%- set file = vintage.boundaries.file %}
        {%- do selects.append(
            "select '" ~ vintage.area_vintage ~ "' as icb_vintage, '" ~ file.vintage ~ "' as boundary_vintage, "
            ~ file.code ~ " as boundary_code, " ~ round_geojson_coordinates('geometry') ~ " as geometry_geojson from "
            ~ area_registry_relation(file.source)
        ) %}
    {%- endfor %}
    {%- if not selects %}
        {%- do selects.append(
            "select cast(null as varchar) as icb_vintage, cast(null as varchar) as boundary_vintage,"
            ~ " cast(null as varchar) as boundary_code, cast(null as varchar) as geometry_geojson where false"
        ) %}
    {%- endif %}
    {{- selects | join('\nunion all\n') }}
{%- endmacro %}

{% macro icb_boundaries_drawn_with(memberships) -%}
    {%- set selects = [] %}
    {%- for vintage in var('area_vintages')
        if vintage.area_type == 'icb' and vintage.boundaries and vintage.boundaries.drawn_with %}
        {%- do selects.append(
            "(select drawn.icb_vintage, drawn.icb_code, boundary.icb_vintage as boundary_icb_vintage,"
            ~ " boundary.icb_code as boundary_code from " ~ memberships ~ " as drawn inner join " ~ memberships
            ~ " as boundary on drawn.lsoa21_code = boundary.lsoa21_code and boundary.icb_vintage = '"
            ~ vintage.boundaries.drawn_with ~ "' where drawn.icb_vintage = '" ~ vintage.area_vintage
            ~ "' group by drawn.icb_vintage, drawn.icb_code, boundary.icb_vintage, boundary.icb_code"
            ~ " qualify row_number() over (partition by drawn.icb_code"
            ~ " order by count(*) desc, boundary.icb_code asc) = 1)"
        ) %}
    {%- endfor %}
    {%- if not selects %}
        {%- do selects.append(
            "select cast(null as varchar) as icb_vintage, cast(null as varchar) as icb_code,"
            ~ " cast(null as varchar) as boundary_icb_vintage, cast(null as varchar) as boundary_code where false"
        ) %}
    {%- endif %}
    {{- selects | join('\nunion all\n') }}
{%- endmacro %}

{#-
    Whether an ICB vintage column names a vintage of the registry of areas drawn on 2011 LSOAs (a lookup with
    `lsoa: lsoa11_code`: ICB22), as a SQL condition, so a rule for them names no vintage.
-#}
{% macro icb_vintage_drawn_on_lsoa11(vintage_column) -%}
    {%- set drawn = [] %}
    {%- for vintage in var('area_vintages')
        if vintage.area_type == 'icb' and vintage.kind == 'lookup' and vintage.membership.lsoa == 'lsoa11_code' %}
        {%- do drawn.append("'" ~ vintage.area_vintage ~ "'") %}
    {%- endfor %}
    {{- '(' ~ vintage_column ~ ' in (' ~ drawn | join(', ') ~ '))' if drawn else 'false' }}
{%- endmacro %}
