#!/usr/bin/perl
# The database, its WAL and shared-memory index are the owner's alone
# (0600): rows hold client addresses and, with capture on, whole request
# and response bodies.  A database made world-readable by an older run
# (or by hand) is narrowed at start, and so are its -wal and -shm.

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

# the usual umask: what SQLite would create is then 0644
umask 022;

sub mode { my @s = stat $_[0]; return @s ? sprintf('%04o', $s[2] & 07777) : 'none' }

ringtool('create', $state, '1m');

# 1. A new database.
my $pid = start_daemon($state, $db, $log);
ringtool('produce', $state, 100, '--tag', 'modes');
ok(wait_until(sub { sql($db, 'SELECT count(*) FROM events') == 100 }, 10),
   'events stored');
ok(-e "$db-wal" && -e "$db-shm", 'WAL and shm exist while the daemon runs');
is(mode($db), '0600', 'new database: 0600');
is(mode("$db-wal"), '0600', 'its WAL: 0600');
is(mode("$db-shm"), '0600', 'its shm: 0600');
is(stop_daemon($pid), 0, 'stopped');

# 2. A database left world-readable, with a WAL beside it.
chmod 0644, $db;
system('sqlite3', $db, 'PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS '
       . 't_extra_wal(x); INSERT INTO t_extra_wal VALUES (1);') == 0
    or die 'sqlite3 failed';
chmod 0644, grep { -e } "$db-wal", "$db-shm";
is(mode($db), '0644', 'made world-readable by hand');

$pid = start_daemon($state, $db, $log);
ringtool('produce', $state, 10, '--tag', 'again');
ok(wait_until(sub { sql($db, 'SELECT count(*) FROM events') == 110 }, 10),
   'the daemon stores into it');
is(mode($db), '0600', 'narrowed to 0600 at start');
is(mode("$db-wal"), '0600', 'its WAL too') if -e "$db-wal";
is(mode("$db-shm"), '0600', 'its shm too') if -e "$db-shm";
is(stop_daemon($pid), 0, 'stopped');

done_testing();
