{{ els_staging('ons_els_cigarette_smokers') }}
