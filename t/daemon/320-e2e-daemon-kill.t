#!/usr/bin/perl
#
# The daemon SIGKILLed twice during a load of requests through real nginx,
# and once more by its fault point right between its SQLite COMMIT and
# the ring commit (the batch is read again), and restarted each time:
# nginx answers every request, and every request answered
# has exactly one row (counted, and matched request id by request id), no
# request id twice, ring positions dense, the rollups count each request
# once.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use AgwE2E;

AgwE2E::check_prerequisites();

my $N = 3000;
my $secret = 'sk-e2e-load-0123456789';
my $gw = AgwE2E->new(state => 'size=16m', http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    @{[ AgwE2E::static_key('load', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

# Kills at set points of the load's progress, so that each one finds
# requests still coming whatever the machine's speed.
my $kills = 0;
my $res = $gw->load(n => $N, conc => 4, key => $secret, during => sub {
    my ($answered) = @_;

    AgwE2E::wait_until(sub { $answered->() >= $N * 0.15 }, 20);
    note(sprintf 'SIGKILL at %d answers, %d rows stored', $answered->(),
         $gw->scalar_sql('SELECT count(*) FROM events'));
    $gw->stop_daemon('KILL');
    $kills++;
    sleep 0.2;

    # restarted with a fault point: it kills itself between its third
    # SQLite COMMIT and the ring commit (small batches: three come fast)
    {
        local $ENV{AGW_TEST_CRASH_AFTER_COMMITS} = 3;
        $gw->start_daemon('--batch-size', 50);
    }
    my $status = $gw->wait_daemon_exit(10);
    $kills++ if defined $status && ($status & 127) == 9;
    note(sprintf 'fault point at %d answers', $answered->());
    $gw->start_daemon;

    AgwE2E::wait_until(sub { $answered->() >= $N * 0.6 }, 20);
    note(sprintf 'SIGKILL at %d answers, %d rows stored', $answered->(),
         $gw->scalar_sql('SELECT count(*) FROM events'));
    $gw->stop_daemon('KILL');
    $kills++;
    sleep 0.3;
    $gw->start_daemon;
});

is($kills, 3, 'daemon killed three times during the load');
like($gw->daemon_log, qr/killing myself between the database and the ring commit/,
     'once between its database and ring commits');
is($res->{sent}, $N, "$N requests made");
is($res->{statuses}{200}, $N, 'nginx answered every one with 200')
    or diag(explain $res->{statuses});

my $rows = $gw->wait_rows("key_name = 'load'", $N, 20);
is($rows, $N, 'one row per request: as many rows as requests');

my $dups = $gw->rows("SELECT request_id, count(*) AS n FROM events"
                     . " GROUP BY request_id HAVING n > 1");
is(scalar @$dups, 0, 'no request id stored twice');

my %stored = map { $_->{request_id} => 1 }
    @{ $gw->rows("SELECT request_id FROM events WHERE key_name = 'load'") };
my @missing = grep { !$stored{$_} } @{ $res->{ids} };
is(scalar @{ $res->{ids} }, $N, 'every answer carried its request id');
is(scalar @missing, 0, 'every request id the clients saw is stored')
    or diag("missing: @missing[0 .. ($#missing > 4 ? 4 : $#missing)]");

my $span = $gw->rows('SELECT min(seq) AS lo, max(seq) AS hi, count(*) AS n'
                     . ' FROM events')->[0];
is($span->{hi} - $span->{lo} + 1, $span->{n},
   "ring positions $span->{lo}..$span->{hi} dense: none lost, none twice");

is($gw->scalar_sql("SELECT sum(requests) FROM rollup_minute WHERE key_name = 'load'"),
   $N, 'minute rollups count each request once');

my $st = $gw->ring_stats;
is($st->{dropped}, 0, 'ring dropped nothing');
is($st->{skipped}, 0, 'and skipped nothing');

$gw->check_logs;
done_testing();
