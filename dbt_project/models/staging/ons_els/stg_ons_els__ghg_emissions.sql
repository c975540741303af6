{{ els_staging('ons_els_greenhouse_gas_emissions') }}
