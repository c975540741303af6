{{ els_staging('ons_els_employment_rate') }}
