#!/usr/bin/perl
#
# nginx reloaded (nginx -s reload, twice) during a load of requests, with
# streams in flight across the reloads: every request answered, each one
# stored exactly once, by old and new workers alike, in the one ring the
# reload kept (same ring id, positions dense).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep);
use AgwE2E;

AgwE2E::check_prerequisites();

my $N = 3000;
my $S = 8;
my $secret = 'sk-e2e-reload-0123456789';
my $gw = AgwE2E->new(state => 'size=16m', http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider mockstream type=openai url=MOCK/stream/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_route streamed mockstream:gpt-4o;
    @{[ AgwE2E::static_key('reload', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

sub workers {
    my $master = $gw->{nginx_pid};
    return sort grep { AgwE2E::slurp("/proc/$_/stat") =~ /^\d+ \(nginx\) [^Z] $master /
                     } map { m{/proc/(\d+)$} ? $1 : () } glob '/proc/[0-9]*';
}

my @before = workers();
my $streams;
my $res = $gw->load(n => $N, conc => 4, key => $secret, during => sub {
    # streams take 300 ms: each reload finds some of them half sent
    $streams = $gw->load(n => $S, conc => 2, key => $secret,
                         model => 'streamed', stream => 1, during => sub {
        for (1 .. 2) {
            sleep 0.45;
            $gw->reload_nginx;
            note('nginx -s reload');
        }
    });
});

# old workers finish their requests and then exit: asynchronously, so
# the check waits for them (a loaded machine took longer than the load)
my @after;
AgwE2E::wait_until(sub {
    @after = workers();
    @after && !grep({ my $w = $_; grep { $_ == $w } @after } @before) }, 10);
ok(@before && @after && !grep({ my $w = $_; grep { $_ == $w } @after } @before),
   "new workers (@after) replaced the old ones (@before)");

is($res->{sent}, $N, "$N requests made across the reloads");
is($res->{statuses}{200}, $N, 'every one answered 200') or diag(explain $res->{statuses});
is($streams->{statuses}{200}, $S, "$S streams across the reloads answered 200")
    or diag(explain $streams->{statuses});

my $rows = $gw->wait_rows("key_name = 'reload'", $N + $S, 20);
is($rows, $N + $S, 'one row per request, streams included');

my %stored;
$stored{ $_->{request_id} }++
    for @{ $gw->rows("SELECT request_id FROM events WHERE key_name = 'reload'") };
my @ids = (@{ $res->{ids} }, @{ $streams->{ids} });
is(scalar(grep { ($stored{$_} // 0) != 1 } @ids), 0,
   'every request id the clients saw stored exactly once');
is(scalar(grep { $_ > 1 } values %stored), 0, 'no request id twice');

is($gw->scalar_sql("SELECT count(*) FROM events WHERE key_name = 'reload'"
                   . " AND stream = 1 AND status = 200 AND completion_tokens = 500"),
   $S, 'each stream stored whole, usage included');

is($gw->scalar_sql('SELECT count(DISTINCT ring_id) FROM events'), 1,
   'one ring: the reload kept the state file');
my $span = $gw->rows('SELECT min(seq) AS lo, max(seq) AS hi, count(*) AS n'
                     . ' FROM events')->[0];
is($span->{hi} - $span->{lo} + 1, $span->{n},
   "ring positions $span->{lo}..$span->{hi} dense");

my $st = $gw->ring_stats;
is($st->{dropped}, 0, 'ring dropped nothing');
is($st->{skipped}, 0, 'and skipped nothing');

$gw->check_logs;
done_testing();
