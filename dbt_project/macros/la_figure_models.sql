{#-
    The staging models whose local-authority (and national) figures feed ICB indicators. One list, so the LA
    pipeline (int_la_indicator_values_unioned) and the publisher's own England figures
    (int_publisher_comparator_values_unioned) read exactly the same sources.
-#}
{% macro la_figure_models() -%}
    {{ return([
        'stg_ons_els__employment_rates',
        'stg_ons_els__inactivity_long_term_sickness_shares',
        'stg_ons_els__healthy_life_expectancies',
        'stg_ons_els__adult_obesity_prevalences',
        'stg_ons_els__apprenticeship_rates',
        'stg_ons_els__child_poverty_rates',
        'stg_ons_els__smoking_prevalences',
        'stg_ons_els__claimant_rates',
        'stg_ons_els__fe_participation_rates',
        'stg_ons_els__gcse_attainments',
        'stg_ons_els__ghg_emissions',
        'stg_ons_els__household_incomes',
        'stg_ons_els__weekly_pays',
        'stg_ons_els__productivities',
        'stg_ons_els__housing_affordabilities',
        'stg_ons_els__unemployment_rates',
        'stg_ons_els__wellbeing_scores',
        'stg_ons_els__cvd_mortality_rates',
        'stg_ons_els__ks2_attainments',
        'stg_ons_els__level3_qualification_rates',
        'stg_ons_els__no_qualification_rates',
        'stg_desnz__fuel_poverty_la_rates',
        'stg_ons_population__census2021_qualification_rates',
        'stg_ons_population__census2021_inactivity_sickness_shares',
        'stg_ons_population__census2021_not_white_british_shares',
        'stg_ons_subnational__levelling_up_metrics',
        'stg_ohid_fingertips__life_expectancies',
        'stg_ohid_fingertips__life_expectancy_inequalities',
        'stg_ons_health_index__lad21_scores',
    ]) }}
{%- endmacro %}
