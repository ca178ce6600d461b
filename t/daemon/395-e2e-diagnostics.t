#!/usr/bin/perl
#
# GET /api/v1/diagnostics/providers: the daemon asks the gateway's
# `ai_gateway probe;` location, which checks every provider's model list
# with its key, and passes the answer on: per provider the status, the
# time and the error class, never a key; admin only; a clear 503 when the
# probe URL is not configured; no usage event for a probe.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use AgwE2E;

AgwE2E::check_prerequisites();

my $models_port = AgwE2E::free_port();

my $gw = AgwE2E->new(
    locations => 'location = /ai-gateway/probe { allow 127.0.0.1; '
               . 'deny all; ai_gateway probe; }',
    http => <<"_EOC_");
    log_format models 'MODELS \$uri auth="\$http_authorization"';
    server {
        listen 127.0.0.1:$models_port;
        access_log logs/models.log models;
        default_type application/json;
        location /bad/ { return 401 '{"error":{"message":"Incorrect API key"}}'; }
        location / { return 200 '{"object":"list","data":[]}'; }
    }
    ai_gateway_provider good type=openai url=http://127.0.0.1:$models_port/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider badkey type=openai url=http://127.0.0.1:$models_port/bad/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider refused type=openai url=DEAD/v1;
    ai_gateway_route gpt-4o good:gpt-4o refused:gpt-4o;
_EOC_

$gw->start_nginx;
my $probe = 'http://127.0.0.1:' . $gw->{gw_port} . '/ai-gateway/probe';
$gw->start_daemon('--gateway-probe-url', $probe);

my $before = $gw->scalar_sql('SELECT count(*) FROM events');

my $r = $gw->api(GET => '/api/v1/diagnostics/providers');
is($r->{status}, 200, 'the check answers') or diag $r->{content};
my $j = $r->{json} // {};
is($j->{ok}, JSON::PP::false, 'not every provider is well');
my %p = map { $_->{name} => $_ } @{ $j->{providers} // [] };
is_deeply([ map { $_->{name} } @{ $j->{providers} // [] } ],
          [qw(good badkey refused)], 'every provider, in order');
is($p{good}{status}, 200, 'good: 200');
ok($p{good}{ok} && !defined $p{good}{error}, 'good: ok, no error');
is($p{badkey}{status}, 401, 'a wrong key: the provider\'s 401');
is($p{badkey}{error}, 'authentication', 'classed');
ok($p{badkey}{answered}, 'the provider answered');
is($p{refused}{status}, 502, 'a refused connection: 502');
ok(!$p{refused}{answered}, 'that no provider answered');
is($p{refused}{error}, 'bad_gateway', 'classed');
ok(!(grep { !defined $_->{latency_ms} || $_->{latency_ms} < 0 } values %p),
   'each with its latency');
ok($j->{checked_at_ms} > 0 && defined $j->{took_ms}, 'when, and how long');
unlike($r->{content}, qr/\Q$AgwE2E::UPSTREAM_KEY\E|127\.0\.0\.1/,
       'no key and no URL in the answer');
like(AgwE2E::slurp($gw->dir . '/logs/models.log'),
     qr{^MODELS /ok/v1/models auth="Bearer \Q$AgwE2E::UPSTREAM_KEY\E"$}m,
     'the provider was asked with its key, by nginx');

# the command
{
    local $ENV{AGW_ADMIN_TOKEN} = $AgwE2E::TOKEN;
    my $out = `python3 "$AgwE2E::ROOT/scripts/check-providers" http://127.0.0.1:$gw->{api_port} 2>&1`;
    is($? >> 8, 1, 'scripts/check-providers: exit 1, a provider fails');
    like($out, qr/^good\s+openai\s+200\s+\d+ ms\s+ok$/m, 'a line for the good one');
    like($out, qr/^badkey\s+openai\s+401\s+\d+ ms\s+authentication$/m,
         'the wrong key');
    like($out, qr/^refused\s+openai\s+502\s+\d+ ms\s+bad_gateway \(no answer\)$/m,
         'the refused one');
    unlike($out, qr/\Q$AgwE2E::UPSTREAM_KEY\E/, 'no key');
}

my $anon = HTTP::Tiny->new->get(
    'http://127.0.0.1:' . $gw->{api_port} . '/api/v1/diagnostics/providers');
is($anon->{status}, 401, 'admin only');

# a request after the probe: once its event is stored, a probe's would be
# too (the ring keeps the order)
is($gw->chat(model => 'gpt-4o')->{status}, 401, 'a request without a key');
$gw->wait_rows('1', $before + 1);
is($gw->scalar_sql('SELECT count(*) FROM events'), $before + 1,
   'a probe makes no usage event, the request after it does');

$gw->stop_daemon;
$gw->start_daemon;
$r = $gw->api(GET => '/api/v1/diagnostics/providers');
is($r->{status}, 503, 'without gateway-probe-url: 503');
is($r->{json}{error}{code}, 'not_configured', 'saying what to set');

$gw->stop_nginx;
$gw->stop_daemon;
$gw->start_daemon('--gateway-probe-url', $probe);
$r = $gw->api(GET => '/api/v1/diagnostics/providers');
is($r->{status}, 502, 'the gateway down: 502');
is($r->{json}{error}{code}, 'gateway_unreachable', 'said so');

$gw->check_logs;
done_testing();
