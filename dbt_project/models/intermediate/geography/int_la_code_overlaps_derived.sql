-- Pairs of local-authority codes of the same tier that cover some of the same ground: a district and the
-- unitary that replaced it (E07000026 and E06000063), or a code and its re-issue (E08000019 and E08000039).
-- Publishers sometimes list both for the same period; the code covering less (or, for equal ground, the
-- older, lower-numbered code) is superseded, so each small area is counted once.

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
    -- a county (E10) and its districts (E07) overlap by design and are never used together
    where
        not (left(a.la_code, 3) = 'E10' and left(b.la_code, 3) = 'E07')
        and not (left(a.la_code, 3) = 'E07' and left(b.la_code, 3) = 'E10')
    group by a.la_code, b.la_code
),

final as (
    select
        shared.la_code,
        shared.other_code as superseded_by,
        shared.shared_lsoa21s
    from shared
    inner join sizes as own_size on shared.la_code = own_size.la_code
    inner join sizes as other_size on shared.other_code = other_size.la_code
    where
        -- most of the code's ground must lie in the other: one LSOA moved by a boundary tweak (Cherwell and
        -- South Northamptonshire) does not make one district the successor of the other
        shared.shared_lsoa21s >= 0.5 * own_size.lsoa21_count
        and own_size.lsoa21_count < other_size.lsoa21_count
        -- the same ground under two codes: ONS issues codes in ascending order, so the higher one is newer
        or (
            shared.shared_lsoa21s >= 0.5 * own_size.lsoa21_count
            and own_size.lsoa21_count = other_size.lsoa21_count
            and shared.la_code < shared.other_code
        )
)

select * from final
