/*
 * agw_arena: bump allocation from the caller's block, then from malloc'd
 * blocks each twice the last (see agw_arena.h).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agw_arena.h"


struct agw_arena_block_s {
    agw_arena_block_t  *next;
    size_t              size;
};

/* the header rounded up, so that a block's space starts aligned */
#define AGW_ARENA_HDR                                                        \
    ((sizeof(agw_arena_block_t) + AGW_ARENA_ALIGN - 1)                       \
     & ~((size_t) AGW_ARENA_ALIGN - 1))

/* the first malloc'd block at least: smaller would mean a malloc every
 * few nodes for a caller that gave no block */
#define AGW_ARENA_MIN   4096

/* the largest block agw_arena_reset() keeps for the next use */
#define AGW_ARENA_KEEP_MAX  (64 * 1024)


static size_t
agw_arena_first_next(size_t size)
{
    if (size < AGW_ARENA_MIN / 2) {
        return AGW_ARENA_MIN;
    }

    return size > SIZE_MAX / 4 ? SIZE_MAX / 2 : size * 2;
}


static char *
agw_arena_align(char *p)
{
    uintptr_t  u = (uintptr_t) p;

    u = (u + AGW_ARENA_ALIGN - 1) & ~((uintptr_t) AGW_ARENA_ALIGN - 1);

    return (char *) u;
}


void
agw_arena_init(agw_arena_t *a, void *buf, size_t size, size_t max)
{
    a->first = buf;
    a->first_size = buf ? size : 0;
    a->pos = a->first;
    a->end = a->first ? a->first + a->first_size : NULL;
    a->blocks = NULL;
    a->next = agw_arena_first_next(a->first_size);
    a->total = 0;
    a->max = max;
    a->spare = NULL;
}


/*
 * A block from malloc of at least need bytes of space, counted against
 * max: twice the last one, or just what need asks when doubling would go
 * past max.
 */
static agw_arena_block_t *
agw_arena_block(agw_arena_t *a, size_t need, size_t size)
{
    agw_arena_block_t  *b;

    if (need > SIZE_MAX - AGW_ARENA_HDR - AGW_ARENA_ALIGN) {
        return NULL;
    }

    need += AGW_ARENA_HDR + AGW_ARENA_ALIGN;

    if (size < need) {
        size = need;
    }

    if (a->max) {
        if (need > a->max || a->total > a->max - need) {
            return NULL;
        }

        if (size > a->max - a->total) {
            size = a->max - a->total;
        }
    }

    b = malloc(size);
    if (b == NULL) {
        return NULL;
    }

    b->size = size;
    a->total += size;

    return b;
}


void *
agw_arena_alloc(agw_arena_t *a, size_t n)
{
    char               *p;
    agw_arena_block_t  *b;

    if (n == 0) {
        n = 1;                  /* a distinct pointer, as malloc gives */
    }

    if (a->pos != NULL) {
        p = agw_arena_align(a->pos);

        if (p <= a->end && (size_t) (a->end - p) >= n) {
            a->pos = p + n;
            return p;
        }
    }

    /*
     * A big allocation (a long string decoded, a large array) gets a
     * block of its own: the current block keeps serving small nodes
     * instead of being abandoned half empty.
     */
    if (n > a->next / 4) {
        b = agw_arena_block(a, n, 0);
        if (b == NULL) {
            return NULL;
        }

        if (a->blocks != NULL) {
            b->next = a->blocks->next;
            a->blocks->next = b;

        } else {
            b->next = NULL;
            a->blocks = b;
        }

        return agw_arena_align((char *) b + AGW_ARENA_HDR);
    }

    if (a->spare != NULL
        && a->spare->size >= n + AGW_ARENA_HDR + AGW_ARENA_ALIGN)
    {
        /* what agw_arena_reset() kept: already counted in total */
        b = a->spare;
        a->spare = NULL;

    } else {
        b = agw_arena_block(a, n, a->next);
        if (b == NULL) {
            return NULL;
        }
    }

    b->next = a->blocks;
    a->blocks = b;
    a->next = b->size > SIZE_MAX / 4 ? b->size : b->size * 2;

    p = agw_arena_align((char *) b + AGW_ARENA_HDR);
    a->pos = p + n;
    a->end = (char *) b + b->size;

    return p;
}


void *
agw_arena_calloc(agw_arena_t *a, size_t n)
{
    void  *p;

    p = agw_arena_alloc(a, n);
    if (p != NULL) {
        memset(p, 0, n);
    }

    return p;
}


void
agw_arena_free(agw_arena_t *a)
{
    agw_arena_block_t  *b, *next;

    for (b = a->blocks; b != NULL; b = next) {
        next = b->next;
        free(b);
    }

    free(a->spare);

    agw_arena_init(a, a->first, a->first_size, a->max);
}


void
agw_arena_reset(agw_arena_t *a)
{
    size_t              next;
    agw_arena_block_t  *b, *keep, *nb;

    /* nothing taken since the last reset (most stream events): as is */
    if (a->blocks == NULL && a->pos == a->first) {
        return;
    }

    /*
     * The largest block is the one the next use most likely needs; but
     * not one past AGW_ARENA_KEEP_MAX: a stream keeps it between events,
     * and thousands of streams are open at once.
     */
    keep = a->spare;

    for (b = a->blocks; b != NULL; b = b->next) {
        if (b->size <= AGW_ARENA_KEEP_MAX
            && (keep == NULL || b->size > keep->size))
        {
            keep = b;
        }
    }

    for (b = a->blocks; b != NULL; b = nb) {
        nb = b->next;
        if (b != keep) {
            free(b);
        }
    }

    if (a->spare != NULL && a->spare != keep) {
        free(a->spare);
    }

    /* blocks grow on from where they were, not from the first size */
    next = a->next;

    agw_arena_init(a, a->first, a->first_size, a->max);

    a->spare = keep;
    a->next = next;
    a->total = keep ? keep->size : 0;
}
