/*
 * agw_limits: the names of the limits a request can meet.
 */

#include "agw_limits.h"


const char *
agw_limit_name(agw_limit_which_t which)
{
    static const char *const  names[] = {
        "none",
        "requests_per_minute",
        "requests_per_hour",
        "requests_per_day",
        "tokens_per_minute",
        "input_tokens_per_day",
        "output_tokens_per_day",
        "concurrent",
        "budget_day",
        "budget_month",
        "budget_total",
        "table_full"
    };

    if ((unsigned) which >= sizeof(names) / sizeof(names[0])) {
        return "unknown";
    }

    return names[which];
}
