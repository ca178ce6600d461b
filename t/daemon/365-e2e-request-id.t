#!/usr/bin/perl
#
# The event's request id.  When nothing in the configuration refers to
# $request_id, the module does not pay for nginx's 16 fresh random bytes
# per request: the id is a worker's random prefix and a counter, in the
# same 32-hex form, and it fills $request_id's cache so that a later
# reader sees the same value.  When the configuration uses $request_id
# (a log_format here), the event carries exactly nginx's value.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $secret = 'sk-e2e-rid-secret-0123456789';
my $http = <<"_EOC_";
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    @{[ AgwE2E::static_key('rid', $secret) ]}
_EOC_

# 1. Nothing uses $request_id: prefix + counter.
my $gw = AgwE2E->new(no_request_id => 1, workers => 1, http => $http);
$gw->start_nginx;
$gw->start_daemon;

for my $i (1 .. 4) {
    my $r = $gw->chat(key => $secret, model => 'gpt-4o', content => "n$i");
    is($r->{status}, 200, "request $i answered");
    ok(!exists $r->{headers}{'x-request-id'}, 'no X-Request-Id header');
}
is($gw->wait_rows("key_name = 'rid'", 4), 4, 'four events stored');

my @ids = map { $_->{request_id} }
          @{ $gw->rows("SELECT request_id FROM events WHERE key_name = 'rid' "
                       . "ORDER BY seq") };
is(scalar(grep { /^[0-9a-f]{32}$/ } @ids), 4, 'every id is 32 hex digits');
my %prefix = map { substr($_, 0, 16) => 1 } @ids;
is(scalar(keys %prefix), 1, 'one worker, one random prefix');
my @n = map { hex(substr($_, 16)) } @ids;
is_deeply([map { $n[$_] - $n[0] } 0 .. 3], [0, 1, 2, 3],
          'the counter part counts the requests');
isnt(substr($ids[0], 0, 16), '0' x 16, 'the prefix is not zero');

# 2. A log_format uses $request_id: the event has nginx's own value.
my $gw2 = AgwE2E->new(no_request_id => 1, workers => 1,
                      access_log => 'RID $request_id', http => $http);
$gw2->start_nginx;
$gw2->start_daemon;
my $r = $gw2->chat(key => $secret, model => 'gpt-4o');
is($r->{status}, 200, 'answered with $request_id in the access log');
is($gw2->wait_rows("key_name = 'rid'", 1), 1, 'its event stored');
my $ev = $gw2->rows("SELECT request_id FROM events WHERE key_name = 'rid'")
         ->[0];
AgwE2E::wait_until(sub { $gw2->access_log =~ /^RID \S+$/m }, 3);
my ($logged) = ($gw2->access_log =~ /^RID (\S+)$/m);
like($logged // '', qr/^[0-9a-f]{32}$/, 'the access log has a request id');
is($ev->{request_id}, $logged, 'the event carries the access log\'s id');

done_testing();
