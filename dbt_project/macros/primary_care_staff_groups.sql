{#-
    The general practice staff groups of the practice workforce file (staging column -> indicator id), one list
    for the ICB figures and their deprivation-quintile breakdowns.
-#}
{% macro primary_care_staff_groups() -%}
    {{ return({
        'gp_fte': 'primary_care_gp_fte_per_10k_patients',
        'gp_locum_trainee_fte': 'primary_care_gp_locum_trainee_fte_per_10k_patients',
        'nurse_fte': 'primary_care_nurse_fte_per_10k_patients',
        'direct_patient_care_fte': 'primary_care_direct_patient_care_fte_per_10k_patients',
        'admin_fte': 'primary_care_admin_fte_per_10k_patients',
    }) }}
{%- endmacro %}
