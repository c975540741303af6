{{ els_staging('ons_els_modelled_unemployment') }}
