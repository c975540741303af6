-- LSOA measures by national IMD decile within each ICB (see macros/inequality.sql).

{{ imd_decile_measures_aggregated(
    ref('int_lsoa_imd_decile_shares_derived'),
    ref('int_lsoa_measure_counts_unioned')
) }}
