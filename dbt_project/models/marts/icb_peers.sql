-- Each ICB's statistical neighbours: the peer_group_size ICBs of the same vintage nearest to it on the
-- weighted, standardised context variables (see icb_peer_context and the peer_context_variables seed).

with

ranked as (
    select * from {{ ref('int_icb_peer_distances_ranked') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

final as (
    select
        ranked.icb_code,
        own.icb_name,
        ranked.icb_vintage,
        ranked.peer_icb_code,
        peer.icb_name as peer_icb_name,
        cast(ranked.peer_rank as integer) as peer_rank,
        cast(ranked.distance as double) as distance
    from ranked
    inner join icbs as own
        on ranked.icb_code = own.icb_code
        and ranked.icb_vintage = own.icb_vintage
    inner join icbs as peer
        on ranked.peer_icb_code = peer.icb_code
        and ranked.icb_vintage = peer.icb_vintage
    where ranked.peer_rank <= {{ var('peer_group_size') }}
)

select * from final
