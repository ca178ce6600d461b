#!/usr/bin/perl
# The daemon killed with SIGKILL, at the worst moment and at random ones,
# during a load: after a restart every event has exactly one row, and the
# rollups count each event once.

use strict;
use warnings;
use FindBin;
use Test::More;
use Time::HiRes qw(sleep);

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR, $RINGTOOL);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $log = "$DIR/daemon.log";
my $n = 100000;

ringtool('create', $state, '16m');

# 1. Killed between its SQLite COMMIT and the ring commit (fault point).
ringtool('produce', $state, 1000, '--tag', 'a');
{
    local $ENV{AGW_TEST_CRASH_AFTER_COMMITS} = 3;
    my $pid = start_daemon($state, $db, $log, '--batch-size', 100);
    waitpid($pid, 0);
    is($? & 127, 9, 'daemon killed itself after its 3rd COMMIT');
}
is(sql($db, 'SELECT count(*) FROM events'), 300, '300 rows committed');
is(stats($state)->{head}, 200,
   'ring head after 2 batches: the 3rd batch is stored but still in the ring');

my $pid = start_daemon($state, $db, $log, '--batch-size', 100);
ok(wait_until(sub { stats($state)->{fill} == 0 }, 20), 'restarted: drained');
like(slurp($log), qr/100 of 100 events were stored already/,
     'the re-read batch is recognised as stored');
is(sql($db, 'SELECT count(*), count(DISTINCT request_id) FROM events'),
   '1000|1000', 'exactly one row per event');
is(sql($db, 'SELECT sum(requests) FROM rollup_minute'), 1000,
   'minute rollups count each event once');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

# 2. SIGKILL at random moments while a producer keeps the ring busy.
my $producer = fork() // die;
if ($producer == 0) {
    exec "$RINGTOOL produce $state $n --wait --tag b >$DIR/produce.out 2>&1";
    die;
}

$pid = start_daemon($state, $db, $log, '--batch-size', 256);
my $busy_kills = 0;
for my $round (1 .. 6) {
    sleep(0.05 + rand(0.15));
    my $s = stats($state);
    $busy_kills++ if $s->{fill} > 0 || $s->{tail} < $n + 1000;
    stop_daemon($pid, 'KILL');
    $pid = start_daemon($state, $db, $log, '--batch-size', 256);
}
diag("$busy_kills of 6 kills landed while events were flowing");
ok($busy_kills >= 1, 'the daemon was killed during the load');

waitpid($producer, 0);
is($?, 0, 'producer finished');
like(slurp("$DIR/produce.out"), qr/produced=$n dropped=0/,
     "producer put $n events in the ring");

ok(wait_until(sub { stats($state)->{fill} == 0 }, 60), 'ring drained');
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

my $total = $n + 1000;
is(sql($db, 'SELECT count(*) FROM events'), $total, "$total rows");
is(sql($db, 'SELECT count(DISTINCT request_id) FROM events'), $total,
   'no event twice');
is(sql($db, 'SELECT min(seq), max(seq), count(DISTINCT seq) FROM events'),
   "0|" . ($total - 1) . "|$total", 'every seq 0..N-1 once');
is(sql($db, 'SELECT sum(requests), sum(prompt_tokens), sum(cost_micro_usd)'
            . ' FROM rollup_minute'),
   join('|', $total, 10 * $total, 7 * $total),
   'minute rollups: requests, tokens and cost of each event once');
is(sql($db, 'SELECT sum(requests) FROM rollup_hour'), $total,
   'hour rollups too');
is(sql($db, "SELECT count(*) FROM events WHERE json_valid(attempt_list)"
            . " AND json_extract(attempt_list, '\$[0].provider') = 'openai'"),
   $total, 'attempt lists are valid JSON');

my $s = stats($state);
is($s->{dropped} + $s->{skipped}, 0, 'nothing dropped or skipped');

done_testing();
