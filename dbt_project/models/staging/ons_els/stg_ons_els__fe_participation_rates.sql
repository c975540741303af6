{{ els_staging('ons_els_fe_skills_participation') }}
