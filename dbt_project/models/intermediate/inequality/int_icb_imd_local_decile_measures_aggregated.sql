-- LSOA measures by local IMD decile within each ICB: deciles ranked within the ICB by IMD score, of about
-- equal population (int_icb_imd_local_deciles_ranked), so all ten hold people (see macros/inequality.sql).

{{ imd_decile_measures_aggregated(
    ref('int_lsoa_imd_local_decile_shares_derived'),
    ref('int_lsoa_measure_counts_unioned')
) }}
