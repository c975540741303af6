{#-
    The closed lists of ERIC's text fields, as SQL tuples. A row whose fields fall outside them is shifted
    (a comma in the trust name taken for a separator); see int_nhs_eric_trust_returns_repaired.
-#}
{% macro eric_commissioning_regions() -%}
    (
        'NORTH OF ENGLAND COMMISSIONING REGION',
        'MIDLANDS AND EAST OF ENGLAND COMMISSIONING REGION',
        'SOUTH OF ENGLAND COMMISSIONING REGION',
        'LONDON COMMISSIONING REGION'
    )
{%- endmacro %}

{% macro eric_organisation_types() -%}
    (
        'ACUTE - LARGE',
        'ACUTE - MEDIUM',
        'ACUTE - SMALL',
        'ACUTE - MULTI-SERVICE',
        'ACUTE - SPECIALIST',
        'ACUTE - TEACHING',
        'AMBULANCE',
        'CARE TRUST',
        'COMMUNITY',
        'MENTAL HEALTH AND LEARNING DISABILITY'
    )
{%- endmacro %}
