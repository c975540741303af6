{{ trafford_fingertips_staging('ohid_fingertips', 'ohid_life_expectancy_la') }}
