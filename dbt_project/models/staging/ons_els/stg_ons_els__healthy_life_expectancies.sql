{{ els_staging('ons_els_healthy_life_expectancy') }}
