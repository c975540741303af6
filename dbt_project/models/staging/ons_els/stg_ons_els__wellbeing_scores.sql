{{ els_staging('ons_els_personal_wellbeing_estimates') }}
