/*
 * The anthropic dialect: to and from the hub (agw_translate_int.h).
 * Operations not filled in yet are NULL; the dispatcher answers those
 * dialect pairs with a clear "not supported" error.
 */

#include "agw_translate_int.h"


const agw_dialect_ops_t  agw_anthropic_ops = {
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL
};
