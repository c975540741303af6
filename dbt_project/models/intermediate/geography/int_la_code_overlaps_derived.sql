-- Pairs of local-authority codes that cover some of the same ground, and which of the two gives way when a
-- publisher lists both for the same period, so each small area is counted once:
--   same tier: a district and the unitary that replaced it (E07000026 and E06000063), or a code and its
--     re-issue (E08000019 and E08000039): the code covering less (or, for equal ground, the older,
--     lower-numbered code) is superseded;
--   a county (E10) and any district or unitary inside it (E07000154 in E10000021; E06000061, which replaced
--     part of E10000021): the county is superseded, as the finer figures place each area in its own ICB. A
--     county figure is used only for a period that lists none of the areas inside it (counties abolished in
--     2019-2023, or sources that publish education figures for counties and unitaries only).

with

memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

sizes as (
    select
        la_code,
        count(*) as lsoa21_count
    from memberships
    group by la_code
),

shared as (
    select
        a.la_code,
        b.la_code as other_code,
        count(*) as shared_lsoa21s
    from memberships as a
    inner join memberships as b
        on a.lsoa21_code = b.lsoa21_code
        and a.la_code <> b.la_code
    group by a.la_code, b.la_code
),

same_tier as (
    select
        shared.la_code,
        shared.other_code as superseded_by,
        shared.shared_lsoa21s
    from shared
    inner join sizes as own_size on shared.la_code = own_size.la_code
    inner join sizes as other_size on shared.other_code = other_size.la_code
    where
        left(shared.la_code, 3) <> 'E10'
        and left(shared.other_code, 3) <> 'E10'
        and (
            -- most of the code's ground must lie in the other: one LSOA moved by a boundary tweak (Cherwell
            -- and South Northamptonshire) does not make one district the successor of the other
            shared.shared_lsoa21s >= 0.5 * own_size.lsoa21_count
            and own_size.lsoa21_count < other_size.lsoa21_count
            -- the same ground under two codes: ONS issues codes in ascending order, so the higher is newer
            or (
                shared.shared_lsoa21s >= 0.5 * own_size.lsoa21_count
                and own_size.lsoa21_count = other_size.lsoa21_count
                and shared.la_code < shared.other_code
            )
        )
),

county_parts as (
    -- a county gives way to any district or unitary lying (mostly) inside it
    select
        shared.la_code,
        shared.other_code as superseded_by,
        shared.shared_lsoa21s
    from shared
    inner join sizes as other_size on shared.other_code = other_size.la_code
    where
        left(shared.la_code, 3) = 'E10'
        and left(shared.other_code, 3) <> 'E10'
        and shared.shared_lsoa21s >= 0.5 * other_size.lsoa21_count
),

final as (
    select * from same_tier
    union all
    select * from county_parts
)

select * from final
