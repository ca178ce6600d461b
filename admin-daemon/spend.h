/*
 * spend: the keys' spend put back into a new limits table.
 *
 * The counters live in the state file, so a daemon restart loses
 * nothing; a state file recreated (removed by the operator, /dev/shm
 * emptied) starts with none, and every budget would start again from
 * zero.  The first daemon to map such a file adds each key's spend of the
 * current UTC day and month and in total from SQLite, counting only what
 * was spent before the file was created: the workers count the rest.
 */

#ifndef AGW_SPEND_H
#define AGW_SPEND_H

#include "daemon.h"

/*
 * Seeds d's state file from d's database if it is the first to (0 and
 * nothing done otherwise).  The number of keys seeded, or -1 with a
 * message in err.
 */
int agw_spend_seed(agw_daemon_t *d, char *err, size_t errlen);

#endif /* AGW_SPEND_H */
