#!/usr/bin/perl
# One daemon per state file; and when nginx recreates the file (an
# operator removed an incompatible one), the daemon drains the old ring,
# then restarts itself on the new file: events of both are stored.

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR, $DAEMON);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

ringtool('create', $state, '4m');
my $pid = start_daemon($state, $db, $log);

my $out = `"$DAEMON" --state $state --db $DIR/other.sqlite 2>&1`;
isnt($? >> 8, 0, 'a second daemon on the same state file refuses to run');
like($out, qr/another daemon \(pid $pid\) already drains/, 'and says who');

ringtool('produce', $state, 100, '--tag', 'old');
ok(wait_until(sub { stats($state)->{fill} == 0 }, 10), 'old file drained');
my $old_id = stats($state)->{ring_id};

unlink $state or die;
ringtool('create', $state, '4m');
ringtool('produce', $state, 200, '--tag', 'new');
isnt(stats($state)->{ring_id}, $old_id, 'a new ring');

ok(wait_until(sub { stats($state)->{fill} == 0 }, 15),
   'the daemon found the new file and drained it');
like(slurp($log), qr/was recreated and the old ring is drained: restarting/,
     'restart logged');
ok(kill(0, $pid), 'same pid');
is(sql($db, "SELECT count(*), count(DISTINCT ring_id) FROM events"),
   '300|2', 'events of both files, told apart by ring id');
is(sql($db, "SELECT count(*) FROM events WHERE seq < 100"), 200,
   'seq restarted with the new file: (seq, ring_id) keeps them apart');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

done_testing();
