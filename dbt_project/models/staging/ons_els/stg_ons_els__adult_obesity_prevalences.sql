{{ els_staging('ons_els_adult_obesity_prevalence') }}
