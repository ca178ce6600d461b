#!/usr/bin/perl
# Retention: raw events older than --retention and per-minute rollups
# older than --minute-retention are purged; hourly rollups stay, so usage
# history outlives the raw events.  And SIGTERM flushes the ring.

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";

ringtool('create', $state, '4m');
ringtool('produce', $state, 500, '--tag', 'old', '--age', 7200);
ringtool('produce', $state, 300, '--tag', 'mid', '--age', 1800);
ringtool('produce', $state, 200, '--tag', 'new');

my $pid = start_daemon($state, $db, $log, '--retention', '1h',
                       '--minute-retention', '20m');
ok(wait_until(sub { slurp($log) =~ /retention purge: (\d+) events deleted/ },
              10), 'purge ran once the ring was drained');
like(slurp($log), qr/retention purge: 500 events deleted/,
     'the 500 events older than 1h');

is(sql($db, "SELECT count(*) FROM events"), 500, '500 events kept');
is(sql($db, "SELECT count(*) FROM events WHERE request_id LIKE 'old-%'"), 0,
   'none of the old ones');
is(sql($db, 'SELECT sum(requests) FROM rollup_minute'), 200,
   'minute rollups: only the last 20 minutes');
is(sql($db, 'SELECT sum(requests) FROM rollup_hour'), 1000,
   'hour rollups: everything');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

# SIGTERM stores what the ring holds before exiting: a daemon asleep in a
# long idle pause is told to stop right after 800 events arrive.
$pid = start_daemon($state, $db, $log, '--poll-ms', 60000);
select undef, undef, undef, 0.3;
ringtool('produce', $state, 800, '--tag', 'last');
is(stats($state)->{fill}, 800, '800 events wait while the daemon sleeps');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');
is(sql($db, "SELECT count(*) FROM events WHERE request_id LIKE 'last-%'"),
   800, 'all 800 stored on the way out');
is(stats($state)->{fill}, 0, 'ring empty');

done_testing();
