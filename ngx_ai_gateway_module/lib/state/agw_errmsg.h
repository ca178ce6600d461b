/*
 * agw_errmsg: the message a function leaves in its caller's buffer when
 * it fails (char *err, size_t errlen: the state library's convention).
 */

#ifndef AGW_ERRMSG_H
#define AGW_ERRMSG_H

#include <stddef.h>

/* Formats into err; nothing when err is NULL or errlen is 0. */
void agw_errmsg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* AGW_ERRMSG_H */
