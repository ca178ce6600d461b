# A key's limits (dynamic keys with a policy, as the daemon publishes
# them): requests per minute, hour and day, tokens, output tokens and
# budgets, in each client dialect, streamed and not; the rate-limit
# headers of admitted requests; counts that a reload or a restart keeps.
#
# The state file lives outside the server root (AgwLimits), so the blocks
# share it, through restarts and under TEST_NGINX_USE_HUP through reloads:
# every block uses keys of its own.  Minute windows reset without waiting
# a minute in t/unit/test_limits.c, whose clock the test drives.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwLimits;

no_shuffle();

limits_blocks(<<'_EOC_', <<'_EOC2_');
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_provider ps type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p1;
    ai_gateway_route ms ps;
    ai_gateway_price m input=0 output=1000;
_EOC_
    location /v1/ { ai_gateway openai; }
    location /anthropic/ { ai_gateway anthropic; }
    location /v1beta/ { ai_gateway gemini; }
_EOC2_

run_tests();

__DATA__

=== TEST 1: requests per minute, an OpenAI client: the headers count down, the third is refused
--- init
main::publish_keys(['sk-rpm', 'k-rpm', { requests_per_minute => 2 }]);
main::same_minute();
--- more_headers
Authorization: Bearer sk-rpm
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 200, 429]
--- response_headers eval
["x-ratelimit-limit-requests: 2\nx-ratelimit-remaining-requests: 1",
 "x-ratelimit-limit-requests: 2\nx-ratelimit-remaining-requests: 0",
 "x-ratelimit-limit-requests: 2\nx-ratelimit-remaining-requests: 0"]
--- response_body_like eval
["Hello there", "Hello there", "\"code\":\"rate_limit_exceeded\""]



=== TEST 2: requests per hour, an Anthropic client, streamed
--- init
main::publish_keys(['sk-rph', 'k-rph', { requests_per_hour => 1 }]);
main::same_minute();
--- more_headers
x-api-key: sk-rph
anthropic-version: 2023-06-01
--- request eval
["POST /anthropic/v1/messages\n{\"model\":\"ms\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "POST /anthropic/v1/messages\n{\"model\":\"ms\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"]
--- error_code eval
[200, 429]
--- response_headers eval
["anthropic-ratelimit-requests-limit: 1\nanthropic-ratelimit-requests-remaining: 0",
 "anthropic-ratelimit-requests-limit: 1"]
--- response_body_like eval
["event: message_stop", "\"type\":\"rate_limit_error\""]



=== TEST 3: requests per day, a Gemini client
--- init
main::publish_keys(['sk-rpd', 'k-rpd', { requests_per_day => 1 }]);
--- more_headers
x-goog-api-key: sk-rpd
--- request eval
["POST /v1beta/models/m:generateContent\n{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}",
 "POST /v1beta/models/m:generateContent\n{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}"]
--- error_code eval
[200, 429]
--- response_body_like eval
["Hello there", "RESOURCE_EXHAUSTED"]



=== TEST 4: output tokens per day smaller than a request's worst case: refused before any try
--- init
main::publish_keys(['sk-out', 'k-out', { output_tokens_per_day => 4000 }]);
--- more_headers
Authorization: Bearer sk-out
--- request
POST /v1/chat/completions
{"model":"m","messages":[],"user":"block-4"}
--- error_code: 429
--- no_access_log
block-4



=== TEST 5: a total budget: reserved before, settled after; the third request would pass it and is refused as out of quota
--- init
# a request reserves 4096 output tokens at 1000 micro-USD each and
# spends 3 of them: 4096 + 3 fits in the budget, 4096 + 6 does not
main::publish_keys(['sk-budget', 'k-budget', { budget_total => 4100500 }]);
--- more_headers
Authorization: Bearer sk-budget
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 200, 429]
--- response_body_like eval
["Hello there", "Hello there", "insufficient_quota"]



=== TEST 6: what the table holds of it: spend exact, nothing left reserved or in flight
--- init
my $e = main::limits_of('key', 'k-budget');
main::is($e && $e->{spend_total}, 6000, 'two requests spent 3 output tokens each');
main::is($e && $e->{reserved_cost}, 0, 'no reservation left');
main::is($e && $e->{concurrent}, 0, 'none in flight');
main::is($e && $e->{requests}, 2, 'two admitted');
main::is($e && $e->{refused}, 1, 'one refused');
main::same_minute(30);
main::publish_keys(['sk-reload', 'k-reload', { requests_per_minute => 3 }]);
--- more_headers
Authorization: Bearer sk-reload
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 200]



=== TEST 7: a reload (or a restart) in between keeps the minute's count: one more is admitted, then refused
--- http_config
    MOCK
    ai_gateway_state $TEST_NGINX_LIMITS_STATE size=1m;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p1;
--- init
main::publish_keys(['sk-reload', 'k-reload', { requests_per_minute => 3 }]);
--- more_headers
Authorization: Bearer sk-reload
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 429]



=== TEST 8: a static key's limits from nginx.conf: counted, and shown as static with its limits
--- http_config
    MOCK
    ai_gateway_state $TEST_NGINX_LIMITS_STATE size=1m;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=1 budget_day=2.50;
    ai_gateway_key bob sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709 rpm=5;
--- init
main::same_minute();
--- more_headers
Authorization: Bearer sk-client-alice
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 429]



=== TEST 9: the table shows alice as a static key with her limits, and bob who made no request
--- init
my $e = main::limits_of('key', 'alice');
main::is($e && $e->{static}, 1, 'static');
main::is($e && $e->{rpm}, '1/1', 'one request this minute, of one');
main::is($e && $e->{refused}, 1, 'one refused');
$e = main::limits_of('key', 'bob');
main::is($e && $e->{static}, 1, 'a static key is listed before any request');
main::is($e && $e->{rpm}, '0/5', 'with its limits');
--- request
GET /v1/models
--- error_code: 401



=== TEST 10: the reservation is the cap the request's body carries: asking 10 fits in 50 a day, the key's 100 set on a request asking none does not
--- init
main::publish_keys(['sk-cap', 'k-cap', { output_tokens_per_day => 50 },
                    { max_output_tokens => 100 }]);
--- more_headers
Authorization: Bearer sk-cap
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"max_tokens\":10,\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}"]
--- error_code eval
[200, 429]
