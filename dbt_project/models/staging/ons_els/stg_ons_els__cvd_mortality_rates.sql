{{ els_staging('ons_els_preventable_cvd_mortality') }}
