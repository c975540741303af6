{{ els_staging('ons_els_inactivity_long_term_sickness') }}
