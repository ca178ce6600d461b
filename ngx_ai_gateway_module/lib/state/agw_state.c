/*
 * agw_state: the shared state file (layout in agw_state.h).
 *
 * The ring protocol.  Each slot's seq word says, for position p (the slot
 * is p & mask), where the slot is in its round:
 *
 *   p            free: the producer that claims position p may write it
 *   p | BUSY     claimed: the producer of p (pid in the slot) is writing
 *   p + 1        published: the consumer may read it
 *   p + cap      released by the consumer (stored, or skipped): free for
 *                position p + cap, the next round
 *
 * Producer: read tail; if the slot's seq is that position, win the
 * position with a CAS on tail, then mark the slot BUSY with a CAS from p
 * (fails only if the consumer gave up on us meanwhile), write, and publish
 * with a CAS from p|BUSY to p+1.  seq below the position means the slot
 * still holds an event of the previous round: the ring is full, the event
 * is dropped and counted; no producer ever waits for another.
 *
 * Consumer: reads positions in order from its cursor.  A published slot is
 * handed out in place; agw_ring_commit() later releases every slot read
 * (CAS p+1 -> p+cap) and stores head.  So an event stays in the ring until
 * the daemon has stored it, and a daemon killed at any point re-reads from
 * head: the database's unique (ring_id, seq) makes that harmless.  Slots
 * found already released when reading (a commit cut short by a crash, or a
 * skip) are stepped over.
 *
 * A producer that died.  If tail is past p but slot p stays unpublished,
 * a producer claimed it and has not finished.  The consumer notes when it
 * first saw that and skips the slot (CAS to p+cap, counted in skipped)
 * once it has waited stall_ms and either the slot was never marked BUSY
 * (the producer died between its two CASes, a window of a few
 * instructions) or the pid in the slot no longer exists; or, whatever the
 * pid says, once it has waited hard_stall_ms (a pid of another namespace,
 * or a stopped process).  The producer's own CAS then fails and it counts
 * itself late without touching the slot again if it had not started
 * writing.  The one residual risk, documented: a producer alive and stuck
 * more than hard_stall_ms in the middle of its memcpy may scribble over
 * the next round's event in that slot; the consumer checks the seq the
 * producer wrote into the event and skips a slot whose seq does not match.
 *
 * Atomic pairings (each release names its acquire):
 *   A  producer: CAS tail (relaxed): only orders producers among
 *      themselves; the slot's seq carries all data ordering.
 *   B  producer: load seq (acquire) pairs with the consumer's release CAS
 *      in commit/skip (D, E), so the consumer's reads of the old event
 *      happen before we overwrite it.
 *   C  producer: publish CAS p|BUSY -> p+1 (release) pairs with the
 *      consumer's load of seq (acquire) in consume, so the event's bytes
 *      are visible before the consumer reads them.
 *   D  consumer: release CAS p+1 -> p+cap in commit pairs with B.
 *   E  consumer: skip CAS to p+cap (acq_rel) pairs with B, and with the
 *      producer's BUSY CAS (acq_rel) so exactly one of them wins.
 *   F  head store (release) / load (acquire): orders stats readers and a
 *      restarted consumer after the releases of D.
 *   G  magic store (release) in init / load (acquire) in check: the whole
 *      format is visible before anyone trusts the file.
 *   H  health state READY store (release) / load (acquire): the name is
 *      written before anyone compares it.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE      /* clock_gettime, flock, getrandom in strict modes */
#endif

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agw_limits.h"
#include "agw_state.h"

#define AGW_SLOT_BUSY        ((uint64_t) 1 << 63)
#define AGW_CLAIM_SPINS      100000

#define agw_load(p, o)          __atomic_load_n(p, o)
#define agw_store(p, v, o)      __atomic_store_n(p, v, o)
#define agw_add(p, v)           __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define agw_cas(p, exp, v, s, f)                                             \
    __atomic_compare_exchange_n(p, exp, v, 0, s, f)

#define RLX  __ATOMIC_RELAXED
#define ACQ  __ATOMIC_ACQUIRE
#define REL  __ATOMIC_RELEASE
#define AR   __ATOMIC_ACQ_REL


static uint64_t
agw_state_magic_word(void)
{
    uint64_t  m;

    memcpy(&m, AGW_STATE_MAGIC, sizeof(m));
    return m;
}


static int64_t
agw_monotonic_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static int64_t
agw_realtime_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static size_t
agw_align_up(size_t n, size_t a)
{
    return (n + a - 1) & ~(a - 1);
}


static agw_slot_t *
agw_slot_at(const agw_state_t *st, uint64_t pos)
{
    return (agw_slot_t *) (st->slots + (pos & st->mask) * st->slot_size);
}


static agw_event_t *
agw_slot_event(agw_slot_t *s)
{
    return (agw_event_t *) ((unsigned char *) s + sizeof(agw_slot_t));
}


/* Layout arithmetic */

uint32_t
agw_state_slot_size(const agw_state_params_t *p)
{
    uint64_t  n;

    n = sizeof(agw_slot_t) + sizeof(agw_event_t)
        + (uint64_t) p->capture_req_size + p->capture_resp_size;
    n = agw_align_up(n, AGW_CACHELINE);

    return n > UINT32_MAX ? 0 : (uint32_t) n;
}


static uint32_t
agw_state_limit_entries(const agw_state_params_t *p)
{
    return p->limit_entries ? p->limit_entries : AGW_LIMITS_DEFAULT_ENTRIES;
}


static size_t
agw_state_limits_off(void)
{
    return agw_align_up(sizeof(agw_state_hdr_t)
                        + AGW_HEALTH_MAX * sizeof(agw_health_t),
                        AGW_CACHELINE);
}


static size_t
agw_state_ring_off(const agw_state_params_t *p)
{
    return agw_align_up(agw_state_limits_off()
                        + (size_t) agw_state_limit_entries(p)
                          * AGW_LIMITS_ENTRY_SIZE,
                        4096);
}


size_t
agw_state_size_for(const agw_state_params_t *p, uint32_t capacity)
{
    uint64_t  slot, n;

    slot = agw_state_slot_size(p);
    if (slot == 0) {
        return 0;
    }

    n = agw_state_ring_off(p) + slot * capacity;

    return n > SIZE_MAX ? 0 : (size_t) n;
}


uint32_t
agw_state_capacity_for(const agw_state_params_t *p, size_t size)
{
    uint64_t  slot, room, cap;

    slot = agw_state_slot_size(p);
    if (slot == 0 || size < agw_state_ring_off(p)) {
        return 0;
    }

    room = (size - agw_state_ring_off(p)) / slot;
    if (room < 2) {
        return 0;
    }

    for (cap = 2; cap * 2 <= room && cap * 2 <= ((uint64_t) 1 << 31); ) {
        cap *= 2;
    }

    return (uint32_t) cap;
}


/* Format and check */

int
agw_state_init(void *base, size_t size, const agw_state_params_t *p,
    char *err, size_t errlen)
{
    uint32_t          cap, slot_size, i;
    uint64_t          id;
    agw_slot_t       *s;
    agw_state_hdr_t  *hdr;
    unsigned char    *slots;

    if (p->limit_entries > AGW_LIMITS_MAX_ENTRIES) {
        snprintf(err, errlen, "%u limits entries, at most %u",
                 p->limit_entries, AGW_LIMITS_MAX_ENTRIES);
        return -1;
    }

    slot_size = agw_state_slot_size(p);
    if (slot_size == 0) {
        snprintf(err, errlen, "capture sizes %u + %u are too large",
                 p->capture_req_size, p->capture_resp_size);
        return -1;
    }

    cap = p->capacity;
    if (cap == 0) {
        cap = agw_state_capacity_for(p, size);
        if (cap == 0) {
            snprintf(err, errlen, "%zu bytes hold fewer than 2 events of "
                     "%u bytes: make the state file larger", size,
                     slot_size);
            return -1;
        }

    } else if (cap < 2 || (cap & (cap - 1)) != 0) {
        snprintf(err, errlen, "capacity %u is not a power of two >= 2", cap);
        return -1;

    } else if (agw_state_size_for(p, cap) == 0
               || agw_state_size_for(p, cap) > size)
    {
        snprintf(err, errlen, "capacity %u needs %zu bytes, the file has %zu",
                 cap, agw_state_size_for(p, cap), size);
        return -1;
    }

    hdr = base;

    /* Unpublish first: a concurrent checker must not trust a half-made
     * file (pairs with the acquire in agw_state_check, G). */
    agw_store(&hdr->magic, 0, REL);

    memset(base, 0, agw_state_ring_off(p));

    if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id)) {
        /* No entropy yet (early boot): time and pid still differ from
         * any earlier file's. */
        id = (uint64_t) agw_realtime_ms() * 2654435761u ^ (uint64_t) getpid();
    }

    hdr->version = AGW_STATE_VERSION;
    hdr->header_size = sizeof(agw_state_hdr_t);
    hdr->total_size = size;
    hdr->ring_id = id & ~AGW_SLOT_BUSY;   /* fits SQLite's signed int64 */
    hdr->created_ms = agw_realtime_ms();
    hdr->health_off = sizeof(agw_state_hdr_t);
    hdr->ring_off = agw_state_ring_off(p);
    hdr->health_entries = AGW_HEALTH_MAX;
    hdr->health_entry_size = sizeof(agw_health_t);
    hdr->slot_size = slot_size;
    hdr->capacity = cap;
    hdr->event_size = sizeof(agw_event_t);
    hdr->capture_req_size = p->capture_req_size;
    hdr->capture_resp_size = p->capture_resp_size;
    hdr->limits_off = agw_state_limits_off();
    hdr->limits_entries = agw_state_limit_entries(p);
    hdr->limits_entry_size = AGW_LIMITS_ENTRY_SIZE;
    hdr->limits_seeded = 0;

    slots = (unsigned char *) base + hdr->ring_off;

    for (i = 0; i < cap; i++) {
        s = (agw_slot_t *) (slots + (size_t) i * slot_size);
        s->pid = 0;
        agw_store(&s->seq, i, RLX);
    }

    agw_store(&hdr->magic, agw_state_magic_word(), REL);

    return 0;
}


int
agw_state_check(const void *base, size_t size, const agw_state_params_t *p,
    char *err, size_t errlen)
{
    uint64_t                slots_end;
    const agw_state_hdr_t  *hdr = base;

    if (size < agw_state_limits_off()) {
        snprintf(err, errlen, "is %zu bytes, too small to be a state file",
                 size);
        return -1;
    }

    if (agw_load(&hdr->magic, ACQ) != agw_state_magic_word()) {
        snprintf(err, errlen, "is not an ai-gateway state file (or was "
                 "never completely formatted): remove it");
        return -1;
    }

    if (hdr->version != AGW_STATE_VERSION) {
        snprintf(err, errlen, "has layout version %u, this build uses %u: "
                 "stop nginx and the daemon, let the daemon drain it first "
                 "if its events matter, then remove it or use another path",
                 hdr->version, AGW_STATE_VERSION);
        return -1;
    }

    if (hdr->header_size != sizeof(agw_state_hdr_t)
        || hdr->event_size != sizeof(agw_event_t)
        || hdr->health_entry_size != sizeof(agw_health_t)
        || hdr->limits_entry_size != AGW_LIMITS_ENTRY_SIZE)
    {
        snprintf(err, errlen, "has layout version %u but other struct sizes "
                 "(header %u, event %u, health %u, limits %u; expected %zu, "
                 "%zu, %zu, %u): a build mismatch, remove it", hdr->version,
                 hdr->header_size, hdr->event_size, hdr->health_entry_size,
                 hdr->limits_entry_size, sizeof(agw_state_hdr_t),
                 sizeof(agw_event_t), sizeof(agw_health_t),
                 AGW_LIMITS_ENTRY_SIZE);
        return -1;
    }

    if (hdr->total_size != size) {
        snprintf(err, errlen, "was formatted for %llu bytes, now %zu: a "
                 "state file cannot be resized in place; remove it (after "
                 "the daemon drained it) or keep the old size",
                 (unsigned long long) hdr->total_size, size);
        return -1;
    }

    slots_end = hdr->ring_off + (uint64_t) hdr->capacity * hdr->slot_size;

    if (hdr->capacity < 2 || (hdr->capacity & (hdr->capacity - 1)) != 0
        || hdr->health_off < sizeof(agw_state_hdr_t)
        || hdr->health_off + (uint64_t) hdr->health_entries
                             * sizeof(agw_health_t) > hdr->limits_off
        || hdr->limits_off % AGW_CACHELINE != 0
        || hdr->limits_entries == 0
        || hdr->limits_entries > AGW_LIMITS_MAX_ENTRIES
        || hdr->limits_off + (uint64_t) hdr->limits_entries
                             * AGW_LIMITS_ENTRY_SIZE > hdr->ring_off
        || hdr->ring_off % AGW_CACHELINE != 0
        || hdr->slot_size % AGW_CACHELINE != 0
        || hdr->slot_size < sizeof(agw_slot_t) + sizeof(agw_event_t)
                            + (uint64_t) hdr->capture_req_size
                            + hdr->capture_resp_size
        || slots_end > size)
    {
        snprintf(err, errlen, "has an inconsistent layout (capacity %u, "
                 "slot size %u, ring at %llu): corrupted, remove it",
                 hdr->capacity, hdr->slot_size,
                 (unsigned long long) hdr->ring_off);
        return -1;
    }

    if (p == NULL) {
        return 0;
    }

    if (p->capture_req_size != hdr->capture_req_size
        || p->capture_resp_size != hdr->capture_resp_size)
    {
        snprintf(err, errlen, "was formatted to capture %u/%u body bytes, "
                 "now %u/%u are configured: remove it or keep the old sizes",
                 hdr->capture_req_size, hdr->capture_resp_size,
                 p->capture_req_size, p->capture_resp_size);
        return -1;
    }

    if (agw_state_limit_entries(p) != hdr->limits_entries) {
        snprintf(err, errlen, "holds %u limits entries, %u are configured: "
                 "remove it or keep the old number", hdr->limits_entries,
                 agw_state_limit_entries(p));
        return -1;
    }

    if (p->capacity != 0 && p->capacity != hdr->capacity) {
        snprintf(err, errlen, "holds %u events, %u are configured: remove "
                 "it or keep the old capacity", hdr->capacity, p->capacity);
        return -1;
    }

    return 0;
}


void
agw_state_attach(agw_state_t *st, void *base, size_t size)
{
    agw_state_hdr_t  *hdr = base;

    st->base = base;
    st->size = size;
    st->hdr = hdr;
    st->health = (agw_health_t *) (st->base + hdr->health_off);
    st->limits = st->base + hdr->limits_off;
    st->slots = st->base + hdr->ring_off;
    st->mask = (uint64_t) hdr->capacity - 1;
    st->slot_size = hdr->slot_size;
    st->pid = (uint32_t) getpid();
    st->mapped = 0;
}


void
agw_state_after_fork(agw_state_t *st)
{
    st->pid = (uint32_t) getpid();
}


int
agw_state_prefault(const agw_state_t *st)
{
#ifdef MADV_POPULATE_WRITE
    long        page;
    uintptr_t   start, end;

    /* whole pages: an area inside an nginx shared zone need not start
     * on one */
    page = sysconf(_SC_PAGESIZE);
    if (page <= 0) {
        page = 4096;
    }

    start = (uintptr_t) st->base & ~((uintptr_t) page - 1);
    end = (uintptr_t) st->base + st->size;

    if (madvise((void *) start, end - start, MADV_POPULATE_WRITE) == 0) {
        return 0;
    }

    /* EINVAL: a kernel without it (headers newer than the kernel) */
    return errno == EINVAL ? 1 : -1;
#else
    return 1;
#endif
}


/* Files */

static int
agw_state_map_fd(int fd, const char *path, size_t size, int create,
    void **base, size_t *mapped, char *err, size_t errlen)
{
    int          rc;
    void        *p;
    size_t       len;
    struct stat  sb;

    if (fstat(fd, &sb) == -1) {
        snprintf(err, errlen, "fstat(\"%s\"): %s", path, strerror(errno));
        return -1;
    }

    rc = AGW_STATE_EXISTING;

    if (sb.st_size == 0) {
        if (!create || size == 0) {
            snprintf(err, errlen, "state file \"%s\" is empty: nginx creates "
                     "it at start (directive ai_gateway_state)", path);
            return -1;
        }

        /* Reserve the blocks now: on a full disk or tmpfs a sparse file
         * would SIGBUS a worker later instead of failing here. */
        rc = posix_fallocate(fd, 0, (off_t) size);
        if (rc != 0) {
            snprintf(err, errlen, "cannot reserve %zu bytes for \"%s\": %s "
                     "(the whole file is allocated at start, so that a "
                     "full disk fails here and not later in a worker)",
                     size, path, strerror(rc));
            if (ftruncate(fd, 0) == -1) {
                /* nothing more to do: the error above says it all */
            }
            return -1;
        }

        sb.st_size = (off_t) size;
        rc = AGW_STATE_NEW;
    }

    len = (size_t) sb.st_size;

    p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        snprintf(err, errlen, "mmap(\"%s\", %zu): %s", path, len,
                 strerror(errno));
        return -1;
    }

    if (rc == AGW_STATE_EXISTING && len >= sizeof(agw_state_hdr_t)
        && agw_load(&((agw_state_hdr_t *) p)->magic, ACQ)
           != agw_state_magic_word()
        && create)
    {
        /* Created but never formatted (a crash during the format, or
         * another program's empty file): ours to format, at our size. */
        if (size != 0 && len != size) {
            munmap(p, len);
            if (ftruncate(fd, (off_t) size) == -1) {
                snprintf(err, errlen, "ftruncate(\"%s\"): %s", path,
                         strerror(errno));
                return -1;
            }
            return agw_state_map_fd(fd, path, size, create, base, mapped,
                                    err, errlen);
        }

        rc = AGW_STATE_NEW;
    }

    *base = p;
    *mapped = len;

    return rc;
}


int
agw_state_map_file(const char *path, size_t size, int create, void **base,
    size_t *mapped, char *err, size_t errlen)
{
    int  fd, rc;

    fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0660);
    if (fd == -1) {
        snprintf(err, errlen, "open(\"%s\"): %s", path, strerror(errno));
        return -1;
    }

    rc = agw_state_map_fd(fd, path, size, create, base, mapped, err, errlen);

    close(fd);

    return rc;
}


void
agw_state_unmap(void *base, size_t size)
{
    if (base != NULL) {
        munmap(base, size);
    }
}


int
agw_state_open(agw_state_t *st, const char *path, size_t size,
    const agw_state_params_t *p, int create, char *err, size_t errlen)
{
    int                 fd, rc;
    char                why[512];
    void               *base;
    size_t              mapped;
    agw_state_params_t  dflt;

    memset(st, 0, sizeof(*st));

    fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0660);
    if (fd == -1) {
        snprintf(err, errlen, "open(\"%s\"): %s", path, strerror(errno));
        return -1;
    }

    /* Two creators (nginx -t beside a running nginx, two instances on one
     * path) must not format the same file at once. */
    if (flock(fd, LOCK_EX) == -1) {
        snprintf(err, errlen, "flock(\"%s\"): %s", path, strerror(errno));
        close(fd);
        return -1;
    }

    rc = agw_state_map_fd(fd, path, size, create, &base, &mapped,
                          err, errlen);
    if (rc == -1) {
        goto failed;
    }

    if (rc == AGW_STATE_NEW) {
        /* nginx (the master, often root) and the daemon (its own user)
         * share the file through its group: 0660 whatever umask the
         * creator runs under (nginx.service leaves 022) */
        if (fchmod(fd, 0660) == -1) {
            snprintf(err, errlen, "chmod(\"%s\", 0660): %s", path,
                     strerror(errno));
            agw_state_unmap(base, mapped);
            goto failed;
        }

        if (p == NULL) {
            memset(&dflt, 0, sizeof(dflt));
            p = &dflt;
        }

        if (agw_state_init(base, mapped, p, why, sizeof(why)) != 0) {
            snprintf(err, errlen, "state file \"%s\": %s", path, why);
            agw_state_unmap(base, mapped);
            goto failed;
        }

    } else if (agw_state_check(base, mapped, p, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "state file \"%s\" %s", path, why);
        agw_state_unmap(base, mapped);
        goto failed;

    } else if (size != 0 && size != mapped) {
        snprintf(err, errlen, "state file \"%s\" was formatted for %zu "
                 "bytes, %zu are configured: a state file cannot be resized "
                 "in place; remove it (after the daemon drained it) or keep "
                 "the old size", path, mapped, size);
        agw_state_unmap(base, mapped);
        goto failed;
    }

    /* Explicitly: the mapping keeps the open file description, and with
     * it a flock, alive after close(). */
    (void) flock(fd, LOCK_UN);
    close(fd);

    agw_state_attach(st, base, mapped);
    st->mapped = 1;

    return 0;

failed:

    (void) flock(fd, LOCK_UN);
    close(fd);
    return -1;
}


void
agw_state_close(agw_state_t *st)
{
    if (st->mapped) {
        agw_state_unmap(st->base, st->size);
    }

    memset(st, 0, sizeof(*st));
}


void
agw_state_stats(const agw_state_t *st, agw_state_stats_t *out)
{
    agw_state_hdr_t  *hdr = st->hdr;

    out->capacity = hdr->capacity;
    out->head = agw_load(&hdr->head, ACQ);
    out->tail = agw_load(&hdr->tail, RLX);
    out->fill = agw_ring_fill(st);
    out->produced = agw_load(&hdr->produced, RLX);
    out->dropped = agw_load(&hdr->dropped, RLX);
    out->skipped = agw_load(&hdr->skipped, RLX);
    out->late = agw_load(&hdr->late, RLX);
    out->consumed = agw_load(&hdr->consumed, RLX);
    out->keys_generation = agw_load(&hdr->keys_generation, ACQ);
    out->consumer_heartbeat_ms = agw_load(&hdr->consumer_heartbeat_ms, RLX);
    out->ring_id = hdr->ring_id;
}


uint64_t
agw_state_keys_generation(const agw_state_t *st)
{
    /* Pairs with the release in agw_state_keys_bump(): the snapshot file
     * the daemon renamed into place before bumping is the one we read. */
    return agw_load(&st->hdr->keys_generation, ACQ);
}


uint64_t
agw_state_keys_bump(agw_state_t *st)
{
    return __atomic_add_fetch(&st->hdr->keys_generation, 1, REL);
}


void
agw_state_consumer_heartbeat(agw_state_t *st, int64_t now_ms)
{
    agw_store(&st->hdr->consumer_heartbeat_ms, now_ms, RLX);
    agw_store(&st->hdr->consumer_pid, (uint64_t) getpid(), RLX);
}


/* Producing */

agw_event_t *
agw_ring_claim(agw_state_t *st, uint64_t *pos_out)
{
    uint64_t          pos, seq, base;
    agw_slot_t       *s;
    agw_state_hdr_t  *hdr = st->hdr;

    pos = agw_load(&hdr->tail, RLX);

    for ( ;; ) {
        s = agw_slot_at(st, pos);
        seq = agw_load(&s->seq, ACQ);                        /* B */

        if (seq == pos) {
            if (agw_cas(&hdr->tail, &pos, pos + 1, RLX, RLX)) {  /* A */
                break;
            }
            continue;   /* pos now holds the current tail */
        }

        base = seq & ~AGW_SLOT_BUSY;

        if ((int64_t) (base - pos) < 0) {
            /* The slot still holds the previous round: full. */
            agw_add(&hdr->dropped, 1);
            return NULL;
        }

        /* Another producer took pos: look at the new tail. */
        pos = agw_load(&hdr->tail, RLX);
    }

    /* The pid first, so that a consumer which sees BUSY sees our pid. */
    agw_store(&s->pid, st->pid, RLX);

    seq = pos;
    if (!agw_cas(&s->seq, &seq, pos | AGW_SLOT_BUSY, AR, ACQ)) {    /* E */
        /* The consumer skipped us between the two CASes. */
        agw_add(&hdr->late, 1);
        return NULL;
    }

    *pos_out = pos;

    return agw_slot_event(s);
}


int
agw_ring_publish(agw_state_t *st, uint64_t pos)
{
    uint64_t     seq;
    agw_slot_t  *s;

    s = agw_slot_at(st, pos);

    /* Last, so that a consumer sees a matching seq only in a complete
     * event (see the torn-slot check in consume). */
    agw_slot_event(s)->seq = pos;

    seq = pos | AGW_SLOT_BUSY;
    if (!agw_cas(&s->seq, &seq, pos + 1, REL, RLX)) {                /* C */
        agw_add(&st->hdr->late, 1);
        return AGW_RING_LATE;
    }

    agw_add(&st->hdr->produced, 1);

    return AGW_RING_OK;
}


unsigned char *
agw_event_req_body(const agw_state_t *st, const agw_event_t *ev)
{
    return (unsigned char *) ev + sizeof(agw_event_t);
}


unsigned char *
agw_event_resp_body(const agw_state_t *st, const agw_event_t *ev)
{
    return (unsigned char *) ev + sizeof(agw_event_t)
           + st->hdr->capture_req_size;
}


int
agw_ring_produce(agw_state_t *st, const agw_event_t *ev, const void *req,
    size_t req_len, const void *resp, size_t resp_len)
{
    size_t            creq, cresp;
    uint64_t          pos;
    agw_event_t      *dst;
    agw_state_hdr_t  *hdr = st->hdr;

    dst = agw_ring_claim(st, &pos);
    if (dst == NULL) {
        return AGW_RING_FULL;
    }

    memcpy(dst, ev, sizeof(agw_event_t));

    creq = req == NULL ? 0 : req_len;
    cresp = resp == NULL ? 0 : resp_len;

    dst->req_body_truncated = creq > hdr->capture_req_size;
    dst->resp_body_truncated = cresp > hdr->capture_resp_size;

    if (creq > hdr->capture_req_size) {
        creq = hdr->capture_req_size;
    }

    if (cresp > hdr->capture_resp_size) {
        cresp = hdr->capture_resp_size;
    }

    dst->req_body_len = (uint32_t) creq;
    dst->resp_body_len = (uint32_t) cresp;

    if (creq) {
        memcpy(agw_event_req_body(st, dst), req, creq);
    }

    if (cresp) {
        memcpy(agw_event_resp_body(st, dst), resp, cresp);
    }

    return agw_ring_publish(st, pos);
}


/* Consuming */

void
agw_ring_reader_init(agw_ring_reader_t *rd, agw_state_t *st,
    uint32_t stall_ms)
{
    rd->st = st;
    rd->pos = agw_load(&st->hdr->head, ACQ);                          /* F */
    rd->stuck_pos = UINT64_MAX;
    rd->stuck_since_ms = 0;
    rd->stall_ms = stall_ms ? stall_ms : AGW_RING_STALL_MS;
    rd->hard_stall_ms = rd->stall_ms * 30 > AGW_RING_HARD_STALL_MS
                        ? rd->stall_ms * 30 : AGW_RING_HARD_STALL_MS;
}


/* Whether a claimed, unpublished slot may be given up, and when. */
static int
agw_ring_may_skip(agw_ring_reader_t *rd, agw_slot_t *s, uint64_t pos,
    uint64_t seq)
{
    int64_t   now, waited;
    uint32_t  pid;

    now = agw_monotonic_ms();

    if (rd->stuck_pos != pos) {
        rd->stuck_pos = pos;
        rd->stuck_since_ms = now;
        return 0;
    }

    waited = now - rd->stuck_since_ms;

    if (waited >= rd->hard_stall_ms) {
        return 1;
    }

    if (waited < rd->stall_ms) {
        return 0;
    }

    if (!(seq & AGW_SLOT_BUSY)) {
        /* Claimed on tail, never marked: died between two CASes. */
        return 1;
    }

    pid = agw_load(&s->pid, RLX);

    /* ESRCH only: EPERM means alive under another user.  A dead worker
     * stays a zombie until the nginx master reaps it (at once). */
    return pid == 0 || (kill((pid_t) pid, 0) == -1 && errno == ESRCH);
}


size_t
agw_ring_consume(agw_ring_reader_t *rd, const agw_event_t **evs, size_t max)
{
    size_t            n;
    uint64_t          pos, seq, cap, tail;
    agw_slot_t       *s;
    agw_event_t      *ev;
    agw_state_t      *st = rd->st;
    agw_state_hdr_t  *hdr = st->hdr;

    cap = hdr->capacity;
    n = 0;

    while (n < max) {
        pos = rd->pos;
        s = agw_slot_at(st, pos);
        seq = agw_load(&s->seq, ACQ);                                 /* C */

        if (seq == pos + 1) {
            ev = agw_slot_event(s);

            if (ev->seq != pos) {
                /* Torn by a producer skipped while alive (see top). */
                if (agw_cas(&s->seq, &seq, pos + cap, AR, RLX)) {
                    agw_add(&hdr->skipped, 1);
                }
                rd->pos++;
                continue;
            }

            evs[n++] = ev;
            rd->pos++;
            continue;
        }

        if ((seq & ~AGW_SLOT_BUSY) >= pos + cap) {
            /* Released already: by a skip, or by a commit that a crash
             * cut short before it stored head. */
            rd->pos++;
            continue;
        }

        /* seq is pos or pos|BUSY: empty, or claimed and not published. */
        tail = agw_load(&hdr->tail, RLX);
        if (tail <= pos) {
            break;
        }

        if (!agw_ring_may_skip(rd, s, pos, seq)) {
            break;
        }

        if (agw_cas(&s->seq, &seq, pos + cap, AR, RLX)) {            /* E */
            agw_add(&hdr->skipped, 1);
            rd->pos++;
        }
        /* else the producer moved on meanwhile: look again */
    }

    return n;
}


void
agw_ring_commit(agw_ring_reader_t *rd)
{
    uint64_t          pos, head, seq, cap, n;
    agw_slot_t       *s;
    agw_state_hdr_t  *hdr = rd->st->hdr;

    cap = hdr->capacity;
    head = agw_load(&hdr->head, RLX);
    n = 0;

    for (pos = head; pos < rd->pos; pos++) {
        s = agw_slot_at(rd->st, pos);
        seq = pos + 1;
        if (agw_cas(&s->seq, &seq, pos + cap, REL, RLX)) {           /* D */
            n++;
        }
    }

    if (n) {
        agw_add(&hdr->consumed, n);
    }

    agw_store(&hdr->head, rd->pos, REL);                              /* F */
}


void
agw_ring_rewind(agw_ring_reader_t *rd)
{
    rd->pos = agw_load(&rd->st->hdr->head, ACQ);
}


uint64_t
agw_ring_fill(const agw_state_t *st)
{
    uint64_t  head, tail;

    head = agw_load(&st->hdr->head, ACQ);
    tail = agw_load(&st->hdr->tail, RLX);

    if (tail <= head) {
        return 0;
    }

    return tail - head > st->hdr->capacity ? st->hdr->capacity : tail - head;
}


/* Provider health */

static uint32_t
agw_health_hash(const char *name, size_t len)
{
    size_t    i;
    uint32_t  h = 2166136261u;          /* FNV-1a */

    for (i = 0; i < len; i++) {
        h = (h ^ (unsigned char) name[i]) * 16777619u;
    }

    return h;
}


static int
agw_health_name_is(const agw_health_t *e, const char *name, size_t len)
{
    return memcmp(e->name, name, len) == 0 && e->name[len] == '\0';
}


int
agw_health_find(agw_state_t *st, const char *name, size_t len, int add)
{
    int            spins;
    uint32_t       n, h, i, state, expect;
    agw_health_t  *e;

    if (len == 0 || len >= AGW_HEALTH_NAME_SIZE) {
        return -1;
    }

    n = st->hdr->health_entries;
    h = agw_health_hash(name, len) % n;

    for (i = 0; i < n; i++) {
        e = &st->health[(h + i) % n];

        for (spins = 0; spins < AGW_CLAIM_SPINS; spins++) {
            state = agw_load(&e->state, ACQ);                         /* H */

            if (state == AGW_HEALTH_CLAIMING) {
                /* Someone is writing a name here, maybe ours: the
                 * write is a few bytes, wait for it a moment only. */
                continue;
            }

            if (state == AGW_HEALTH_READY) {
                if (agw_health_name_is(e, name, len)) {
                    return (int) (e - st->health);
                }
                break;
            }

            /* FREE: names are never removed, so ours is not further. */
            if (!add) {
                return -1;
            }

            expect = AGW_HEALTH_FREE;
            if (agw_cas(&e->state, &expect, AGW_HEALTH_CLAIMING, AR, ACQ)) {
                memset(e->name, 0, sizeof(e->name));
                memcpy(e->name, name, len);
                agw_store(&e->state, AGW_HEALTH_READY, REL);          /* H */
                return (int) (e - st->health);
            }
            /* lost the race for this entry: look at it again */
        }
    }

    return -1;
}


static agw_health_t *
agw_health_at(const agw_state_t *st, int idx)
{
    if (idx < 0 || (uint32_t) idx >= st->hdr->health_entries) {
        return NULL;
    }

    return &st->health[idx];
}


void
agw_health_success(agw_state_t *st, int idx, int status, int64_t now_ms)
{
    agw_health_t  *e = agw_health_at(st, idx);

    if (e == NULL) {
        return;
    }

    agw_add(&e->requests, 1);
    agw_store(&e->last_status, (uint32_t) status, RLX);
    agw_store(&e->consecutive_failures, 0, RLX);
    agw_store(&e->last_success_ms, now_ms, RLX);
}


void
agw_health_failure(agw_state_t *st, int idx, int status, int64_t now_ms,
    uint32_t threshold, int64_t cooldown_ms)
{
    uint32_t       cf;
    agw_health_t  *e = agw_health_at(st, idx);

    if (e == NULL) {
        return;
    }

    agw_add(&e->requests, 1);
    agw_add(&e->failures, 1);
    agw_store(&e->last_status, (uint32_t) status, RLX);
    agw_store(&e->last_failure_ms, now_ms, RLX);

    cf = __atomic_add_fetch(&e->consecutive_failures, 1, RLX);

    if (threshold != 0 && cf >= threshold) {
        agw_store(&e->cooldown_until_ms, now_ms + cooldown_ms, RLX);
    }
}


int
agw_health_in_cooldown(const agw_state_t *st, int idx, int64_t now_ms)
{
    agw_health_t  *e = agw_health_at(st, idx);

    if (e == NULL) {
        return 0;
    }

    return now_ms < agw_load(&e->cooldown_until_ms, RLX);
}


int
agw_health_get(const agw_state_t *st, int idx, agw_health_t *out)
{
    agw_health_t  *e = agw_health_at(st, idx);

    if (e == NULL || agw_load(&e->state, ACQ) != AGW_HEALTH_READY) {
        return -1;
    }

    memset(out, 0, sizeof(*out));
    out->state = AGW_HEALTH_READY;
    out->consecutive_failures = agw_load(&e->consecutive_failures, RLX);
    out->last_status = agw_load(&e->last_status, RLX);
    out->cooldown_until_ms = agw_load(&e->cooldown_until_ms, RLX);
    out->requests = agw_load(&e->requests, RLX);
    out->failures = agw_load(&e->failures, RLX);
    out->last_failure_ms = agw_load(&e->last_failure_ms, RLX);
    out->last_success_ms = agw_load(&e->last_success_ms, RLX);
    memcpy(out->name, e->name, sizeof(out->name));
    out->name[sizeof(out->name) - 1] = '\0';

    return 0;
}
