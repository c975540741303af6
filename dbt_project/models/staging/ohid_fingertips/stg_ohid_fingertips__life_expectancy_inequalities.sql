{{ trafford_fingertips_staging('ohid_fingertips', 'ohid_inequality_life_expectancy_la') }}
