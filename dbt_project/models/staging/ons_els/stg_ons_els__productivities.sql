{{ els_staging('ons_els_gross_value_added') }}
