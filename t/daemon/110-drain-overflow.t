#!/usr/bin/perl
# The daemon stopped while more events are produced than the ring holds:
# the ring keeps the first ones, the producers count the rest as dropped,
# and once the daemon runs, the drop counter equals the missing rows.

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

# 2m: 1024 slots of 960 bytes and the limits table's default 1024 entries
like(ringtool('create', $state, '2m'), qr/capacity=1024\b/,
     'a ring of 1024 slots');

like(ringtool('produce', $state, 3000, '--tag', 'a'),
     qr/produced=1024 dropped=1976/, 'no daemon: 1024 kept, 1976 dropped');
my $s = stats($state);
is($s->{dropped}, 1976, 'drop counter 1976');
is($s->{fill}, 1024, 'ring full');

my $pid = start_daemon($state, $db, $log);
ok(wait_until(sub { stats($state)->{fill} == 0 }, 20), 'drained');

my $rows = sql($db, 'SELECT count(*) FROM events');
is($rows, 1024, '1024 rows');
is(stats($state)->{dropped}, 3000 - $rows,
   'drop counter == produced - rows');
is(sql($db, "SELECT count(*) FROM events WHERE request_id IN (SELECT 'a-' || value FROM generate_series(0, 1023))"),
   1024, 'the rows are the first 1024 events, which found room')
    if sql($db, "SELECT 1 FROM generate_series(1, 1)") eq '1';
is(sql($db, "SELECT max(CAST(substr(request_id, 3) AS INTEGER)) FROM events"),
   1023, 'the last event stored is the 1024th');

# With the daemon running, a burst below the capacity loses nothing.
like(ringtool('produce', $state, 1000, '--tag', 'b'),
     qr/produced=1000 dropped=0/, 'burst of 1000 fits');
ok(wait_until(sub { stats($state)->{fill} == 0 }, 20), 'drained again');
is(sql($db, 'SELECT count(*) FROM events'), 2024, '2024 rows');
is(stats($state)->{dropped}, 1976, 'drop counter unchanged');
is(sql($db, 'SELECT sum(requests) FROM rollup_minute'), 2024,
   'rollups agree with the rows');

is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

done_testing();
