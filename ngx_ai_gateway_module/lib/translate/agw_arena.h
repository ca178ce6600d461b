/*
 * agw_arena: the memory of one translation.  The intermediate form of a
 * request or answer is a few hundred small nodes that all die together,
 * so they come from blocks freed at once (no per-node free, no leak on an
 * error path).  The first block may be the caller's (on its stack or in
 * its pool); later blocks come from malloc, each twice the last.
 */

#ifndef AGW_ARENA_H
#define AGW_ARENA_H

#include <stddef.h>

typedef struct agw_arena_block_s  agw_arena_block_t;

typedef struct {
    char               *pos;
    char               *end;
    agw_arena_block_t  *blocks;     /* malloc'd ones, to free */
    size_t              next;       /* the size of the next block */
    size_t              total;      /* bytes taken from malloc */
    size_t              max;        /* bound on total: 0 none */
    char               *first;      /* the caller's block, to start again */
    size_t              first_size;
    agw_arena_block_t  *spare;      /* kept by agw_arena_reset() */
} agw_arena_t;

/* What every allocation is aligned to: any node, SSE loads included. */
#define AGW_ARENA_ALIGN  16

/*
 * buf (may be NULL) is the first block, size bytes.  max bounds what the
 * arena takes from malloc beyond it (0: no bound): a request's form takes
 * a few times its body, never more.
 */
void agw_arena_init(agw_arena_t *a, void *buf, size_t size, size_t max);

/* n bytes aligned for any node; NULL when out of memory or past max. */
void *agw_arena_alloc(agw_arena_t *a, size_t n);
/* The same, zeroed. */
void *agw_arena_calloc(agw_arena_t *a, size_t n);

/* Frees every block; the arena can be used again (from its first block). */
void agw_arena_free(agw_arena_t *a);

/*
 * Empties the arena for its next use (a stream's next event) but keeps
 * its largest malloc'd block for when the first block is full again: a
 * stream in its steady state allocates nothing.  agw_arena_free() at the
 * end gives it back.
 */
void agw_arena_reset(agw_arena_t *a);

#endif /* AGW_ARENA_H */
