-- The weighted Euclidean distance between every pair of ICBs of the same vintage, sqrt(sum over variables of
-- weight x (z difference)^2), and each ICB's ranking of the others by it (1 = nearest; ties go to the lower
-- code). Pairs are formed within a vintage only: E54 codes persist across boundary changes.

with

standardised as (
    select * from {{ ref('int_icb_peer_context_values_standardised') }}
),

pair_distances as (
    select
        own.icb_code,
        own.icb_vintage,
        other.icb_code as peer_icb_code,
        sqrt(sum(own.weight * pow(own.z_score - other.z_score, 2))) as distance,
        count(own.z_score - other.z_score) as variables_compared
    from standardised as own
    inner join standardised as other
        on own.icb_vintage = other.icb_vintage
        and own.variable = other.variable
        and own.icb_code != other.icb_code
    group by own.icb_code, own.icb_vintage, other.icb_code
),

final as (
    select
        icb_code,
        icb_vintage,
        peer_icb_code,
        distance,
        variables_compared,
        row_number() over (
            partition by icb_code, icb_vintage
            order by distance, peer_icb_code
        ) as peer_rank
    from pair_distances
)

select * from final
