{{ els_staging('ons_els_gdhi_per_head') }}
