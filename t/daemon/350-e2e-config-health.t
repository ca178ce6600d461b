#!/usr/bin/perl
#
# /api/v1/config end to end: the providers, routes and static key names
# nginx published (<state>.config.json), each provider with its live
# health from the shared state: a provider failing `fails=` times in a row
# goes into cool-down, the API shows it with its end time, failover skips
# it (one try in the event instead of two), and a reload that changes the
# configuration is published again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use AgwE2E;

AgwE2E::check_prerequisites();

my $secret = 'sk-e2e-config-0123456789';
my $http = <<"_EOC_";
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider flaky type=openai url=MOCK/e500/v1 fails=2 cooldown=60s;
    ai_gateway_provider gone type=openai url=DEAD/v1 fails=1 cooldown=30s;
    ai_gateway_route cool flaky:gpt-4o mock:gpt-4o;
    ai_gateway_route down gone:gpt-4o-mini mock:gpt-4o-mini;
    @{[ AgwE2E::static_key('cfg', $secret, 'cool,down') ]}
_EOC_
my $gw = AgwE2E->new(http => $http);

$gw->start_nginx;
$gw->start_daemon;

sub config {
    my $c = $gw->api(GET => '/api/v1/config');
    is($c->{status}, 200, 'GET /api/v1/config');
    return $c;
}

sub provider {
    my ($c, $name) = @_;
    my ($p) = grep { $_->{name} eq $name } @{ $c->{json}{providers} };
    return $p // {};
}

my $c = config();
ok($c->{json}{loaded}, 'published by nginx');
is_deeply([map { "$_->{name}:$_->{type}:$_->{fails}:$_->{cooldown_ms}" }
           @{ $c->{json}{providers} }],
          ['mock:openai:3:30000', 'flaky:openai:2:60000', 'gone:openai:1:30000'],
          'providers as declared, with their cool-down settings');
is(provider($c, 'mock')->{url}, "http://127.0.0.1:$gw->{mock_port}/ok/v1", 'provider url');
is_deeply([map { my $r = $_; "$r->{model}=" . join ',', map { "$_->{provider}:$_->{model}" } @{ $r->{steps} } }
           @{ $c->{json}{routes} }],
          ['cool=flaky:gpt-4o,mock:gpt-4o', 'down=gone:gpt-4o-mini,mock:gpt-4o-mini'],
          'routes and their steps');
is_deeply($c->{json}{static_keys}, [{ name => 'cfg', models => ['cool', 'down'] }],
          'static key names and models, no hash');
unlike($c->{content}, qr/\Q$secret\E|\Q$AgwE2E::UPSTREAM_KEY\E|sha256/,
       'no secret, no hash');
is(provider($c, $_)->{health}{state}, 'ok', "$_ healthy before any request")
    for qw(mock flaky gone);

# flaky fails twice (fails=2): cool-down; gone once (fails=1): cool-down
my @ev;
for (1 .. 2) {
    my $r = $gw->chat(key => $secret, model => 'cool');
    is($r->{status}, 200, 'cool answered by the fallback');
    push @ev, $gw->event($r->{id});
}
my $t = time;
my $r = $gw->chat(key => $secret, model => 'down');
is($r->{status}, 200, 'down answered by the fallback');
is($gw->event($r->{id})->{attempts}, 2, 'after a refused connection');

$c = config();
my $h = provider($c, 'flaky')->{health};
is($h->{state}, 'cooldown', 'flaky in cool-down after 2 failures in a row');
is($h->{failures}, 2, 'its consecutive failures');
is($h->{last_status}, 500, 'its last status');
ok($h->{cooldown_until_ms} > ($t + 55) * 1000 && $h->{cooldown_until_ms} < ($t + 61) * 1000,
   'cool-down ends 60 s after the failure');
$h = provider($c, 'gone')->{health};
is($h->{state}, 'cooldown', 'gone in cool-down after 1 refused connection');
ok($h->{cooldown_until_ms} < ($t + 31) * 1000, 'for its own 30 s');
$h = provider($c, 'mock')->{health};
is($h->{state}, 'ok', 'mock stays ok');
is($h->{requests}, 3, 'mock: its 3 requests counted');

# the events agree: 2 tries each before the cool-down, 1 try after it
is_deeply([map { $_->{attempts} } @ev], [2, 2], 'before the cool-down: 2 tries');
$r = $gw->chat(key => $secret, model => 'cool');
my $ev = $gw->event($r->{id});
is($ev->{attempts}, 1, 'in cool-down, flaky is skipped: 1 try');
is($ev->{provider}, 'mock', 'mock answered');

# a reload that changes the configuration: published again, health kept
$http =~ s/(ai_gateway_route down)/ai_gateway_route extra mock:gpt-4o;\n    $1/;
$gw->{http} = $http;
$gw->reload_nginx;
ok(AgwE2E::wait_until(sub {
       grep { $_->{model} eq 'extra' } @{ $gw->api(GET => '/api/v1/config')->{json}{routes} }
   }, 5), 'after a reload the new route is published');
is(provider(config(), 'flaky')->{health}{state}, 'cooldown',
   'the cool-down survives the reload (shared state)');

$gw->check_logs;
done_testing();
