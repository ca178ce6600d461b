/*
 * agw_dialect: names of the dialects, as nginx.conf and the logs spell them.
 */

#include <stddef.h>

#include "agw_dialect.h"


const char *
agw_dialect_name(agw_dialect_t d)
{
    static const char *const  names[AGW_DIALECT_MAX] = {
        "openai", "anthropic", "gemini", "responses"
    };

    if ((unsigned) d >= AGW_DIALECT_MAX) {
        return "unknown";
    }

    return names[d];
}
