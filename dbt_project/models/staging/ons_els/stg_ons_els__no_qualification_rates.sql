{{ els_staging('ons_els_qualifications_none_gb') }}
