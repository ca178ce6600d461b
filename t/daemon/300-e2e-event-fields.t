#!/usr/bin/perl
#
# Every field of the usage event, produced by real nginx and stored by the
# real daemon, checked against what the request did: a plain answer, a
# stream (time to first byte, usage from the last chunk), a stream the
# provider ends with its own error event (its class kept), a failover over
# a refused connection and a 500 (each try with its outcome), an
# Anthropic client on an OpenAI provider, a 500 passed through, a 401, the
# key's name and never its secret, and the cost with
# cached and reasoning tokens at the shipped conf/prices.json prices and at
# an ai_gateway_price override, the same in $ai_gateway_cost.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use Time::HiRes qw(time);
use AgwE2E;

AgwE2E::check_prerequisites();

my $secret = 'sk-e2e-alice-secret-0123456789';
my $wrong = 'sk-e2e-wrong-secret-9876543210';

my $gw = AgwE2E->new(
    access_log => 'E2E $request_id len=$request_length sent=$bytes_sent '
                . 'time=$request_time cost=$ai_gateway_cost',
    http => <<"_EOC_");
    ai_gateway_prices $AgwE2E::ROOT/conf/prices.json;
    ai_gateway_price priced input=2 output=8 cache_read=0.5 reasoning=20;
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider mockstream type=openai url=MOCK/stream/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider broken type=openai url=MOCK/e500/v1 fails=0;
    ai_gateway_provider refused type=openai url=DEAD/v1 fails=0;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_route qwen mock:dashscope/qwen-turbo;
    ai_gateway_route priced mock:gpt-4o;
    ai_gateway_route streamed mockstream:gpt-4o;
    ai_gateway_provider midlimit type=openai url=MOCK/midlimit/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route midlimit midlimit:gpt-4o;
    ai_gateway_route failover refused:gpt-4o broken:gpt-4o mock:gpt-4o;
    ai_gateway_route allbad broken:gpt-4o;
    @{[ AgwE2E::static_key('alice', $secret) ]}
_EOC_

$gw->start_nginx;
$gw->start_daemon;

# the access log line of a request: what nginx itself counted
sub logged {
    my ($id) = @_;
    my %f;
    AgwE2E::wait_until(sub {
        %f = $gw->access_log
             =~ /^E2E \Q$id\E len=(\d+) sent=(\d+) time=(\S+) cost=(\S+)$/m
             ? (len => $1, sent => $2, ms => $3 * 1000, cost => $4) : ();
        %f }, 3);
    return \%f;
}

sub attempts {
    my ($row) = @_;
    return [map { "$_->{provider}:$_->{status}:$_->{error_class}" }
            @{ decode_json($row->{attempt_list}) }];
}

# 1. A whole answer: every field.
my $t0 = time;
my $r = $gw->chat(key => $secret, model => 'gpt-4o');
my $t1 = time;
is($r->{status}, 200, 'plain request answered');
my $ev = $gw->event($r->{id});
ok($ev, 'plain request: exactly one row, found by its request id')
    or BAIL_OUT('no event stored: ' . $gw->daemon_log);
my $log = logged($r->{id});

is($ev->{request_id}, $r->{id}, 'request id is nginx\'s $request_id');
cmp_ok($ev->{time_ms}, '>=', int($t0 * 1000) - 1000, 'time: not before the request');
cmp_ok($ev->{time_ms}, '<=', int($t1 * 1000) + 1000, 'time: not after the answer');
is($ev->{key_name}, 'alice', 'client key by name');
is($ev->{dialect}, 'openai', 'client dialect');
is($ev->{model}, 'gpt-4o', 'model asked');
is($ev->{route}, 'gpt-4o', 'route');
is($ev->{provider}, 'mock', 'provider that answered');
is($ev->{upstream_model}, 'gpt-4o', 'upstream model');
is($ev->{status}, 200, 'status');
is($ev->{error_class}, 'none', 'no error class');
is($ev->{stream}, 0, 'not a stream');
is($ev->{attempts}, 1, 'one attempt');
is_deeply(attempts($ev), ['mock:200:none'], 'its outcome');
ok(abs($ev->{latency_ms} - $log->{ms}) <= 1,
   "latency $ev->{latency_ms} ms = nginx \$request_time $log->{ms} ms");
# nginx reads a clock cached once per event loop turn: a few ms of slack
cmp_ok($ev->{latency_ms}, '<=', int(($t1 - $t0) * 1000) + 50,
       'latency no longer than the client waited');
ok($ev->{ttfb_ms} >= 0 && $ev->{ttfb_ms} <= $ev->{latency_ms},
   "ttfb $ev->{ttfb_ms} ms within latency $ev->{latency_ms} ms");
is_deeply([@$ev{qw(prompt_tokens completion_tokens cached_tokens
                   reasoning_tokens)}], [1000, 500, 400, 200],
          'prompt / completion / cached / reasoning tokens as the provider said');
is($ev->{bytes_in}, $log->{len}, 'bytes in = nginx $request_length');
is($ev->{bytes_out}, $log->{sent}, 'bytes out = nginx $bytes_sent');
cmp_ok($ev->{bytes_out}, '>', length $r->{content}, 'bytes out include the body');
is($ev->{client_addr}, '127.0.0.1', 'client address');
is($ev->{cache_status}, 'none', 'no gateway cache');
ok(!defined $ev->{req_body} && !defined $ev->{resp_body},
   'no bodies captured by default');

# gpt-4o in conf/prices.json: $2.50 input, $1.25 cached input, $10 output
# (and reasoning, no price of its own) per million tokens:
# 600 * 2.5 + 400 * 1.25 + 500 * 10 = 7000 micro-USD
is($ev->{cost_micro_usd}, 7000, 'cost at the shipped gpt-4o price, cached tokens at the cache price');
is($log->{cost}, '0.007000', '$ai_gateway_cost says the same');

# 2. A model with a reasoning price and no cached price of its own
# (dashscope/qwen-turbo: $0.05 input, $0.20 output, $0.50 reasoning):
# 1000 * 0.05 + 300 * 0.20 + 200 * 0.50 = 210 micro-USD
$r = $gw->chat(key => $secret, model => 'qwen');
$ev = $gw->event($r->{id});
is($ev->{upstream_model}, 'dashscope/qwen-turbo', 'upstream model rewritten');
is($ev->{cost_micro_usd}, 210, 'cost: reasoning tokens at their own price, cached at the input price');
is(logged($r->{id})->{cost}, '0.000210', '$ai_gateway_cost the same');

# 3. ai_gateway_price wins over the table for its route's model:
# 600 * 2 + 400 * 0.5 + 300 * 8 + 200 * 20 = 7800 micro-USD
$r = $gw->chat(key => $secret, model => 'priced');
$ev = $gw->event($r->{id});
is($ev->{upstream_model}, 'gpt-4o', 'override route sends gpt-4o');
is($ev->{cost_micro_usd}, 7800, 'cost at the ai_gateway_price override, not the table');
is(logged($r->{id})->{cost}, '0.007800', '$ai_gateway_cost the same');

# 4. A stream: first chunk at once, the rest 300 ms later, usage last.
$t0 = time;
$r = $gw->chat(key => $secret, model => 'streamed', stream => 1);
is($r->{status}, 200, 'stream answered');
like($r->{content}, qr/data: \[DONE\]\n\n\z/, 'stream complete');
$ev = $gw->event($r->{id});
is($ev->{stream}, 1, 'stream flag');
is($ev->{provider}, 'mockstream', 'stream provider');
cmp_ok($ev->{latency_ms}, '>=', 300, "stream latency $ev->{latency_ms} ms covers the provider's pause");
ok($ev->{ttfb_ms} >= 0 && $ev->{ttfb_ms} <= $ev->{latency_ms} - 250,
   "time to first byte $ev->{ttfb_ms} ms: the first chunk, before the pause");
is_deeply([@$ev{qw(prompt_tokens completion_tokens cached_tokens
                   reasoning_tokens)}], [1000, 500, 400, 200],
          'stream usage from its last chunk');
is($ev->{cost_micro_usd}, 7000, 'stream cost');
is($ev->{bytes_out}, logged($r->{id})->{sent}, 'stream bytes out = $bytes_sent');
my ($last) = grep { $_->{choices} && @{ $_->{choices} }
                    && $_->{choices}[0]{finish_reason} }
    map { decode_json($_) } grep { /\S/ }
    split /\n/, AgwE2E::fixture('openai-chat/stream-include-usage.chunks.jsonl');
is($ev->{response_model}, $last->{model},
   'stream: the model the provider named in its chunks');
is($ev->{finish_reason}, $last->{choices}[0]{finish_reason},
   'stream: the finish reason of its last chunk');

# 4b. A stream the provider ends with its own error event: the event's
# class is the provider's (rate limit), not just "bad gateway".
$r = $gw->chat(key => $secret, model => 'midlimit', stream => 1);
is($r->{status}, 200, 'stream started before the error');
like($r->{content}, qr/Rate limit reached/, 'the client got the error event');
unlike($r->{content}, qr/\[DONE\]/, 'and no [DONE]');
$ev = $gw->event($r->{id});
is($ev->{error_class}, 'rate_limit',
   'error class: the rate limit the provider reported mid-stream');
is($ev->{finish_reason}, '', 'a stream cut by an error has no finish reason');

# 5. Failover: a refused connection, a 500, then an answer.
$r = $gw->chat(key => $secret, model => 'failover');
is($r->{status}, 200, 'failover answered');
is($r->{headers}{'x-ai-gateway-attempts'}, 3, 'after 3 tries');
$ev = $gw->event($r->{id});
is($ev->{attempts}, 3, 'failover: 3 attempts');
my $tries = attempts($ev);
is($tries->[0], 'refused:502:bad_gateway', 'try 1: connection refused, 502, bad gateway');
is($tries->[1], 'broken:500:server', 'try 2: 500, server error');
is($tries->[2], 'mock:200:none', 'try 3: 200');
is($ev->{provider}, 'mock', 'the provider that answered');
is($ev->{status}, 200, 'failover status');
is($ev->{error_class}, 'none', 'failover: no error class in the end');
is($ev->{prompt_tokens}, 1000, 'failover usage from the answer');

# 5b. An Anthropic client on the OpenAI provider: the client's dialect,
# the usage translated, the same cost.
$r = $gw->chat(key => $secret, anthropic => 1, body => encode_json({
    model => 'gpt-4o', max_tokens => 100,
    messages => [{ role => 'user', content => 'hi' }] }));
is($r->{status}, 200, 'Anthropic Messages request answered');
like($r->{content}, qr/"type":"message"/, 'in Anthropic\'s shape');
$ev = $gw->event($r->{id});
is($ev->{dialect}, 'anthropic', 'client dialect anthropic');
is($ev->{key_name}, 'alice', 'key from x-api-key, by name');
is_deeply([@$ev{qw(prompt_tokens completion_tokens cached_tokens
                   reasoning_tokens)}], [1000, 500, 400, 200],
          'usage read from the provider\'s dialect');
is($ev->{cost_micro_usd}, 7000, 'same cost');
my $answer = decode_json(AgwE2E::fixture('openai-chat/response-text.json'));
is($ev->{response_model}, $answer->{model},
   'translated: the model the provider answered with, not the one asked');
is($ev->{finish_reason}, 'stop', 'translated: its finish reason');

# 6. Every step fails: the provider's 500 is the answer.
$r = $gw->chat(key => $secret, model => 'allbad');
is($r->{status}, 500, 'all steps failed: 500');
$ev = $gw->event($r->{id});
is($ev->{status}, 500, 'event status 500');
is($ev->{error_class}, 'server', 'error class server');
is_deeply(attempts($ev), ['broken:500:server'], 'its one try');
is($ev->{response_model}, '', 'a failed answer names no model');
is($ev->{finish_reason}, '', 'nor a finish reason');
is($ev->{cost_micro_usd}, -1, 'no usage, no cost');

# 7. A wrong key: 401, and the secret it tried is nowhere.
$r = $gw->chat(key => $wrong, model => 'gpt-4o');
is($r->{status}, 401, 'wrong key: 401');
$ev = $gw->event($r->{id});
ok($ev, '401 stored as an event');
is($ev->{status}, 401, 'event status 401');
is($ev->{error_class}, 'authentication', 'error class authentication');
is($ev->{key_name}, '', 'no key name');
is($ev->{attempts}, 0, 'no try');

# 8. No secret anywhere: not in the database, not in the ring's bytes.
my $dump = `sqlite3 "$gw->{db}" .dump 2>&1`;
like($dump, qr/alice/, 'database dump readable');
for my $s ($secret, $wrong, $AgwE2E::UPSTREAM_KEY) {
    unlike($dump, qr/\Q$s\E/, "no secret in the database (${\ substr($s, 0, 10)}...)");
    unlike(AgwE2E::slurp($gw->{state_file}), qr/\Q$s\E/,
           "nor in the state file (${\ substr($s, 0, 10)}...)");
}

# 9. The API serves the same event, with its tries.
my $id = $gw->scalar_sql("SELECT id FROM events WHERE model = 'failover'");
my $api = $gw->api(GET => "/api/v1/logs/$id");
is($api->{status}, 200, 'GET /api/v1/logs/{seq}');
is($api->{json}{model}, 'failover', 'the API shows the stored event')
    or diag($api->{content});
is_deeply([map { "$_->{provider}:$_->{status}" } @{ $api->{json}{attempt_list} }],
          ['refused:502', 'broken:500', 'mock:200'], 'with its tries');
is($api->{json}{key}, 'alice', 'and the key by name');

is($gw->scalar_sql('SELECT count(*) FROM events'), 9,
   'nine requests, nine rows');

$gw->check_logs;
done_testing();
