{{ fingertips_export_staging('ohid_fingertips', 'ohid_fingertips_91547_qof_smoking') }}
