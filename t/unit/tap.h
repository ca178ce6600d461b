/*
 * tap.h: the smallest TAP producer, so that prove runs the C unit tests
 * beside the nginx suites (h2o's t/00unit does the same).
 */

#ifndef TAP_H
#define TAP_H

#include <stdio.h>
#include <string.h>
#include <stdarg.h>

static int tap_n, tap_failed;

static void
tap_diag(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("# ", stdout);
    vfprintf(stdout, fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!cond) {
        tap_failed++;
        printf("#   Failed at %s line %d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

#define ok(cond, ...)  tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, name) do {                                        \
    long long g_ = (long long) (got), w_ = (long long) (want);              \
    if (!ok(g_ == w_, "%s", name))                                          \
        tap_diag("got %lld, want %lld", g_, w_);                            \
} while (0)

#define is_str(got, want, name) do {                                        \
    const char *g_ = (got), *w_ = (want);                                   \
    if (!ok(g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0, "%s", name))   \
        tap_diag("got  \"%s\"\n# want \"%s\"", g_ ? g_ : "(null)",          \
                 w_ ? w_ : "(null)");                                       \
} while (0)

static int
done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif /* TAP_H */
