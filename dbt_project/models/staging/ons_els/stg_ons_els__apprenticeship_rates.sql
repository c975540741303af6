{{ els_staging('ons_els_apprenticeships') }}
