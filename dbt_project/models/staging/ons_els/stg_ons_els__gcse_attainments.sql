{{ els_staging('ons_els_gcses_in_english_and_maths') }}
