{{ els_staging('ons_els_housing_affordability_ratio') }}
