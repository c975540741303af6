{{ els_staging('ons_els_qualifications_level_3_or_above') }}
