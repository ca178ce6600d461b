/*
 * agw_state: the shared state file, THE layout for both the nginx module
 * and the admin daemon.
 *
 * One file mapped MAP_SHARED by the nginx master (workers inherit the
 * mapping) and by the daemon.  Everything in it is addressed by offsets
 * from the start of the mapping, never by pointers, since each process
 * maps it at its own address.  Layout (docs/state-and-daemon.md):
 *
 *   0            agw_state_hdr_t: identity and geometry (written once at
 *                format time), then the ring cursors, the counters and
 *                the keys generation, each group on its own cache line
 *   health_off   agw_health_t[health_entries]: provider health
 *   limits_off   limits_entries entries of limits_entry_size bytes: the
 *                limits table of keys, providers and routes (agw_limits.h)
 *   ring_off     capacity slots of slot_size bytes: agw_slot_t, then the
 *                agw_event_t, then the captured request and response bodies
 *
 * The ring is Vyukov's bounded queue used with many producers (workers)
 * and one consumer (the daemon).  A producer never waits: when the ring is
 * full the event is dropped and counted.  The consumer reads events in
 * place and commits its read cursor only after it has stored them, so an
 * event leaves the ring only once it is in the database.  A producer that
 * dies between claiming a slot and publishing it cannot stall the consumer:
 * the consumer skips such a slot after a timeout and counts it
 * (agw_state.c explains the protocol).
 *
 * Plain C, no nginx types, no globals; atomics are GCC/Clang __atomic
 * builtins on 64-bit words, which are lock-free on every target we build
 * for (checked at compile time).
 */

#ifndef AGW_STATE_H
#define AGW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "agw_event.h"

#define AGW_STATE_MAGIC        "AGWSTATE"     /* its 8 bytes, no NUL */
#define AGW_STATE_VERSION      3   /* 2: trace context in events;
                                      3: the limits table, and the finish
                                      reason and response model in events */
#define AGW_CACHELINE          64

#define AGW_HEALTH_MAX         64
#define AGW_HEALTH_NAME_SIZE   64

/* Defaults the module and the daemon share. */
#define AGW_STATE_DEFAULT_SIZE (16u * 1024 * 1024)
#define AGW_RING_STALL_MS      1000   /* dead producer: skip after this */
#define AGW_RING_HARD_STALL_MS 30000  /* live but stuck producer */

/* agw_ring_produce() results. */
#define AGW_RING_OK            0
#define AGW_RING_FULL          1   /* dropped, counted in dropped */
#define AGW_RING_LATE          2   /* the consumer skipped our slot while we
                                      were writing it: counted in late */

/* agw_state_map_file() results besides -1. */
#define AGW_STATE_EXISTING     0
#define AGW_STATE_NEW          1   /* empty or unformatted: format it */


/* What the operator chooses when the file is formatted. */
typedef struct {
    uint32_t  capacity;           /* slots, a power of two; 0: as many as
                                     fit in the size */
    uint32_t  capture_req_size;   /* request body bytes kept per event */
    uint32_t  capture_resp_size;  /* response body bytes kept per event */
    uint32_t  limit_entries;      /* the limits table; 0: the default */
} agw_state_params_t;


/* The file header.  Offsets are from the start of the mapping. */
typedef struct {
    /* Identity and geometry: written once by agw_state_init(), magic last
     * (release), read by agw_state_check() (acquire on magic). */
    uint64_t  magic;              /* the bytes of AGW_STATE_MAGIC, as one
                                     word so that it is stored atomically */
    uint32_t  version;
    uint32_t  header_size;        /* sizeof(agw_state_hdr_t) */
    uint64_t  total_size;         /* bytes of the file */
    uint64_t  ring_id;            /* random at format time: (ring_id, seq)
                                     names an event forever, even after the
                                     file is recreated and seq restarts */
    int64_t   created_ms;
    uint64_t  health_off;
    uint64_t  ring_off;
    uint32_t  health_entries;
    uint32_t  health_entry_size;
    uint32_t  slot_size;
    uint32_t  capacity;           /* power of two */
    uint32_t  event_size;         /* sizeof(agw_event_t) */
    uint32_t  capture_req_size;
    uint32_t  capture_resp_size;
    uint32_t  limits_entries;

    /* Producers only: the next position to claim (free-running). */
    _Alignas(AGW_CACHELINE) uint64_t  tail;

    /* The consumer only: the first position not yet committed. */
    _Alignas(AGW_CACHELINE) uint64_t  head;

    /* Counters, relaxed atomics: statistics, not synchronisation. */
    _Alignas(AGW_CACHELINE) uint64_t  produced;   /* published events */
    uint64_t  dropped;            /* ring full: never entered */
    uint64_t  skipped;            /* slots the consumer gave up waiting for */
    uint64_t  late;               /* producers that found their slot skipped */
    uint64_t  consumed;           /* events committed by the consumer */

    /* Written by the daemon, read by workers and the dashboard. */
    _Alignas(AGW_CACHELINE) uint64_t  keys_generation;
    int64_t   consumer_heartbeat_ms;   /* last drain pass, epoch ms */
    uint64_t  consumer_pid;

    /* The limits table (agw_limits.h): where, and whether the daemon has
     * seeded spend into this file yet (0, then 1 for good). */
    _Alignas(AGW_CACHELINE) uint64_t  limits_off;
    uint32_t  limits_entry_size;
    uint32_t  limits_seeded;
} agw_state_hdr_t;

_Static_assert(__atomic_always_lock_free(sizeof(uint64_t), 0),
               "64-bit atomics must be lock-free for a shared mapping");
_Static_assert(offsetof(agw_state_hdr_t, limits_entries) == 84,
               "geometry changed");
_Static_assert(offsetof(agw_state_hdr_t, tail) == 128, "tail moved");
_Static_assert(offsetof(agw_state_hdr_t, head) == 192, "head moved");
_Static_assert(offsetof(agw_state_hdr_t, produced) == 256,
               "counters moved");
_Static_assert(offsetof(agw_state_hdr_t, keys_generation) == 320,
               "keys_generation moved");
_Static_assert(offsetof(agw_state_hdr_t, limits_off) == 384,
               "limits moved");
_Static_assert(sizeof(agw_state_hdr_t) == 448, "header size changed");


/* Each slot starts with this; the event follows at offset 16. */
typedef struct {
    uint64_t  seq;                /* Vyukov sequence (agw_state.c) */
    uint32_t  pid;                /* producer, valid while claimed */
    uint32_t  pad;
} agw_slot_t;

_Static_assert(sizeof(agw_slot_t) == 16, "slot header changed");
_Static_assert(sizeof(agw_slot_t) % 8 == 0, "event must stay aligned");

/*
 * The slot budget.  A slot is rounded up to 64 bytes and the capacity is
 * the largest power of two that fits the file: past 960 bytes (without
 * captures) a slot is 1024, and a file of 2^k bytes, as sizes are given
 * (16m, 32m), holds half as many events once its header is counted (the
 * default 16 MB: 8192 instead of 16384).
 */
_Static_assert(sizeof(agw_slot_t) + sizeof(agw_event_t) <= 960,
               "a slot over 960 bytes halves the ring of a 16 MB state file");


/*
 * Provider health, shared by every worker: the lead's failover cool-down
 * reads and writes it, the daemon and the dashboard read it.  An entry is
 * claimed once (state FREE -> CLAIMING -> READY) and never released: the
 * set of providers only grows until the file is recreated.
 */
#define AGW_HEALTH_FREE      0
#define AGW_HEALTH_CLAIMING  1
#define AGW_HEALTH_READY     2

typedef struct {
    uint32_t  state;              /* release on READY, acquire on read */
    uint32_t  consecutive_failures;
    uint32_t  last_status;
    uint32_t  pad;
    int64_t   cooldown_until_ms;  /* epoch ms; in cool-down while now < it */
    uint64_t  requests;
    uint64_t  failures;
    int64_t   last_failure_ms;
    int64_t   last_success_ms;
    char      name[AGW_HEALTH_NAME_SIZE];
    char      pad1[8];
} agw_health_t;

_Static_assert(sizeof(agw_health_t) == 128, "health entry changed");


/* A process's handle on a mapped, checked state file. */
typedef struct agw_state_s {
    unsigned char    *base;
    size_t            size;
    agw_state_hdr_t  *hdr;
    agw_health_t     *health;
    unsigned char    *limits;      /* the limits table (agw_limits.c) */
    unsigned char    *slots;
    uint64_t          mask;        /* capacity - 1 */
    uint32_t          slot_size;
    uint32_t          pid;         /* ours, stored in claimed slots */
    int               mapped;      /* agw_state_close() unmaps */
} agw_state_t;

/* A snapshot of the counters, for metrics, the API and tests. */
typedef struct {
    uint64_t  capacity;
    uint64_t  fill;               /* claimed, not yet committed */
    uint64_t  produced;
    uint64_t  dropped;
    uint64_t  skipped;
    uint64_t  late;
    uint64_t  consumed;
    uint64_t  head;
    uint64_t  tail;
    uint64_t  keys_generation;
    int64_t   consumer_heartbeat_ms;
    uint64_t  ring_id;
} agw_state_stats_t;


/* Layout arithmetic. */

/* Slot size for params: slot header, event, captures, cache-line rounded. */
uint32_t agw_state_slot_size(const agw_state_params_t *p);
/* Bytes a file needs for a given capacity (0 on overflow). */
size_t agw_state_size_for(const agw_state_params_t *p, uint32_t capacity);
/* The largest power-of-two capacity that fits in size (0: none fits). */
uint32_t agw_state_capacity_for(const agw_state_params_t *p, size_t size);


/*
 * Formats size bytes at base (a zeroed or garbage area, page aligned).
 * p->capacity 0 takes as many slots as fit.  Returns 0, or -1 with a
 * message in err (too small, capacity not a power of two, ...).
 */
int agw_state_init(void *base, size_t size, const agw_state_params_t *p,
    char *err, size_t errlen);

/*
 * Validates an existing area: magic, layout version, sizes and offsets,
 * and, when p is not NULL, that it was formatted with the same params (a
 * reload reuses the file only if nothing changed).  Returns 0, or -1 with
 * a message in err that says what differs and what to do.
 */
int agw_state_check(const void *base, size_t size,
    const agw_state_params_t *p, char *err, size_t errlen);

/* Fills st for a checked area (no I/O).  Records getpid(). */
void agw_state_attach(agw_state_t *st, void *base, size_t size);

/* After fork(): records the child's pid for the slots it claims. */
void agw_state_after_fork(agw_state_t *st);

/*
 * Enters every page of the mapping into this process's page tables now,
 * writable (madvise MADV_POPULATE_WRITE), so that writing events takes no
 * page fault later: a forked worker inherits the mapping of a shared file
 * but not its page tables, and would otherwise fault once per page (and,
 * for a file on disk, through the file system's page_mkwrite) the first
 * time it writes there, in its log phase.  Changes no byte.  Returns 0;
 * 1 when the kernel cannot (before Linux 5.14: nothing done, pages fault
 * in on first use); -1 with errno otherwise.
 */
int agw_state_prefault(const agw_state_t *st);

/*
 * Maps path MAP_SHARED read-write.  With create, makes the file (mode
 * 0660) if it is missing and sizes an empty one to size.  size 0 maps the
 * whole existing file (the daemon's case).  *base and *mapped get the
 * mapping.  Returns AGW_STATE_NEW when the file was empty or has no valid
 * magic yet (format it), AGW_STATE_EXISTING otherwise (check it), or -1
 * with a message in err.  A size mismatch is not an error here:
 * agw_state_check() reports it.
 */
int agw_state_map_file(const char *path, size_t size, int create,
    void **base, size_t *mapped, char *err, size_t errlen);
void agw_state_unmap(void *base, size_t size);

/*
 * map_file + init (new) or check (existing) + attach, under an exclusive
 * flock(2) on the file so two creators never format it at once.  p NULL
 * accepts any params (the daemon).  0, or -1 with a message in err that
 * names the path.
 */
int agw_state_open(agw_state_t *st, const char *path, size_t size,
    const agw_state_params_t *p, int create, char *err, size_t errlen);
void agw_state_close(agw_state_t *st);

void agw_state_stats(const agw_state_t *st, agw_state_stats_t *out);

/* The daemon bumps it after publishing a new keys snapshot (release);
 * workers compare it to what they loaded (acquire). */
uint64_t agw_state_keys_generation(const agw_state_t *st);
uint64_t agw_state_keys_bump(agw_state_t *st);

/* The daemon's liveness, for health checks and metrics. */
void agw_state_consumer_heartbeat(agw_state_t *st, int64_t now_ms);


/* Producing (nginx workers; any number of processes and threads). */

/*
 * Copies ev into the next slot and publishes it; ev->seq is set there
 * (the caller's copy is not touched).  req/resp are the captured bodies,
 * truncated to the formatted capture sizes (NULL or 0: none); the slot's
 * req_body_len/resp_body_len/_truncated fields are set accordingly.
 * Never blocks, never allocates.  Returns AGW_RING_OK, AGW_RING_FULL or
 * AGW_RING_LATE.
 */
int agw_ring_produce(agw_state_t *st, const agw_event_t *ev,
    const void *req, size_t req_len, const void *resp, size_t resp_len);

/*
 * The two halves of agw_ring_produce() for callers that fill the event in
 * place: claim returns the slot's event (zeroed fields are NOT guaranteed:
 * write every field) and its position, or NULL when full (counted).
 * publish returns AGW_RING_OK or AGW_RING_LATE.  Nothing may run between
 * them that can fail or block for long.
 */
agw_event_t *agw_ring_claim(agw_state_t *st, uint64_t *pos);
int agw_ring_publish(agw_state_t *st, uint64_t pos);

/* Captured bodies of an event in a slot (capture sizes from the header). */
unsigned char *agw_event_req_body(const agw_state_t *st,
    const agw_event_t *ev);
unsigned char *agw_event_resp_body(const agw_state_t *st,
    const agw_event_t *ev);


/* Consuming (the daemon; one consumer per state file). */

typedef struct {
    agw_state_t  *st;
    uint64_t      pos;            /* next position to read; head..pos are
                                     read and not yet committed */
    uint64_t      stuck_pos;      /* position seen claimed-unpublished */
    int64_t       stuck_since_ms; /* monotonic ms when first seen so */
    uint32_t      stall_ms;       /* skip a dead producer's slot after */
    uint32_t      hard_stall_ms;  /* skip even a live producer's after */
} agw_ring_reader_t;

/* Starts at the committed head.  stall_ms 0: AGW_RING_STALL_MS. */
void agw_ring_reader_init(agw_ring_reader_t *rd, agw_state_t *st,
    uint32_t stall_ms);

/*
 * Reads up to max published events after the last read one, in position
 * order, into evs (pointers into the ring: valid and unchanged until
 * agw_ring_commit() or agw_ring_rewind()).  Slots whose producer died are
 * skipped (counted) after the stall timeout.  Returns how many were read;
 * 0 when none is ready yet.
 */
size_t agw_ring_consume(agw_ring_reader_t *rd, const agw_event_t **evs,
    size_t max);

/*
 * Frees every slot read so far and advances the shared head past them:
 * call it after the events are durably stored.  A crash before or during
 * it loses nothing: the next reader reads the uncommitted events again.
 */
void agw_ring_commit(agw_ring_reader_t *rd);

/* Forgets the reads since the last commit (the store failed): the next
 * agw_ring_consume() returns the same events again. */
void agw_ring_rewind(agw_ring_reader_t *rd);

/* Events published or claimed and not yet committed. */
uint64_t agw_ring_fill(const agw_state_t *st);


/* Provider health (workers write with atomics, anyone reads). */

/*
 * The entry of provider `name` (len bytes), or with add, a new entry for
 * it.  Returns the index, or -1 (not found; or table full, name empty or
 * too long).  The nginx master should add every configured provider at
 * config time, so that workers only ever find.
 */
int agw_health_find(agw_state_t *st, const char *name, size_t len, int add);

void agw_health_success(agw_state_t *st, int idx, int status,
    int64_t now_ms);

/*
 * Counts a failure; once `threshold` failures follow each other, the
 * provider is in cool-down for cooldown_ms from now (each further failure
 * while at or past the threshold extends it: one trial request after a
 * cool-down that fails again re-arms it at once).
 */
void agw_health_failure(agw_state_t *st, int idx, int status,
    int64_t now_ms, uint32_t threshold, int64_t cooldown_ms);

/* 1 if provider idx must not be tried at now_ms. */
int agw_health_in_cooldown(const agw_state_t *st, int idx, int64_t now_ms);

/* A consistent-enough copy of entry idx; 0, or -1 if the entry is free. */
int agw_health_get(const agw_state_t *st, int idx, agw_health_t *out);

#endif /* AGW_STATE_H */
