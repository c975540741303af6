{{ fingertips_export_staging('ohid_fingertips', 'ohid_fingertips_93495_common_mental_disorders') }}
