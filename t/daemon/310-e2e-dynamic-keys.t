#!/usr/bin/perl
#
# Dynamic keys end to end, timed: a key created through the admin API
# works in nginx within a second without a reload, a revoked or expired
# one stops within a second, static keys of nginx.conf keep working beside
# them, and with the daemon killed nginx keeps serving with the last
# snapshot, across an nginx reload too.  Every request of a dynamic key is
# recorded under that key's id and name.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use AgwE2E;

AgwE2E::check_prerequisites();

my $static = 'sk-e2e-static-ops-0123456789';
my $gw = AgwE2E->new(state => 'size=1m', http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    @{[ AgwE2E::static_key('ops', $static) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

# Requests every 10 ms until one answers $want; the seconds it took from
# $t0, or undef after 3 s.
sub time_until {
    my ($key, $want, $t0) = @_;
    while (time - $t0 < 3) {
        return time - $t0 if $gw->chat(key => $key)->{status} == $want;
        sleep 0.01;
    }
    return undef;
}

# Eight requests in a row, so that both workers are seen to agree.
sub statuses {
    my ($key) = @_;
    my %st;
    $st{ $gw->chat(key => $key)->{status} }++ for 1 .. 8;
    return join ',', sort keys %st;
}

is(statuses($static), '200', 'static key works');

# Created: usable at once.
my $t0 = time;
my $c = $gw->api(POST => '/api/v1/keys', { name => 'dyn-e2e' });
is($c->{status}, 201, 'key created through the API') or diag($c->{content});
my ($secret, $id) = ($c->{json}{secret}, $c->{json}{key}{id});
my $took = time_until($secret, 200, $t0);
ok(defined $took && $took < 1, sprintf 'created key works in nginx after %.3f s (< 1 s), no reload', $took // -1);
is(statuses($secret), '200', 'on every worker');
is(statuses($static), '200', 'static key still works beside it');

my $r = $gw->chat(key => $secret);
my $ev = $gw->event($r->{id});
is($ev->{key_id}, $id, 'its events carry the key id from the API');
is($ev->{key_name}, 'dyn-e2e', 'and its name');
unlike(join(' ', map { $_ // '' } values %$ev), qr/\Q$secret\E/, 'never its secret');

# Revoked: refused within a second.
$t0 = time;
my $d = $gw->api(DELETE => "/api/v1/keys/$id");
is($d->{status}, 200, 'revoked through the API');
$took = time_until($secret, 401, $t0);
ok(defined $took && $took < 1, sprintf 'revoked key refused after %.3f s (< 1 s)', $took // -1);
is(statuses($secret), '401', 'on every worker');
is(statuses($static), '200', 'static key unaffected');

# Expired: refused within a second of its expiry, with no daemon action.
my $expires = int(time) + 2;
my $e = $gw->api(POST => '/api/v1/keys', { name => 'short-lived',
                                           expires_at => $expires });
my $short = $e->{json}{secret};
is(statuses($short), '200', 'key with an expiry works before it');
sleep $expires - time if $expires > time;
$took = time_until($short, 401, $expires);
ok(defined $took && $took < 1, sprintf 'refused %.3f s after its expiry (< 1 s)', $took // -1);
is(statuses($short), '401', 'on every worker');

# The daemon killed: the last snapshot keeps serving, revocations too.
my $k = $gw->api(POST => '/api/v1/keys', { name => 'survivor' });
my $survivor = $k->{json}{secret};
is(statuses($survivor), '200', 'another key works');
$gw->stop_daemon('KILL');
is(statuses($survivor), '200', 'daemon killed: its keys still work');
is(statuses($secret), '401', 'its revocations still hold');
is(statuses($static), '200', 'static keys too');

# ...and across an nginx reload, new workers read the same snapshot.
$gw->reload_nginx;
sleep 0.5;
is(statuses($survivor), '200', 'after nginx -s reload, daemon still down: dynamic key works');
is(statuses($secret), '401', 'revoked key still refused');
is(statuses($static), '200', 'static key works');

# The daemon back: every request above is a row, under its key.
$gw->start_daemon;
my $n = $gw->wait_rows("key_name = 'survivor'", 24, 10);
is($n, 24, 'the survivor\'s requests made while the daemon was down are stored');
$t0 = time;
$gw->api(DELETE => "/api/v1/keys/$k->{json}{key}{id}");
$took = time_until($survivor, 401, $t0);
ok(defined $took && $took < 1, sprintf 'daemon back: revocation reaches the new workers after %.3f s', $took // -1);

$gw->check_logs;
done_testing();
