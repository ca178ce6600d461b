#!/usr/bin/perl
# SQLite locked by another process (BEGIN EXCLUSIVE from the sqlite3
# command) for a while: events wait in the ring, the daemon retries, and
# once the lock goes nothing is lost.

use strict;
use warnings;
use FindBin;
use IPC::Open2;
use Test::More;
use Time::HiRes qw(sleep);

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

ringtool('create', $state, '16m');
my $pid = start_daemon($state, $db, $log);

like(ringtool('produce', $state, 1000, '--tag', 'a'), qr/produced=1000/,
     '1000 events before the lock');
ok(wait_until(sub { stats($state)->{fill} == 0 }, 20), 'stored');

# Another writer holds the database.
my $locker = open2(my $out, my $in, 'sqlite3', $db);
print $in "BEGIN EXCLUSIVE;\nSELECT 'locked';\n";
$in->flush;
my $line = <$out>;
is($line, "locked\n", 'sqlite3 holds an exclusive transaction');

like(ringtool('produce', $state, 5000, '--tag', 'b'), qr/produced=5000/,
     '5000 events while locked');
sleep 1.5;

my $s = stats($state);
is($s->{fill}, 5000, 'they wait in the ring');
is(sql($db, 'SELECT count(*) FROM events'), 1000,
   'readers still see the 1000 stored before');
like(slurp($log), qr/storing \d+ events failed \(BEGIN IMMEDIATE: database is locked\): they wait in the ring/,
     'the daemon says why and that it retries');
ok(kill(0, $pid), 'daemon still running');

print $in "COMMIT;\n.quit\n";
close $in;
waitpid($locker, 0);

ok(wait_until(sub { stats($state)->{fill} == 0 }, 20),
   'lock released: ring drained');
like(slurp($log), qr/storing works again/, 'recovery logged');
is(sql($db, 'SELECT count(*), count(DISTINCT request_id) FROM events'),
   '6000|6000', 'all 6000 events, once each');
is(stats($state)->{dropped}, 0, 'nothing dropped');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

done_testing();
