/*
 * http_guard: the deadline of a request's arrival (slowloris).
 *
 * libmicrohttpd's own timeout is an idle timeout: a client that sends one
 * byte every few seconds keeps a connection, and its thread, forever, and
 * the connection limit is soon reached.  The guard gives each request
 * `timeout` seconds from the moment its connection starts waiting for it
 * (accepted, or done with the previous request) until the request is in
 * (headers, and a JSON body; an authenticated restore upload is exempt),
 * then shuts the socket down.  Its thread looks once a second.
 */

#ifndef AGW_HTTP_GUARD_H
#define AGW_HTTP_GUARD_H

#include <stddef.h>

#include <microhttpd.h>

typedef struct agw_guard_s  agw_guard_t;

/* Starts the watch thread; NULL with a message in err. */
agw_guard_t *agw_guard_start(unsigned timeout_s, char *err, size_t errlen);

/* After MHD_stop_daemon(): every connection is gone. */
void agw_guard_stop(agw_guard_t *g);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls: the guard). */
void agw_guard_notify(void *cls, struct MHD_Connection *c,
    void **socket_context, enum MHD_ConnectionNotificationCode toe);

/* The request on c is in: its handling and answer are not timed. */
void agw_guard_request_in(struct MHD_Connection *c);

/* The request on c is done: the connection waits for its next one. */
void agw_guard_request_done(struct MHD_Connection *c);

#endif /* AGW_HTTP_GUARD_H */
