/*
 * agw_arena: the caller's block first, then malloc'd blocks; alignment,
 * the bound, zeroing, freeing and using again.  ASan checks that every
 * byte handed out is writable and that nothing leaks.
 */

#include <stdint.h>
#include <stdlib.h>

#include "tap.h"
#include "agw_arena.h"


static int
aligned(const void *p)
{
    return ((uintptr_t) p & (AGW_ARENA_ALIGN - 1)) == 0;
}


int
main(void)
{
    int           in_first, bad;
    char         *p, *q, first[1000];
    size_t        i, n;
    agw_arena_t   a;

    /* the caller's block first, whatever its own alignment */
    agw_arena_init(&a, first + 3, sizeof(first) - 3, 0);

    in_first = 1;
    bad = 0;

    for (i = 0; i < 20; i++) {
        p = agw_arena_alloc(&a, 1 + i * 3);
        bad += p == NULL || !aligned(p);
        in_first &= p >= first + 3 && p + 1 + i * 3 <= first + sizeof(first);
        memset(p, 'x', 1 + i * 3);
    }

    ok(!bad && in_first && a.blocks == NULL && a.total == 0,
       "small allocations come from the caller's block, aligned");

    /* past it: malloc'd blocks, each at least twice the last */
    bad = 0;
    for (i = 0; i < 2000; i++) {
        n = 1 + (i * 37) % 200;
        p = agw_arena_alloc(&a, n);
        bad += p == NULL || !aligned(p);
        if (p != NULL) {
            memset(p, (int) i, n);
        }
    }
    ok(!bad && a.blocks != NULL && a.total > 0, "then malloc'd blocks");
    ok(a.total < 4 * 2000 * 216, "whose total stays within a few times "
       "what was asked");
    tap_diag("%zu bytes taken from malloc", a.total);

    /* a big one gets a block of its own; small ones go on where they were */
    q = a.pos;
    p = agw_arena_alloc(&a, 1 << 20);
    ok(p != NULL && aligned(p) && a.pos == q, "a big allocation: a block of "
       "its own, the current block kept");
    memset(p, 0xAB, 1 << 20);

    p = agw_arena_calloc(&a, 300);
    for (i = 0, bad = 0; p && i < 300; i++) {
        bad += p[i] != 0;
    }
    ok(p != NULL && !bad, "calloc zeroes");

    ok(agw_arena_alloc(&a, 0) != NULL, "zero bytes: a pointer still");
    ok(agw_arena_alloc(&a, SIZE_MAX - 8) == NULL, "an impossible size: NULL");

    /* free: everything back, and the arena starts again from the caller's
     * block */
    agw_arena_free(&a);
    p = agw_arena_alloc(&a, 16);
    ok(a.blocks == NULL && a.total == 0 && p >= first && p < first + 1000,
       "after free, the first block again");
    agw_arena_free(&a);

    /* reset: the next use finds the kept block, and mallocs nothing */
    agw_arena_init(&a, first, sizeof(first), 0);
    for (i = 0; i < 100; i++) {
        agw_arena_alloc(&a, 100);
    }
    p = agw_arena_alloc(&a, 1 << 20);       /* a block of its own */
    n = a.total;
    ok(a.blocks != NULL && n > (1 << 20), "blocks taken");

    agw_arena_reset(&a);
    ok(a.blocks == NULL && a.spare != NULL && a.total > 0
       && a.total < (1 << 20), "reset keeps one block, not the big one");
    n = a.total;
    q = agw_arena_alloc(&a, 16);
    ok(q >= first && q < first + sizeof(first), "then the first block again");

    for (i = 0, bad = 0; i < 5; i++) {
        for (size_t k = 0; k < 100; k++) {
            p = agw_arena_alloc(&a, 100);
            bad += p == NULL || !aligned(p);
            if (p) {
                memset(p, 'y', 100);
            }
        }

        /* the first use after the big one may need a larger block;
         * from then on, the same use finds what it needs */
        if (i > 0) {
            bad += a.total != n;
        }

        agw_arena_reset(&a);
        n = a.total;
    }
    ok(!bad && a.total <= n, "the same use again after a reset takes "
       "nothing more from malloc");
    agw_arena_free(&a);
    ok(a.spare == NULL && a.total == 0, "free gives the kept block back");

    /* the bound: what is taken from malloc never passes max */
    agw_arena_init(&a, NULL, 0, 10000);
    for (i = 0, n = 0; i < 1000; i++) {
        p = agw_arena_alloc(&a, 100);
        if (p == NULL) {
            break;
        }
        memset(p, 1, 100);
        n += 100;
    }
    ok(p == NULL && a.total <= 10000 && n >= 10000 / 2,
       "max bounds what is taken from malloc (%zu bytes given, %zu taken)",
       n, a.total);
    ok(agw_arena_alloc(&a, 20000) == NULL, "one allocation past max: NULL");
    agw_arena_free(&a);
    ok(agw_arena_alloc(&a, 100) != NULL, "after free, room again");
    agw_arena_free(&a);

    /* no first block at all */
    agw_arena_init(&a, NULL, 0, 0);
    p = agw_arena_alloc(&a, 24);
    q = agw_arena_alloc(&a, 24);
    ok(p != NULL && q != NULL && aligned(p) && aligned(q) && q >= p + 24,
       "without a first block: from malloc at once");
    agw_arena_free(&a);
    agw_arena_free(&a);
    ok(a.blocks == NULL && a.total == 0, "free twice is harmless");

    return done_testing();
}
