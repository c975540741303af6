{{ els_staging('ons_els_gross_median_weekly_pay') }}
