{{ els_staging('ons_els_children_in_relative_poverty') }}
