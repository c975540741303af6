-- The groups every ICB is compared with, as lists of member ICBs of one vintage: England (all ICBs), the
-- ICB's NHS region and its statistical neighbours (the ICB itself excluded, as in CIPFA's peer averages).
-- Comparator values are then built from the members' figures with each indicator's own rule, so a group
-- value is what one ICB covering the group's ground would show.

with

icbs as (
    select * from {{ ref('icbs') }}
),

peers as (
    select * from {{ ref('int_icb_peer_distances_ranked') }}
),

england as (
    select
        'england' as group_type,
        'E92000001' as group_code,
        'England' as group_name,
        icb_vintage,
        icb_code as member_icb_code
    from icbs
),

nhs_regions as (
    select
        'nhs_region' as group_type,
        nhs_region_code as group_code,
        nhs_region_name as group_name,
        icb_vintage,
        icb_code as member_icb_code
    from icbs
    where nhs_region_code is not null
),

peer_groups as (
    select
        'peer_group' as group_type,
        peers.icb_code as group_code,
        'Peers of ' || icbs.icb_name as group_name,
        peers.icb_vintage,
        peers.peer_icb_code as member_icb_code
    from peers
    inner join icbs
        on peers.icb_code = icbs.icb_code
        and peers.icb_vintage = icbs.icb_vintage
    where peers.peer_rank <= {{ var('peer_group_size') }}
),

final as (
    select * from england
    union all
    select * from nhs_regions
    union all
    select * from peer_groups
)

select * from final
