{{ els_staging('ons_els_claimant_count') }}
