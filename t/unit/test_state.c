/*
 * test_state: the shared state file: layout, the ring (single and many
 * producers across processes and threads on a real MAP_SHARED file, full
 * ring, dead producers, consumer crash recovery) and the provider health
 * table.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "agw_state.h"
#include "agw_error.h"

#define BUSY  ((uint64_t) 1 << 63)


static void
msleep(int ms)
{
    struct timespec  ts = { ms / 1000, (long) (ms % 1000) * 1000000 };

    nanosleep(&ts, NULL);
}


static char *
tmp_path(const char *tag)
{
    int          fd;
    static char  path[128];

    snprintf(path, sizeof(path), "/tmp/agw-test-%s-XXXXXX", tag);
    fd = mkstemp(path);
    if (fd == -1) {
        perror("mkstemp");
        exit(2);
    }
    close(fd);

    return path;
}


/* An anonymous shared area formatted with capacity cap. */
static void *
area_new(size_t *size, const agw_state_params_t *p)
{
    void  *base;

    *size = agw_state_size_for(p, p->capacity);
    base = mmap(NULL, *size, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }

    return base;
}


static void
event_fill(agw_event_t *ev, int producer, int n)
{
    char  buf[64];

    agw_event_init(ev);
    ev->time_ms = 1700000000000LL + n;
    ev->status = 200;
    ev->prompt_tokens = n;
    ev->completion_tokens = producer;
    snprintf(buf, sizeof(buf), "p%d-%d", producer, n);
    agw_event_set(ev, request_id, buf, strlen(buf));
    agw_event_set(ev, model, "gpt-4o", 6);
    ev->seq = 999999;   /* the ring must overwrite it */
}


static void
test_layout(void)
{
    char                err[512], want[64];
    void               *base;
    size_t              size;
    agw_state_t         st;
    agw_state_params_t  p = { 8, 0, 0, 0 }, q;

    is_int(agw_state_slot_size(&p) % AGW_CACHELINE, 0,
           "slot size is cache-line rounded");
    ok(agw_state_slot_size(&p) >= sizeof(agw_slot_t) + sizeof(agw_event_t),
       "slot holds slot header and event");
    p.capture_req_size = 100;
    p.capture_resp_size = 200;
    ok(agw_state_slot_size(&p) >= 16 + sizeof(agw_event_t) + 300,
       "slot holds the captures");
    p.capture_req_size = p.capture_resp_size = 0;

    is_int(agw_state_capacity_for(&p, agw_state_size_for(&p, 1024)), 1024,
           "capacity_for inverts size_for");
    is_int(agw_state_capacity_for(&p, agw_state_size_for(&p, 1024) + 500),
           1024, "capacity rounds down to a power of two");
    is_int(agw_state_capacity_for(&p, 4096), 0, "too small: no capacity");

    base = area_new(&size, &p);

    q = p;
    q.capacity = 6;
    ok(agw_state_init(base, size, &q, err, sizeof(err)) == -1
       && strstr(err, "power of two") != NULL, "capacity 6 refused: %s",
       err);
    q.capacity = 16;
    ok(agw_state_init(base, size, &q, err, sizeof(err)) == -1,
       "capacity larger than the area refused: %s", err);

    ok(agw_state_check(base, size, NULL, err, sizeof(err)) == -1
       && strstr(err, "not an ai-gateway state file") != NULL,
       "unformatted area refused: %s", err);

    is_int(agw_state_init(base, size, &p, err, sizeof(err)), 0, "init");
    is_int(agw_state_check(base, size, NULL, err, sizeof(err)), 0,
           "check any params");
    is_int(agw_state_check(base, size, &p, err, sizeof(err)), 0,
           "check same params");

    q = p;
    q.capture_req_size = 64;
    ok(agw_state_check(base, size, &q, err, sizeof(err)) == -1
       && strstr(err, "capture") != NULL, "other capture sizes: %s", err);
    q = p;
    q.capacity = 4;
    ok(agw_state_check(base, size, &q, err, sizeof(err)) == -1
       && strstr(err, "holds 8 events, 4 are configured") != NULL,
       "other capacity: %s", err);
    ok(agw_state_check(base, size - 4096, &p, err, sizeof(err)) == -1
       && strstr(err, "formatted for") != NULL, "other size: %s", err);

    ((agw_state_hdr_t *) base)->version = AGW_STATE_VERSION + 1;
    snprintf(want, sizeof(want), "layout version %d, this build uses %d",
             AGW_STATE_VERSION + 1, AGW_STATE_VERSION);
    ok(agw_state_check(base, size, NULL, err, sizeof(err)) == -1
       && strstr(err, want) != NULL,
       "other version: %s", err);
    ((agw_state_hdr_t *) base)->version = AGW_STATE_VERSION;

    agw_state_attach(&st, base, size);
    is_int(st.mask, 7, "mask");
    is_int((unsigned char *) st.slots - (unsigned char *) base,
           ((agw_state_hdr_t *) base)->ring_off, "slots at ring_off");
    ok(((agw_state_hdr_t *) base)->ring_id != 0, "ring id set");
    is_int(agw_ring_fill(&st), 0, "new ring is empty");

    munmap(base, size);
}


static void
test_produce_consume(void)
{
    int                 i, rc, good;
    void               *base;
    size_t              size, n;
    uint64_t            pos;
    agw_event_t         ev, *slot_ev;
    agw_state_t         st;
    agw_state_stats_t   s;
    agw_ring_reader_t   rd, rd2;
    agw_state_params_t  p = { 8, 0, 0, 0 };
    const agw_event_t  *evs[16];

    base = area_new(&size, &p);
    agw_state_init(base, size, &p, NULL, 0);
    agw_state_attach(&st, base, size);
    agw_ring_reader_init(&rd, &st, 50);

    is_int(agw_ring_consume(&rd, evs, 16), 0, "empty ring: nothing");

    for (i = 0; i < 5; i++) {
        event_fill(&ev, 1, i);
        rc = agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);
        if (rc != AGW_RING_OK) {
            break;
        }
    }
    is_int(i, 5, "5 events produced");
    is_int(ev.seq, 999999, "produce does not touch the caller's event");
    is_int(agw_ring_fill(&st), 5, "fill 5");

    n = agw_ring_consume(&rd, evs, 3);
    is_int(n, 3, "batch of 3");
    n += agw_ring_consume(&rd, evs + 3, 16);
    is_int(n, 5, "then the other 2");

    good = 1;
    for (i = 0; i < 5; i++) {
        good &= evs[i]->seq == (uint64_t) i && evs[i]->prompt_tokens == i
                && evs[i]->status == 200 && evs[i]->cost_micro_usd == -1
                && strcmp(evs[i]->model, "gpt-4o") == 0;
    }
    ok(good, "events read in order with seq 0..4 and their fields");
    is_str(evs[4]->request_id, "p1-4", "request id intact");

    is_int(agw_ring_consume(&rd, evs, 16), 0, "nothing more");

    /* Not committed: a restarted reader sees them again. */
    agw_ring_reader_init(&rd2, &st, 50);
    is_int(agw_ring_consume(&rd2, evs, 16), 5,
           "uncommitted events are read again by a new reader");

    agw_ring_rewind(&rd);
    is_int(agw_ring_consume(&rd, evs, 16), 5, "rewind reads them again");

    agw_ring_commit(&rd);
    agw_state_stats(&st, &s);
    is_int(s.consumed, 5, "consumed 5");
    is_int(s.produced, 5, "produced 5");
    is_int(s.head, 5, "head 5");
    is_int(agw_ring_fill(&st), 0, "fill 0 after commit");

    /* Full ring: 8 slots, 5 free again; produce 10. */
    for (i = 0, n = 0; i < 10; i++) {
        event_fill(&ev, 2, i);
        n += agw_ring_produce(&st, &ev, NULL, 0, NULL, 0) == AGW_RING_OK;
    }
    is_int(n, 8, "8 of 10 fit in a ring of 8");
    agw_state_stats(&st, &s);
    is_int(s.dropped, 2, "2 dropped and counted");
    is_int(agw_ring_fill(&st), 8, "fill 8");

    /* Claimed but a full ring refuses claims too. */
    ok(agw_ring_claim(&st, &pos) == NULL, "claim on a full ring fails");

    n = agw_ring_consume(&rd, evs, 16);
    is_int(n, 8, "8 read");
    ok(evs[0]->seq == 5 && evs[7]->seq == 12, "seq 5..12 after the drops");
    agw_ring_commit(&rd);

    /* Many rounds through a small ring, claim/publish in place. */
    good = 1;
    for (i = 0; i < 1000; i++) {
        slot_ev = agw_ring_claim(&st, &pos);
        if (slot_ev == NULL) {
            good = 0;
            break;
        }
        event_fill(slot_ev, 3, i);
        good &= agw_ring_publish(&st, pos) == AGW_RING_OK;
        if (i % 3 == 2) {
            n = agw_ring_consume(&rd, evs, 16);
            good &= n == 3 && evs[0]->prompt_tokens == i - 2
                    && evs[2]->seq == pos;
            agw_ring_commit(&rd);
        }
    }
    ok(good, "1000 events through 8 slots, claim/publish, in order");

    munmap(base, size);
}


static void
test_capture(void)
{
    void               *base;
    size_t              size;
    agw_event_t         ev;
    agw_state_t         st;
    agw_ring_reader_t   rd;
    agw_state_params_t  p = { 4, 16, 8, 0 };
    const agw_event_t  *evs[4];
    const char         *req = "{\"model\":\"gpt-4o\",\"messages\":[]}";

    base = area_new(&size, &p);
    agw_state_init(base, size, &p, NULL, 0);
    agw_state_attach(&st, base, size);
    agw_ring_reader_init(&rd, &st, 50);

    event_fill(&ev, 1, 1);
    agw_ring_produce(&st, &ev, req, strlen(req), "{}", 2);
    event_fill(&ev, 1, 2);
    agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);

    is_int(agw_ring_consume(&rd, evs, 4), 2, "2 events with captures");
    is_int(evs[0]->req_body_len, 16, "request body cut to 16");
    ok(evs[0]->req_body_truncated, "and marked truncated");
    ok(memcmp(agw_event_req_body(&st, evs[0]), req, 16) == 0,
       "request body bytes");
    is_int(evs[0]->resp_body_len, 2, "response body whole");
    ok(!evs[0]->resp_body_truncated, "not truncated");
    ok(memcmp(agw_event_resp_body(&st, evs[0]), "{}", 2) == 0,
       "response body bytes");
    ok(evs[1]->req_body_len == 0 && evs[1]->resp_body_len == 0,
       "no capture given: lengths 0");

    munmap(base, size);
}


static void
test_strings(void)
{
    char         dst[8];
    agw_event_t  ev;

    is_int(agw_event_set_str(dst, sizeof(dst), "abc", 3), 3, "short copy");
    is_str(dst, "abc", "short string");
    is_int(agw_event_set_str(dst, sizeof(dst), "abcdefghij", 10), 7,
           "long string cut to 7");
    /* "abcdé" + "fg": é is 2 bytes at 4..5; 7 bytes fit, but "héllo" in
     * 3 bytes must not keep half of the é. */
    is_int(agw_event_set_str(dst, 3, "h\xc3\xa9llo", 6), 1,
           "cut before a split UTF-8 character");
    is_str(dst, "h", "no half character");
    is_int(agw_event_set_str(dst, 4, "h\xc3\xa9llo", 6), 3,
           "whole character kept when it fits");
    agw_event_init(&ev);
    ok(ev.ttfb_ms == -1 && ev.cost_micro_usd == -1 && ev.reasoning_tokens == -1
       && ev.status == 0, "event_init marks unknowns -1");
    /* The names follow agw_error.h's enum: a change there shows. */
    is_str(agw_event_error_class_name(AGW_ERR_RATE_LIMIT), "rate_limit",
           "error class name");
    is_str(agw_event_error_class_name(AGW_ERR_BAD_GATEWAY), "bad_gateway",
           "error class name follows the enum");
    is_str(agw_event_error_class_name(AGW_ERR_TIMEOUT), "timeout",
           "timeout class");
    is_str(agw_event_error_class_name(AGW_ERR_CLIENT_CLOSED),
           "client_closed", "last error class");
    is_str(agw_event_error_class_name(AGW_ERR_CLIENT_CLOSED + 1), "unknown",
           "no name past the enum");

    /* what error rates count: a client that left is not an error */
    ev.status = 200;
    ev.error_class = AGW_ERR_NONE;
    ok(!agw_event_is_error(&ev), "a 200 is no error");
    ev.error_class = AGW_ERR_TIMEOUT;
    ok(agw_event_is_error(&ev), "a 200 stream that stalled is an error");
    ev.status = 502;
    ev.error_class = AGW_ERR_BAD_GATEWAY;
    ok(agw_event_is_error(&ev), "a 502 is an error");
    ev.status = 499;
    ev.error_class = AGW_ERR_CLIENT_CLOSED;
    ok(!agw_event_is_error(&ev), "a client that left is no error");
    ev.status = 499;
    ev.error_class = AGW_ERR_INVALID_REQUEST;
    ok(!agw_event_is_error(&ev), "nor a 499 stored before its class");
    is_str(agw_event_error_class_name(200), "unknown", "unknown class");
    is_str(agw_event_cache_status_name(AGW_CACHE_HIT), "hit", "cache name");
}


/* Many producers: 2 processes x 2 threads, plus the parent consuming. */

#define MP_PROCS    2
#define MP_THREADS  2
#define MP_EVENTS   20000

typedef struct {
    agw_state_t  *st;
    int           producer;
    int           ok;
} mp_arg_t;


static void *
mp_thread(void *data)
{
    int          i;
    mp_arg_t    *a = data;
    agw_event_t  ev;

    for (i = 0; i < MP_EVENTS; i++) {
        event_fill(&ev, a->producer, i);
        if (agw_ring_produce(a->st, &ev, NULL, 0, NULL, 0) == AGW_RING_OK) {
            a->ok++;
        }
        if (i % 64 == 0) {
            sched_yield();
        }
    }

    return NULL;
}


static void
test_many_producers(void)
{
    int                 i, j, status, good, got, dup, order;
    char               *path, err[512];
    pid_t               pids[MP_PROCS];
    size_t              n, k;
    int64_t             last[MP_PROCS * MP_THREADS];
    uint64_t            expect_seq;
    pthread_t           th[MP_THREADS];
    mp_arg_t            args[MP_THREADS];
    agw_state_t         st;
    agw_state_stats_t   s;
    agw_ring_reader_t   rd;
    agw_state_params_t  p = { 1024, 0, 0, 0 };
    const agw_event_t  *evs[256];

    path = tmp_path("mp");
    if (agw_state_open(&st, path, agw_state_size_for(&p, 1024), &p, 1,
                       err, sizeof(err))
        != 0)
    {
        ok(0, "open %s: %s", path, err);
        return;
    }

    for (i = 0; i < MP_PROCS; i++) {
        pids[i] = fork();
        if (pids[i] == 0) {
            agw_state_after_fork(&st);
            for (j = 0; j < MP_THREADS; j++) {
                args[j].st = &st;
                args[j].producer = i * MP_THREADS + j;
                args[j].ok = 0;
                pthread_create(&th[j], NULL, mp_thread, &args[j]);
            }
            for (j = 0; j < MP_THREADS; j++) {
                pthread_join(th[j], NULL);
            }
            _exit(0);
        }
    }

    for (i = 0; i < MP_PROCS * MP_THREADS; i++) {
        last[i] = -1;
    }

    agw_ring_reader_init(&rd, &st, 1000);
    got = dup = 0;
    order = 1;
    good = 1;
    expect_seq = 0;

    for ( ;; ) {
        n = agw_ring_consume(&rd, evs, 256);

        for (k = 0; k < n; k++) {
            /* Without skips, seq is dense: every claim got published. */
            good &= evs[k]->seq == expect_seq++;
            i = (int) evs[k]->completion_tokens;
            if (i < 0 || i >= MP_PROCS * MP_THREADS) {
                good = 0;
                continue;
            }
            if (evs[k]->prompt_tokens <= last[i]) {
                order = 0;
                dup += evs[k]->prompt_tokens == last[i];
            }
            last[i] = evs[k]->prompt_tokens;
            got++;
        }

        if (n) {
            agw_ring_commit(&rd);
            continue;
        }

        if (waitpid(-1, &status, WNOHANG) == -1 && errno == ECHILD) {
            /* Every producer is done: one last pass. */
            n = agw_ring_consume(&rd, evs, 256);
            if (n == 0) {
                break;
            }
            expect_seq += n;
            got += (int) n;
            agw_ring_commit(&rd);
            continue;
        }

        usleep(100);
    }

    agw_state_stats(&st, &s);
    tap_diag("%d received, %llu dropped, %llu produced", got,
             (unsigned long long) s.dropped, (unsigned long long) s.produced);
    ok(good, "seq dense and increasing, producers known");
    ok(order, "each producer's events in its order");
    is_int(dup, 0, "no duplicates");
    is_int((uint64_t) got + s.dropped, MP_PROCS * MP_THREADS * MP_EVENTS,
           "received + dropped == produced attempts");
    is_int(s.produced, got, "produced counter == received");
    is_int(s.consumed, got, "consumed counter == received");
    is_int(s.skipped + s.late, 0, "nothing skipped");
    is_int(agw_ring_fill(&st), 0, "ring empty at the end");

    agw_state_close(&st);
    unlink(path);
}


static void
test_dead_producer(void)
{
    int                 i, status;
    char               *path, err[512];
    pid_t               pid;
    size_t              n;
    int64_t             t0;
    uint64_t            pos;
    agw_event_t         ev, *slot_ev;
    agw_state_t         st;
    agw_state_stats_t   s;
    struct timespec     ts;
    agw_ring_reader_t   rd;
    agw_state_params_t  p = { 8, 0, 0, 0 };
    const agw_event_t  *evs[8];

    path = tmp_path("dead");
    if (agw_state_open(&st, path, agw_state_size_for(&p, 8), &p, 1,
                       err, sizeof(err))
        != 0)
    {
        ok(0, "open %s: %s", path, err);
        return;
    }

    /* A worker claims a slot, writes half an event and is killed. */
    pid = fork();
    if (pid == 0) {
        agw_state_after_fork(&st);
        slot_ev = agw_ring_claim(&st, &pos);
        if (slot_ev != NULL) {
            memset(slot_ev, 'x', sizeof(*slot_ev) / 2);
        }
        raise(SIGKILL);
        _exit(1);
    }
    waitpid(pid, &status, 0);
    ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
       "producer killed mid-write");

    for (i = 0; i < 3; i++) {
        event_fill(&ev, 1, i);
        agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);
    }

    agw_ring_reader_init(&rd, &st, 50);
    is_int(agw_ring_consume(&rd, evs, 8), 0,
           "consumer waits at the dead producer's slot first");

    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    n = 0;
    while (n == 0) {
        msleep(10);
        n = agw_ring_consume(&rd, evs, 8);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0 > 5000) {
            break;
        }
    }
    is_int(n, 3, "then skips it and reads the 3 after it");
    ok(n == 3 && evs[0]->seq == 1 && evs[0]->prompt_tokens == 0,
       "first event read is the one after the dead slot");
    agw_ring_commit(&rd);
    agw_state_stats(&st, &s);
    is_int(s.skipped, 1, "skip counted");

    /* Died between winning tail and marking the slot: seq stays pos. */
    __atomic_fetch_add(&st.hdr->tail, 1, __ATOMIC_RELAXED);
    event_fill(&ev, 1, 10);
    agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);
    n = agw_ring_consume(&rd, evs, 8);
    is_int(n, 0, "claimed-unmarked slot: wait first");
    msleep(80);
    n = agw_ring_consume(&rd, evs, 8);
    ok(n == 1 && evs[0]->prompt_tokens == 10,
       "then skipped after the stall timeout");
    agw_ring_commit(&rd);
    agw_state_stats(&st, &s);
    is_int(s.skipped, 2, "second skip counted");

    /* A live producer that is merely slow is not skipped. */
    slot_ev = agw_ring_claim(&st, &pos);
    ok(slot_ev != NULL, "live producer claims");
    is_int(agw_ring_consume(&rd, evs, 8), 0, "slow live producer: wait");
    msleep(120);
    is_int(agw_ring_consume(&rd, evs, 8), 0,
           "still waiting past stall_ms: its pid is alive");
    event_fill(slot_ev, 1, 20);
    is_int(agw_ring_publish(&st, pos), AGW_RING_OK, "it publishes late");
    n = agw_ring_consume(&rd, evs, 8);
    ok(n == 1 && evs[0]->prompt_tokens == 20, "and its event is read");
    agw_ring_commit(&rd);

    /* Ring still works across the skipped slots: several rounds. */
    for (i = 0, n = 0; i < 40; i++) {
        event_fill(&ev, 1, 100 + i);
        agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);
        n += agw_ring_consume(&rd, evs, 8);
        agw_ring_commit(&rd);
    }
    is_int(n, 40, "40 more events through the same slots");
    agw_state_stats(&st, &s);
    is_int(s.dropped, 0, "no drops");

    agw_state_close(&st);
    unlink(path);
}


static void
test_commit_cut_short(void)
{
    int                 i;
    void               *base;
    size_t              size, n;
    uint64_t            pos;
    agw_event_t         ev;
    agw_slot_t         *slot;
    agw_state_t         st;
    agw_ring_reader_t   rd;
    agw_state_params_t  p = { 8, 0, 0, 0 };
    const agw_event_t  *evs[8];

    base = area_new(&size, &p);
    agw_state_init(base, size, &p, NULL, 0);
    agw_state_attach(&st, base, size);

    for (i = 0; i < 5; i++) {
        event_fill(&ev, 1, i);
        agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);
    }

    agw_ring_reader_init(&rd, &st, 50);
    is_int(agw_ring_consume(&rd, evs, 8), 5, "read 5");

    /* The consumer died in commit after releasing 3 slots, before head. */
    for (pos = 0; pos < 3; pos++) {
        slot = (agw_slot_t *) (st.slots + pos * st.slot_size);
        __atomic_store_n(&slot->seq, pos + 8, __ATOMIC_RELEASE);
    }

    /* A producer may already reuse a released slot. */
    event_fill(&ev, 1, 5);
    agw_ring_produce(&st, &ev, NULL, 0, NULL, 0);

    agw_ring_reader_init(&rd, &st, 50);
    n = agw_ring_consume(&rd, evs, 8);
    is_int(n, 3, "restarted reader reads the 2 unreleased and the new one");
    ok(n == 3 && evs[0]->seq == 3 && evs[1]->seq == 4 && evs[2]->seq == 5,
       "released slots are stepped over, not re-read");
    agw_ring_commit(&rd);
    is_int(agw_ring_fill(&st), 0, "ring empty");

    munmap(base, size);
}


static void
test_open_file(void)
{
    int                 fd;
    char               *path, err[512], want[64];
    size_t              size;
    uint32_t            v;
    mode_t              old_umask;
    struct stat         sb;
    agw_state_t         st, st2;
    agw_state_params_t  p = { 16, 0, 0, 0 }, q;

    ok(agw_state_open(&st, "/nonexistent-dir/x", 1 << 20, &p, 1, err,
                      sizeof(err)) == -1
       && strstr(err, "nonexistent") != NULL, "bad path: %s", err);

    path = tmp_path("open");
    unlink(path);
    ok(agw_state_open(&st, path, 0, NULL, 0, err, sizeof(err)) == -1,
       "daemon cannot open a missing file: %s", err);

    size = agw_state_size_for(&p, 16);
    old_umask = umask(022);     /* what nginx.service starts nginx with */
    is_int(agw_state_open(&st, path, size, &p, 1, err, sizeof(err)), 0,
           "master creates the file");
    umask(old_umask);
    is_int(st.hdr->capacity, 16, "capacity 16");
    memset(&sb, 0, sizeof(sb));
    (void) stat(path, &sb);
    is_int(sb.st_mode & 07777, 0660,
           "made 0660 whatever the umask: the daemon shares it by group");
    agw_state_keys_bump(&st);

    /* A reload: the same file mapped again, compatible: reused. */
    is_int(agw_state_open(&st2, path, size, &p, 1, err, sizeof(err)), 0,
           "reload reuses a compatible file");
    is_int(agw_state_keys_generation(&st2), 1, "and sees the same data");
    agw_state_close(&st2);

    /* The daemon: whole file, any params. */
    is_int(agw_state_open(&st2, path, 0, NULL, 0, err, sizeof(err)), 0,
           "daemon opens it without knowing the params");
    ok(st2.hdr->ring_id == st.hdr->ring_id, "same ring id");
    agw_state_close(&st2);

    ok(agw_state_open(&st2, path, size * 2, &p, 1, err, sizeof(err)) == -1
       && strstr(err, "cannot be resized") != NULL,
       "reload with another size refused: %s", err);
    q = p;
    q.capture_req_size = 1024;
    ok(agw_state_open(&st2, path, size, &q, 1, err, sizeof(err)) == -1
       && strstr(err, "capture") != NULL,
       "reload with captures refused: %s", err);

    agw_state_close(&st);

    /* A file from another layout version. */
    fd = open(path, O_RDWR);
    v = AGW_STATE_VERSION + 6;
    snprintf(want, sizeof(want), "layout version %d", AGW_STATE_VERSION + 6);
    if (pwrite(fd, &v, sizeof(v), offsetof(agw_state_hdr_t, version))
        != sizeof(v))
    {
        perror("pwrite");
    }
    close(fd);
    ok(agw_state_open(&st2, path, size, &p, 1, err, sizeof(err)) == -1
       && strstr(err, want) != NULL
       && strstr(err, path) != NULL, "old layout refused: %s", err);

    unlink(path);
}


static void
test_health(void)
{
    int                 i, a, b, c, idx[AGW_HEALTH_MAX], good, status;
    char                name[32];
    void               *base;
    size_t              size;
    pid_t               pid;
    uint64_t            requests;
    agw_state_t         st;
    agw_health_t        h;
    agw_state_params_t  p = { 4, 0, 0, 0 };

    base = area_new(&size, &p);
    agw_state_init(base, size, &p, NULL, 0);
    agw_state_attach(&st, base, size);

    a = agw_health_find(&st, "openai", 6, 1);
    b = agw_health_find(&st, "anthropic", 9, 1);
    ok(a >= 0 && b >= 0 && a != b, "two providers added");
    is_int(agw_health_find(&st, "openai", 6, 0), a, "found again");
    is_int(agw_health_find(&st, "openai-x", 6, 1), a,
           "name given by length");
    is_int(agw_health_find(&st, "gemini", 6, 0), -1, "unknown not added");
    is_int(agw_health_find(&st, "", 0, 1), -1, "empty name refused");

    agw_health_failure(&st, a, 502, 1000, 3, 5000);
    agw_health_failure(&st, a, 503, 1100, 3, 5000);
    ok(!agw_health_in_cooldown(&st, a, 1200), "2 failures: no cool-down");
    agw_health_failure(&st, a, 429, 1200, 3, 5000);
    ok(agw_health_in_cooldown(&st, a, 1300), "3rd failure: cool-down");
    ok(agw_health_in_cooldown(&st, a, 6199), "until 6200");
    ok(!agw_health_in_cooldown(&st, a, 6200), "over at 6200");
    agw_health_failure(&st, a, 500, 6300, 3, 5000);
    ok(agw_health_in_cooldown(&st, a, 6400),
       "failed trial after cool-down re-arms it");
    agw_health_success(&st, a, 200, 12000);
    is_int(agw_health_get(&st, a, &h), 0, "get");
    ok(h.requests == 5 && h.failures == 4 && h.consecutive_failures == 0
       && h.last_status == 200 && h.last_failure_ms == 6300
       && h.last_success_ms == 12000, "counts after success");
    is_str(h.name, "openai", "name");
    ok(!agw_health_in_cooldown(&st, b, 1300), "other provider unaffected");
    for (i = 0; i == a || i == b; i++) {
        /* the first free entry */
    }
    is_int(agw_health_get(&st, i, &h), -1, "free entry: get says -1");

    /* Fill the table. */
    good = 1;
    for (i = 2; i < AGW_HEALTH_MAX; i++) {
        snprintf(name, sizeof(name), "provider-%d", i);
        idx[i] = agw_health_find(&st, name, strlen(name), 1);
        good &= idx[i] >= 0;
    }
    ok(good, "64 providers fit");
    is_int(agw_health_find(&st, "one-too-many", 12, 1), -1, "65th refused");
    snprintf(name, sizeof(name), "provider-%d", 40);
    is_int(agw_health_find(&st, name, strlen(name), 0), idx[40],
           "lookup in a full table");

    munmap(base, size);

    /* Four processes add the same 32 names at once. */
    base = area_new(&size, &p);
    agw_state_init(base, size, &p, NULL, 0);
    agw_state_attach(&st, base, size);

    for (c = 0; c < 4; c++) {
        pid = fork();
        if (pid == 0) {
            for (i = 0; i < 32; i++) {
                snprintf(name, sizeof(name), "p%d", (i * 7 + c * 5) % 32);
                agw_health_success(&st,
                    agw_health_find(&st, name, strlen(name), 1), 200, 1);
            }
            _exit(0);
        }
    }
    while (wait(&status) > 0) {
        /* reap */
    }

    good = 1;
    requests = 0;
    c = 0;
    for (i = 0; i < AGW_HEALTH_MAX; i++) {
        if (agw_health_get(&st, i, &h) == 0) {
            c++;
            requests += h.requests;
            good &= h.requests == 4;
        }
    }
    is_int(c, 32, "32 entries, no duplicate from racing adds");
    ok(good && requests == 128, "every process counted in each entry");

    munmap(base, size);
}


/*
 * A forked producer inherits the mapping of the state file but not its
 * page tables: writing a fresh ring faults once per page, in the log
 * phase.  After agw_state_prefault() the same writes fault (almost) never.
 * The counts come from a child per case, through a shared word.
 */
static long
faults_while_filling(agw_state_t *st, int prefault, long *shared)
{
    int             i, status;
    pid_t           pid;
    agw_event_t     ev;
    struct rusage   r0, r1;

    shared[0] = -2;

    pid = fork();
    if (pid == 0) {
        agw_state_after_fork(st);

        if (prefault) {
            switch (agw_state_prefault(st)) {
            case 0:
                break;
            case 1:
                shared[0] = -1;      /* the kernel cannot: skip */
                _exit(0);
            default:
                _exit(1);
            }
        }

        event_fill(&ev, 1, 0);
        getrusage(RUSAGE_SELF, &r0);

        for (i = 0; i < (int) st->hdr->capacity; i++) {
            if (agw_ring_produce(st, &ev, NULL, 0, NULL, 0) != AGW_RING_OK) {
                _exit(1);
            }
        }

        getrusage(RUSAGE_SELF, &r1);
        shared[0] = r1.ru_minflt + r1.ru_majflt
                    - r0.ru_minflt - r0.ru_majflt;
        _exit(0);
    }

    waitpid(pid, &status, 0);

    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? shared[0] : -2;
}


static void
test_prefault(void)
{
    long                pages, without, with, *shared;
    char               *path, err[512];
    size_t              n;
    agw_state_t         st;
    agw_ring_reader_t   rd;
    agw_state_params_t  p = { 4096, 0, 0, 0 };
    const agw_event_t  *evs[512];

    shared = mmap(NULL, sizeof(long), PROT_READ | PROT_WRITE,
                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        ok(0, "mmap: %s", strerror(errno));
        return;
    }

    path = tmp_path("prefault");
    if (agw_state_open(&st, path, agw_state_size_for(&p, 4096), &p, 1,
                       err, sizeof(err))
        != 0)
    {
        ok(0, "open %s: %s", path, err);
        return;
    }

    pages = (long) ((uint64_t) st.hdr->capacity * st.slot_size / 4096);

    without = faults_while_filling(&st, 0, shared);
    ok(without >= pages / 2, "a forked producer filling a fresh ring of "
       "%ld pages takes a page fault per page (%ld)", pages, without);

    /* empty the ring for the second child */
    agw_ring_reader_init(&rd, &st, 0);
    while ((n = agw_ring_consume(&rd, evs, 512)) > 0) {
        agw_ring_commit(&rd);
    }
    is_int(agw_ring_fill(&st), 0, "ring emptied");

    with = faults_while_filling(&st, 1, shared);
    if (with == -1) {
        ok(1, "# SKIP the kernel has no MADV_POPULATE_WRITE");
    } else {
        ok(with >= 0 && with < pages / 20, "after agw_state_prefault() "
           "the same writes take almost none (%ld)", with);
    }

    agw_state_close(&st);
    unlink(path);
    munmap(shared, sizeof(long));
}


/*
 * The file's blocks are reserved when it is created: with no room for
 * them (here a file size limit; a full disk says ENOSPC the same way),
 * opening fails with a message that says so, and leaves an empty file,
 * not a sparse one that a later start would take for a whole one.
 */
static void
test_no_room(void)
{
    int                 status;
    char               *path, *msg;
    pid_t               pid;
    size_t              size;
    agw_state_t         st;
    struct rlimit       rl;
    struct stat         sb;
    agw_state_params_t  p = { 0, 0, 0, 0 };

    msg = mmap(NULL, 1024, PROT_READ | PROT_WRITE,
               MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (msg == MAP_FAILED) {
        ok(0, "mmap: %s", strerror(errno));
        return;
    }

    path = tmp_path("noroom");
    unlink(path);
    size = 16 * 1024 * 1024;

    pid = fork();
    if (pid == 0) {
        rl.rlim_cur = rl.rlim_max = 1024 * 1024;
        signal(SIGXFSZ, SIG_IGN);

        if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
            _exit(2);
        }

        _exit(agw_state_open(&st, path, size, &p, 1, msg, 1024) == 0);
    }

    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "a 16 MB state file with room for 1 MB is refused at open");
    ok(strstr(msg, "cannot reserve 16777216 bytes for") != NULL
       && strstr(msg, path) != NULL && strstr(msg, "File too large") != NULL
       && strstr(msg, "full disk fails here") != NULL,
       "with a message naming the file, the size and the reason");
    tap_diag("%s", msg);

    ok(stat(path, &sb) == 0 && sb.st_size == 0, "the file is left empty");

    ok(agw_state_open(&st, path, size, &p, 1, msg, 1024) == 0,
       "with room, the same path opens and is formatted");
    agw_state_close(&st);

    unlink(path);
    munmap(msg, 1024);
}


int
main(void)
{
    test_layout();
    test_strings();
    test_produce_consume();
    test_capture();
    test_commit_cut_short();
    test_open_file();
    test_dead_producer();
    test_many_producers();
    test_prefault();
    test_no_room();
    test_health();

    return done_testing();
}
