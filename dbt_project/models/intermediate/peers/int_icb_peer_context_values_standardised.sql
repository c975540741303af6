-- Each peer context value as a z-score among the ICBs of the same vintage, with the variable's declared
-- weight. The spread is the population standard deviation (divide by n): the ICBs of a vintage are the whole
-- population compared, not a sample. It is computed in two passes (mean, then mean squared deviation) so that
-- the figures are exactly reproducible by hand.

with

context_values as (
    select * from {{ ref('int_icb_peer_context_values_unioned') }}
),

variables as (
    select * from {{ ref('peer_context_variables') }}
),

vintage_means as (
    select
        icb_vintage,
        variable,
        sum(value) / count(value) as vintage_mean
    from context_values
    group by icb_vintage, variable
),

vintage_spreads as (
    select
        context_values.icb_vintage,
        context_values.variable,
        vintage_means.vintage_mean,
        sqrt(
            sum(pow(context_values.value - vintage_means.vintage_mean, 2)) / count(context_values.value)
        ) as vintage_sd
    from context_values
    inner join vintage_means
        on context_values.icb_vintage = vintage_means.icb_vintage
        and context_values.variable = vintage_means.variable
    group by context_values.icb_vintage, context_values.variable, vintage_means.vintage_mean
),

final as (
    select
        context_values.icb_code,
        context_values.icb_vintage,
        context_values.variable,
        variables.title,
        variables.unit,
        variables.period,
        variables.definition,
        context_values.value,
        context_values.coverage,
        vintage_spreads.vintage_mean,
        vintage_spreads.vintage_sd,
        -- a variable with no spread in a vintage cannot separate its ICBs: no z-score, not a division by 0
        (context_values.value - vintage_spreads.vintage_mean)
        / nullif(vintage_spreads.vintage_sd, 0) as z_score,
        variables.weight
    from context_values
    inner join vintage_spreads
        on context_values.icb_vintage = vintage_spreads.icb_vintage
        and context_values.variable = vintage_spreads.variable
    inner join variables on context_values.variable = variables.variable
)

select * from final
