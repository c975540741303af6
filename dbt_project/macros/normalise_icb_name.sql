{#-
    An ICB name reduced to what identifies it, so names written by different publishers match:
    "NHS Cornwall and the Isles of Scilly Integrated Care Board" and "Cornwall and The Isles Of Scilly" both
    become "cornwall the isles of scilly". Lower case; "NHS " and " Integrated Care Board" / " ICB" dropped;
    "and" and "&" dropped; anything but letters and digits is a single space.
-#}
{% macro normalise_icb_name(column) -%}
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(lower(trim({{ column }})), '^nhs\s+', ''),
                '\s+(integrated care board|icb)$', ''
            ),
            '(^|[^a-z0-9])(and|&)([^a-z0-9]|$)', '\1 \3', 'g'
        ),
        '[^a-z0-9]+', ' ', 'g'
    ))
{%- endmacro %}
