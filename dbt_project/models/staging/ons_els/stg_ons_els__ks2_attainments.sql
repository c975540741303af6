{{ els_staging('ons_els_ks2_expected_standard') }}
