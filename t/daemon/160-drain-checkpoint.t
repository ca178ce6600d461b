#!/usr/bin/perl
# The WAL is copied into the database file while the daemon runs (its
# checkpoint thread), not only when it stops: otherwise the WAL grows for
# as long as the daemon lives, and every read walks it.

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

ringtool('create', $state, '32m');
my $pid = start_daemon($state, $db, $log);

ringtool('produce', $state, 20000, '--tag', 'ckpt');
ok(wait_until(sub { stats($state)->{fill} == 0 }, 20), '20000 events drained');

# about 300 bytes a row: 20000 rows are some megabytes in the WAL, and in
# the database file once a checkpoint ran (every 200 ms)
ok(wait_until(sub { (-s $db // 0) > 2_000_000 }, 5),
   'the daemon running, the database file holds them: the WAL was checkpointed')
    or diag('database ' . (-s $db) . ' bytes, WAL ' . (-s "$db-wal") . ' bytes');
is(sql($db, "SELECT count(*) FROM events"), 20000, 'every event is a row');

# a backlog drained at once grows the WAL past 16 MiB (26 MiB here); once
# checkpointed its file is given back, not left at its largest
ringtool('produce', $state, 90000, '--wait', '--tag', 'big');
ok(wait_until(sub { stats($state)->{fill} == 0 }, 30), '90000 more drained');
ok(wait_until(sub { sql($db, "SELECT count(*) FROM events") == 110000 }, 20),
   'all stored');
ringtool('produce', $state, 100, '--tag', 'after');
ok(wait_until(sub { (-s "$db-wal" // 0) <= 16 * 1024 * 1024 }, 10),
   'the WAL file is back under 16 MiB')
    or diag('WAL ' . (-s "$db-wal") . ' bytes');

is(stop_daemon($pid), 0, 'daemon stops cleanly');
ok(!-e "$db-wal" || -s "$db-wal" == 0, 'and leaves no WAL behind');

done_testing();
