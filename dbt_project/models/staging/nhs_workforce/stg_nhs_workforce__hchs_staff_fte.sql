with

source as (
    select * from {{ source('nhs_workforce', 'nhs_digital_hchs_staff_by_nationality_2017_2018') }}
),

final as (
    select
        'nhs_digital_hchs_staff_by_nationality_2017_2018' as source_id,
        -- published as text (2017-SEP): kept as the period label's source, and read as the census date, the
        -- last day of the month (HCHS statistics are a snapshot of staff in post on that day)
        month as published_month,
        strftime(cast(strptime(month, '%Y-%b') as date), '%Y-%m') as period,
        cast(last_day(cast(strptime(month, '%Y-%b') as date)) as date) as census_date,
        trim(organisation_code) as organisation_code,
        trim(organisation_name) as organisation_name,
        trim(staff_group) as staff_group,
        trim(nationality) as nationality,
        {{ to_number('fte') }} as fte
    from source
)

select * from final
