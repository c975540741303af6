{#-
    A GeoJSON Polygon or MultiPolygon (text) with every coordinate rounded to `places` decimals, as JSON text.
    Four places of a degree are about 10 m, well inside the 200 m generalisation of BSC boundaries, and halve the
    text. Other geometry types come back NULL, so a not_null test catches them.
-#}
{% macro round_geojson_coordinates(column, places=4) -%}
    case json_extract_string({{ column }}, '$.type')
        when 'Polygon' then cast(json_object(
            'type', 'Polygon',
            'coordinates', list_transform(
                cast(json_extract({{ column }}, '$.coordinates') as double[][][]),
                lambda ring: list_transform(
                    ring, lambda point: list_transform(point, lambda c: round(c, {{ places }}))
                )
            )
        ) as varchar)
        when 'MultiPolygon' then cast(json_object(
            'type', 'MultiPolygon',
            'coordinates', list_transform(
                cast(json_extract({{ column }}, '$.coordinates') as double[][][][]),
                lambda polygon: list_transform(
                    polygon, lambda ring: list_transform(
                        ring, lambda point: list_transform(point, lambda c: round(c, {{ places }}))
                    )
                )
            )
        ) as varchar)
    end
{%- endmacro %}
