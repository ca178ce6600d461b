/*
 * http_guard: request arrival deadlines (see http_guard.h).
 *
 * Each connection has a record, linked in a list under the guard's mutex,
 * with its socket and since when it waits for a request (0: a request is
 * being handled).  Shutting a socket down from another thread is how
 * libmicrohttpd itself wakes a connection's thread; it is safe here because
 * the record leaves the list (NOTIFY_CLOSED, under the mutex) before
 * libmicrohttpd closes the descriptor, so a descriptor number is never
 * shut down after it was reused.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "http_guard.h"


typedef struct agw_guard_conn_s  agw_guard_conn_t;

struct agw_guard_conn_s {
    agw_guard_conn_t  *prev;
    agw_guard_conn_t  *next;
    agw_guard_t       *guard;
    int                fd;
    int64_t            since_ms;     /* waiting since; 0: in a request */
    unsigned           cut:1;
};

struct agw_guard_s {
    pthread_mutex_t    lock;
    pthread_cond_t     wake;
    pthread_t          thread;
    agw_guard_conn_t  *head;
    int64_t            timeout_ms;
    int                stop;
};


static int64_t
agw_guard_now_ms(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void *
agw_guard_run(void *arg)
{
    int64_t            now;
    agw_guard_t       *g;
    struct timespec    ts;
    agw_guard_conn_t  *k;

    g = arg;

    pthread_mutex_lock(&g->lock);

    while (!g->stop) {
        now = agw_guard_now_ms();

        for (k = g->head; k != NULL; k = k->next) {
            if (k->since_ms != 0 && !k->cut
                && now - k->since_ms >= g->timeout_ms)
            {
                /* the connection's thread sees end of file and closes */
                shutdown(k->fd, SHUT_RDWR);
                k->cut = 1;
            }
        }

        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&g->wake, &g->lock, &ts);
    }

    pthread_mutex_unlock(&g->lock);

    return NULL;
}


agw_guard_t *
agw_guard_start(unsigned timeout_s, char *err, size_t errlen)
{
    int                 rc;
    agw_guard_t        *g;
    pthread_condattr_t  ca;

    g = calloc(1, sizeof(agw_guard_t));
    if (g == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    g->timeout_ms = (int64_t) timeout_s * 1000;

    if (pthread_mutex_init(&g->lock, NULL) != 0) {
        free(g);
        snprintf(err, errlen, "pthread_mutex_init failed");
        return NULL;
    }

    if (pthread_condattr_init(&ca) != 0
        || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0
        || pthread_cond_init(&g->wake, &ca) != 0)
    {
        pthread_mutex_destroy(&g->lock);
        free(g);
        snprintf(err, errlen, "pthread_cond_init failed");
        return NULL;
    }

    pthread_condattr_destroy(&ca);

    rc = pthread_create(&g->thread, NULL, agw_guard_run, g);
    if (rc != 0) {
        pthread_cond_destroy(&g->wake);
        pthread_mutex_destroy(&g->lock);
        free(g);
        snprintf(err, errlen, "pthread_create: %s", strerror(rc));
        return NULL;
    }

    return g;
}


void
agw_guard_stop(agw_guard_t *g)
{
    agw_guard_conn_t  *k, *next;

    if (g == NULL) {
        return;
    }

    pthread_mutex_lock(&g->lock);
    g->stop = 1;
    pthread_cond_signal(&g->wake);
    pthread_mutex_unlock(&g->lock);

    pthread_join(g->thread, NULL);

    for (k = g->head; k != NULL; k = next) {     /* none, normally */
        next = k->next;
        free(k);
    }

    pthread_cond_destroy(&g->wake);
    pthread_mutex_destroy(&g->lock);
    free(g);
}


void
agw_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
    agw_guard_t                     *g;
    agw_guard_conn_t                *k;
    const union MHD_ConnectionInfo  *ci;

    g = cls;

    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

        /* without a record the connection has only the idle timeout */
        k = ci != NULL ? calloc(1, sizeof(agw_guard_conn_t)) : NULL;
        *socket_context = k;
        if (k == NULL) {
            return;
        }

        k->guard = g;
        k->fd = ci->connect_fd;
        k->since_ms = agw_guard_now_ms();

        pthread_mutex_lock(&g->lock);
        k->next = g->head;
        if (g->head != NULL) {
            g->head->prev = k;
        }
        g->head = k;
        pthread_mutex_unlock(&g->lock);

        return;
    }

    k = *socket_context;
    if (k == NULL) {
        return;
    }

    pthread_mutex_lock(&g->lock);
    if (k->prev != NULL) {
        k->prev->next = k->next;
    } else {
        g->head = k->next;
    }
    if (k->next != NULL) {
        k->next->prev = k->prev;
    }
    pthread_mutex_unlock(&g->lock);

    free(k);
    *socket_context = NULL;
}


static void
agw_guard_set(struct MHD_Connection *c, int waiting)
{
    agw_guard_conn_t                *k;
    const union MHD_ConnectionInfo  *ci;

    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci == NULL || ci->socket_context == NULL) {
        return;
    }

    k = ci->socket_context;

    pthread_mutex_lock(&k->guard->lock);
    k->since_ms = waiting ? agw_guard_now_ms() : 0;
    pthread_mutex_unlock(&k->guard->lock);
}


void
agw_guard_request_in(struct MHD_Connection *c)
{
    agw_guard_set(c, 0);
}


void
agw_guard_request_done(struct MHD_Connection *c)
{
    agw_guard_set(c, 1);
}
