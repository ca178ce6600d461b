# Provider and route caps (rpm=, tpm=): a step whose provider is over its
# cap is passed over as one cooling down is; a route over its cap, or a
# request whose every provider is over, is refused with 429 in the
# client's dialect.  Reservations are settled to the real use, so a
# request reserving more than is left of a token cap is passed over, and
# requests that used little leave the cap for the next.
#
# The counts live in the shared state and outlive a reload
# (TEST_NGINX_USE_HUP): every block names its own providers and routes.
# Minute windows: a block starts only with 15 s left in its minute.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

sub same_minute {
    select undef, undef, undef, 0.25 while time % 60 >= 45;
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /anthropic/ { ai_gateway anthropic; ai_gateway_auth off; }
_EOC_

    $block->set_value(init => 'main::same_minute();')
        unless defined $block->init;
});

run_tests();

__DATA__

=== TEST 1: a provider over its requests per minute is passed over
--- http_config
    MOCK
    ai_gateway_provider a1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0 rpm=2;
    ai_gateway_provider b1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m a1 b1;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-AI-Gateway-Provider: a1\nX-AI-Gateway-Attempts: 1",
 "X-AI-Gateway-Provider: a1\nX-AI-Gateway-Attempts: 1",
 "X-AI-Gateway-Provider: b1\nX-AI-Gateway-Attempts: 1"]



=== TEST 2: every provider over its cap: 429 in the client's dialect
--- http_config
    MOCK
    ai_gateway_provider a2 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0 rpm=1;
    ai_gateway_route m a2;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 429]
--- response_body_like eval
["Hello there", "\"code\":\"rate_limit_exceeded\""]



=== TEST 3: a route over its requests per minute is refused, an Anthropic client in its shape
--- http_config
    MOCK
    ai_gateway_provider a3 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m3 a3 rpm=2;
--- more_headers
anthropic-version: 2023-06-01
--- request eval
["POST /anthropic/v1/messages\n{\"model\":\"m3\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "POST /anthropic/v1/messages\n{\"model\":\"m3\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "POST /anthropic/v1/messages\n{\"model\":\"m3\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"]
--- error_code eval
[200, 200, 429]
--- response_body_like eval
["Hello there", "Hello there", "\"type\":\"error\",\"error\":\\{\"type\":\"rate_limit_error\""]



=== TEST 4: a token cap smaller than the reservation passes the provider over
--- http_config
    MOCK
    ai_gateway_provider a4 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0 tpm=4000;
    ai_gateway_provider b4 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m a4 b4;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: b4
--- error_log
provider "a4" skipped, over its tokens_per_minute cap



=== TEST 5: settled reservations give the token cap back: three requests reserving 4100 tokens each fit in 5000
--- http_config
    MOCK
    ai_gateway_provider a5 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0 tpm=5000;
    ai_gateway_provider b5 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m a5 b5;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- response_headers eval
["X-AI-Gateway-Provider: a5", "X-AI-Gateway-Provider: a5",
 "X-AI-Gateway-Provider: a5"]
--- no_error_log
skipped, over its



=== TEST 6: a failed try counts as a request to its provider, and the next try goes on
--- http_config
    MOCK
    ai_gateway_provider a6 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e500/v1 fails=0 rpm=1;
    ai_gateway_provider b6 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m a6 b6;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- response_headers eval
["X-AI-Gateway-Provider: b6\nX-AI-Gateway-Attempts: 2",
 "X-AI-Gateway-Provider: b6\nX-AI-Gateway-Attempts: 1"]



=== TEST 7: bad caps are named at their line
--- http_config
    ai_gateway_provider a7 type=openai url=http://127.0.0.1:1/v1 rpm=0;
    ai_gateway_route m a7;
--- config
    location /v1/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "rpm=0": a positive number expected in .*nginx\.conf:\d+/



=== TEST 8: the metrics page counts what each cap admitted and refused
--- http_config
    MOCK
    ai_gateway_provider a8 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0 rpm=1;
    ai_gateway_provider b8 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m8 a8 b8 rpm=5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /metrics { ai_gateway_metrics; }
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m8\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m8\",\"messages\":[]}",
 "GET /metrics"]
--- response_body_like eval
["Hello there", "Hello there",
 qr/^ai_gateway_limit_admitted_total\{kind="provider",name="a8"\} 1\n.*^ai_gateway_limit_admitted_total\{kind="route",name="m8"\} 2\n.*^ai_gateway_limit_refused_total\{kind="provider",name="a8"\} 1\n.*^ai_gateway_limit_refused_total\{kind="route",name="m8"\} 0\n.*^ai_gateway_limit_in_flight\{kind="route",name="m8"\} 0$/sm]



=== TEST 9: a state file too small for its limits table is named at its line
--- http_config
    ai_gateway_state $TEST_NGINX_SERVER_ROOT/logs/small.state size=64k limits=1024;
    ai_gateway_provider a9 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m a9;
--- config
    location /v1/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*state size 65536 too small: the limits table and two events of the capture size need \d+ in .*nginx\.conf:\d+/



=== TEST 10: limits= out of range is named at its line
--- http_config
    ai_gateway_state $TEST_NGINX_SERVER_ROOT/logs/l.state limits=8;
    ai_gateway_provider a10 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m a10;
--- config
    location /v1/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid "limits=8", 16 to 65536 entries in .*nginx\.conf:\d+/
