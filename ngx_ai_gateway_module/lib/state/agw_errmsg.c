/*
 * agw_errmsg: a failing function's message into its caller's buffer.
 */

#include <stdarg.h>
#include <stdio.h>

#include "agw_errmsg.h"


void
agw_errmsg(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    if (err == NULL || errlen == 0) {
        return;
    }

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
