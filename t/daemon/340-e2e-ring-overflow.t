#!/usr/bin/perl
#
# The daemon stopped and more requests made through real nginx than the
# ring holds: nginx answers every one (a full ring never fails or slows a
# request), and once the daemon is back the drop counter equals the rows
# that are missing, to the event.  The health API reports the drops.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $N = 1600;
my $secret = 'sk-e2e-overflow-0123456789';
my $gw = AgwE2E->new(state => 'size=2m', http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    @{[ AgwE2E::static_key('overflow', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

# a first request, stored, so that the ring has moved before the overflow
my $r = $gw->chat(key => $secret);
ok($gw->event($r->{id}), 'daemon drains before it stops');
$gw->stop_daemon;

my $st0 = $gw->ring_stats;
my $cap = $st0->{capacity};
is($cap, 1024, 'a 2m state file holds 1024 events (beside its limits table)');
is($st0->{fill}, 0, 'the ring is empty when the daemon stops');

my $res = $gw->load(n => $N, conc => 4, key => $secret);
is($res->{sent}, $N, "$N requests made with the daemon stopped, more than the ring holds");
is($res->{statuses}{200}, $N, 'nginx answered every one with 200')
    or diag(explain $res->{statuses});

# a client has its answer a moment before the worker's log phase writes
# the event: wait (bounded) until every request is in the ring or counted
my $st1;
for (1 .. 100) {
    $st1 = $gw->ring_stats;
    last if $st1->{fill} + $st1->{dropped} - $st0->{dropped} >= $N;
    select(undef, undef, undef, 0.05);
}
my $dropped = $st1->{dropped} - $st0->{dropped};
is($st1->{fill}, $cap, 'the ring is full');
is($dropped, $N - $cap, "the rest dropped and counted: $dropped");

$gw->start_daemon;
my $rows = $gw->wait_rows("key_name = 'overflow'", 1 + $cap, 10);
is($rows, 1 + $cap, 'every event the ring held is stored');
my $missing = $N + 1 - $rows;
is($st1->{dropped}, $missing, "drop counter $st1->{dropped} = missing rows $missing");

my %stored = map { $_->{request_id} => 1 }
    @{ $gw->rows("SELECT request_id FROM events WHERE key_name = 'overflow'") };
is(scalar(grep { $stored{$_} } @{ $res->{ids} }), $cap,
   'the stored rows are requests the clients made');

my $h = $gw->api(GET => '/api/v1/health');
is($h->{status}, 200, 'health');
like($h->{content}, qr/"dropped":\s*$missing\b/, "health reports $missing dropped")
    or diag($h->{content});

# the ring drained, requests are stored again
$r = $gw->chat(key => $secret);
ok($gw->event($r->{id}), 'after the overflow, new requests are stored again');
is($gw->ring_stats->{dropped}, $missing, 'and the drop counter stays');

$gw->check_logs;
done_testing();
