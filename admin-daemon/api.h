/*
 * api: the admin daemon's HTTP management API (and the dashboard behind
 * it).  main.c starts it after the state file and the database are open,
 * and stops it before closing them.
 */

#ifndef AGW_API_H
#define AGW_API_H

#include "daemon.h"

/*
 * Starts the HTTP server (libmicrohttpd, its own threads) on the
 * configured address, opens the API's own SQLite connections, creates the
 * API tables if missing and publishes the keys snapshot once.
 * 0, or -1 after printing why on stderr.
 */
int  agw_api_start(agw_daemon_t *d);

/* Stops accepting, waits for running requests, frees everything. */
void agw_api_stop(void);

#endif /* AGW_API_H */
