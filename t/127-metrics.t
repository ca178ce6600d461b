# Prometheus metrics served by nginx (`ai_gateway_metrics`): requests,
# tries, tokens and cost by key, model, provider, dialect, endpoint and
# status class, the histograms, provider health, the ring, and nginx -t's
# errors.  t/metrics-prometheus.t has a real Prometheus scrape them.
#
# The mock answers 11 prompt tokens (4 cached) and 3 completion tokens (1
# reasoning); at input=1000 output=2000 USD per million (no cache_read
# price: cached input at the input price) a request costs 11 * 1000 +
# 3 * 2000 = 17000 micro-USD.
#
# Each block sets its own ai_gateway_metrics_series, so that under
# TEST_NGINX_USE_HUP it gets a zone of its own (the name carries the bound)
# instead of the counts of the blocks before it.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai anthropic; }
    location = /metrics { ai_gateway_metrics; }
_EOC_
});

our $Keys = <<'_EOC_';
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key bob sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709;
_EOC_

# every line given must be in the page, as given (a block has either
# response_body_like or _unlike: what must not be there is a (?!...) after)
sub lines_in_page {
    return '(?sm)\A' . join('', map { '(?=.*^' . quotemeta($_) . '$)' } @_);
}

sub series {
    my ($key, $model, $dialect, $endpoint, $extra) = @_;
    return "{key=\"$key\",model=\"$model\",provider=\"good\","
        . "dialect=\"$dialect\",endpoint=\"$endpoint\",status=\"2xx\""
        . ($extra // '') . "}";
}

run_tests();

__DATA__

=== TEST 1: requests, tries, tokens and cost by key, model, dialect and endpoint
--- http_config eval
"    MOCK
    ai_gateway_metrics_series 101;
    ai_gateway_price m1 input=1000 output=2000;
    ai_gateway_price m2 input=1000 output=2000;
    ai_gateway_provider bad type=openai url=http://127.0.0.1:\$TEST_NGINX_MOCK_PORT/e500/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:\$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m1 good;
    ai_gateway_route m2 bad good;
$::Keys"
--- more_headers eval
["Authorization: Bearer sk-client-alice", "Authorization: Bearer sk-client-alice",
 "Authorization: Bearer sk-client-bob", "x-api-key: sk-client-alice", ""]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m1\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m1\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m2\",\"messages\":[]}",
 "POST /v1/messages\n{\"model\":\"m1\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "GET /metrics"]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
["", "", "X-AI-Gateway-Attempts: 2", "", "Content-Type: text/plain; version=0.0.4; charset=utf-8"]
--- response_body_like eval
["", "", "", "",
 main::lines_in_page(
    '# TYPE ai_gateway_requests_total counter',
    'ai_gateway_requests_total' . main::series('alice', 'm1', 'openai', 'chat') . ' 2',
    'ai_gateway_requests_total' . main::series('alice', 'm1', 'anthropic', 'messages') . ' 1',
    'ai_gateway_requests_total' . main::series('bob', 'm2', 'openai', 'chat') . ' 1',
    'ai_gateway_tries_total' . main::series('bob', 'm2', 'openai', 'chat') . ' 2',
    'ai_gateway_failovers_total' . main::series('bob', 'm2', 'openai', 'chat') . ' 1',
    'ai_gateway_failovers_total' . main::series('alice', 'm1', 'openai', 'chat') . ' 0',
    'ai_gateway_cost_usd_total' . main::series('alice', 'm1', 'openai', 'chat') . ' 0.034000',
    'ai_gateway_cost_usd_total' . main::series('bob', 'm2', 'openai', 'chat') . ' 0.017000',
    'ai_gateway_tokens_total' . main::series('alice', 'm1', 'openai', 'chat', ',type="input"') . ' 22',
    'ai_gateway_tokens_total' . main::series('alice', 'm1', 'openai', 'chat', ',type="output"') . ' 6',
    'ai_gateway_tokens_total' . main::series('alice', 'm1', 'openai', 'chat', ',type="cached"') . ' 8',
    'ai_gateway_tokens_total' . main::series('alice', 'm1', 'openai', 'chat', ',type="reasoning"') . ' 2',
    'ai_gateway_request_duration_seconds_count{model="m1",provider="good"} 3',
    'ai_gateway_request_duration_seconds_bucket{model="m1",provider="good",le="+Inf"} 3',
    'ai_gateway_time_to_first_byte_seconds_count{model="m2",provider="good"} 1',
    'ai_gateway_provider_tries_total{provider="bad"} 1',
    'ai_gateway_provider_failures_total{provider="bad"} 1',
    'ai_gateway_provider_consecutive_failures{provider="bad"} 1',
    'ai_gateway_provider_cooling_down{provider="bad"} 0',
    'ai_gateway_metrics_series{table="requests"} 3',
    'ai_gateway_metrics_series_limit{table="requests"} 101',
    'ai_gateway_metrics_folded_total{table="requests"} 0')]
--- no_error_log
[error]



=== TEST 2: refused requests count by status class; the model label is the route, never the model asked
--- http_config eval
"    MOCK
    ai_gateway_metrics_series 102;
    ai_gateway_provider good type=openai url=http://127.0.0.1:\$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m1 good;
$::Keys"
--- more_headers eval
["Authorization: Bearer sk-wrong", "Authorization: Bearer sk-client-bob", ""]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m1\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"no-such-model-x\",\"messages\":[]}",
 "GET /metrics"]
--- error_code eval
[401, 404, 200]
--- response_body_like eval
["", "",
 main::lines_in_page(
    'ai_gateway_requests_total{key="",model="",provider="",dialect="openai",endpoint="chat",status="4xx"} 1',
    'ai_gateway_requests_total{key="bob",model="",provider="",dialect="openai",endpoint="chat",status="4xx"} 1',
    'ai_gateway_metrics_series{table="requests"} 2')
 . '(?!.*no-such-model-x)']
--- no_http2



=== TEST 3: with a state file, the ring's counters; the page needs no daemon
--- http_config eval
"    MOCK
    ai_gateway_metrics_series 103;
    ai_gateway_state \$TEST_NGINX_SERVER_ROOT/logs/metrics.state size=1m;
    ai_gateway_provider good type=openai url=http://127.0.0.1:\$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m1 good;
$::Keys"
--- more_headers eval
["Authorization: Bearer sk-client-alice", ""]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m1\",\"messages\":[]}", "GET /metrics"]
--- response_body_like eval
["",
 main::lines_in_page(
    '# TYPE ai_gateway_ring_fill gauge',
    'ai_gateway_ring_events_dropped_total 0',
    'ai_gateway_ring_events_skipped_total 0',
    'ai_gateway_daemon_last_drain_timestamp_seconds 0.000',
    'ai_gateway_requests_total' . main::series('alice', 'm1', 'openai', 'chat') . ' 1')
 . '(?=.*^ai_gateway_ring_capacity [1-9])(?=.*^ai_gateway_ring_events_produced_total [1-9])']
--- no_error_log
[error]



=== TEST 4: only GET and HEAD
--- http_config
    ai_gateway_metrics_series 104;
--- request
POST /metrics
x
--- error_code: 405
--- no_http2



=== TEST 5: without a state file, no ring series (nobody drains that ring)
--- http_config
    ai_gateway_metrics_series 105;
--- request
GET /metrics
--- response_body_like: (?sm)\A(?!.*ai_gateway_ring_)(?=.*^ai_gateway_metrics_series_limit\{table="requests"\} 105$)



=== TEST 6: ai_gateway_metrics takes no argument
--- config
    location = /metrics { ai_gateway_metrics on; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid number of arguments in "ai_gateway_metrics" directive in \S+nginx\.conf:\d+/



=== TEST 7: ai_gateway_metrics after ai_gateway in one location
--- config
    location /v1/ { ai_gateway openai; ai_gateway_metrics; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ai_gateway_metrics" directive cannot share a location with another content handler .* in \S+nginx\.conf:\d+/



=== TEST 8: ai_gateway after ai_gateway_metrics in one location: the line of ai_gateway is named
--- config
    location /v1/ { ai_gateway_metrics; ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ai_gateway" cannot share a location with "ai_gateway_metrics" in \S+nginx\.conf:\d+/



=== TEST 9: a series bound out of range
--- http_config
    ai_gateway_metrics_series 3;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "ai_gateway_metrics_series" value "3", from 16 to 1048576 in \S+nginx\.conf:\d+/



=== TEST 10: a second ai_gateway_metrics_series
--- http_config
    ai_gateway_metrics_series 100;
    ai_gateway_metrics_series 200;
--- must_die
--- error_log eval
qr/\[emerg\] .*"ai_gateway_metrics_series" directive is duplicate in \S+nginx\.conf:\d+/



=== TEST 11: past the series bound, new label sets count under __other__, and are counted as folded
--- http_config eval
"    MOCK
    ai_gateway_metrics_series 16;
    ai_gateway_provider good type=openai url=http://127.0.0.1:\$TEST_NGINX_MOCK_PORT/ok/v1;
" . CORE::join('', map { "    ai_gateway_route m$_ good;\n" } 1 .. 18)
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /metrics { ai_gateway_metrics; }
--- request eval
[(map { "POST /v1/chat/completions\n{\"model\":\"m$_\",\"messages\":[]}" } 1 .. 18, 1),
 "GET /metrics"]
--- response_body_like eval
[("") x 19,
 main::lines_in_page(
    'ai_gateway_requests_total{key="",model="m1",provider="good",dialect="openai",endpoint="chat",status="2xx"} 2',
    'ai_gateway_requests_total{key="",model="m16",provider="good",dialect="openai",endpoint="chat",status="2xx"} 1',
    'ai_gateway_requests_total{key="__other__",model="__other__",provider="__other__",dialect="__other__",endpoint="__other__",status="__other__"} 2',
    'ai_gateway_request_duration_seconds_count{model="__other__",provider="__other__"} 2',
    'ai_gateway_metrics_series{table="requests"} 16',
    'ai_gateway_metrics_folded_total{table="requests"} 2',
    'ai_gateway_metrics_folded_total{table="histograms"} 2')
 . '(?!.*model="m17")']
