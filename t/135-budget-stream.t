# A budget crossed in the middle of a stream.  The request reserved its
# worst case (here the key's output cap, 10 tokens); the provider sends
# far more, and as the engine translates it the request's running cost
# (usage so far, output estimated from the client events' bytes: a token
# per 16 bytes at most) grows its reservation.  When that would pass the
# key's budget the stream ends with the client dialect's error event, or
# finishes when the key says budget_stream=finish; either way what it
# used is counted.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwLimits;

no_shuffle();

limits_blocks(<<'_EOC_', <<'_EOC2_');
    ai_gateway_provider big type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/wholebig/v1 key_env=AGW_TEST_UPSTREAM_KEY api=chat;
    ai_gateway_route m big;
    ai_gateway_price m input=0 output=1000;
_EOC_
    location /v1/ { ai_gateway openai; }
    location /anthropic/ { ai_gateway anthropic; }
    location /v1beta/ { ai_gateway gemini; }
_EOC2_

run_tests();

__DATA__

=== TEST 1: an OpenAI stream crossing the budget ends with the error event, without [DONE]
--- init
# 10 output tokens reserved (10000 micro-USD) fit in 50000; the stream's
# 2 KB of events are worth more than 50 tokens
main::publish_keys(['sk-s1', 'k-s1', { budget_total => 50000 },
                    { max_output_tokens => 10 }]);
--- more_headers
Authorization: Bearer sk-s1
--- request
POST /v1/chat/completions
{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: "Hel".*"budget_exceeded".*\z
--- response_body_unlike: \[DONE\]
--- error_log
stream of key "k-s1" crossed its budget_total, ended



=== TEST 2: what it used is counted, and the next request is refused
--- init
my $e = main::limits_of('key', 'k-s1');
main::is($e && $e->{reserved_cost}, 0, 'nothing left reserved');
main::ok($e && $e->{spend_total} > 0, 'the stream was charged');
main::is($e && $e->{concurrent}, 0, 'none in flight');
--- more_headers
Authorization: Bearer sk-s1
--- request
POST /v1/chat/completions
{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_body_like: insufficient_quota



=== TEST 3: an Anthropic client gets its own error event
--- init
main::publish_keys(['sk-s3', 'k-s3', { budget_day => 50000 },
                    { max_output_tokens => 10 }]);
--- more_headers
x-api-key: sk-s3
anthropic-version: 2023-06-01
--- request
POST /anthropic/v1/messages
{"model":"m","stream":true,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: event: error\ndata: \{"type":"error","error":\{"type":"rate_limit_error"
--- response_body_unlike: message_stop



=== TEST 4: budget_stream=finish lets the stream end as the provider ends it
--- init
main::publish_keys(['sk-s4', 'k-s4', { budget_total => 50000 },
                    { max_output_tokens => 10,
                      budget_stream => '"finish"' }]);
--- more_headers
Authorization: Bearer sk-s4
--- request
POST /v1/chat/completions
{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: "w15 ".*\[DONE\]
--- response_body_unlike: budget_exceeded
--- error_log
stream of key "k-s4" crossed its budget_total, left to finish



=== TEST 5: a Gemini client's stream ends with its error
--- init
main::publish_keys(['sk-s5', 'k-s5', { budget_total => 50000 },
                    { max_output_tokens => 10 }]);
--- more_headers
x-goog-api-key: sk-s5
--- request
POST /v1beta/models/m:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 200
--- response_body_like: "error":\{"code":429,.*"status":"RESOURCE_EXHAUSTED"
--- response_body_unlike: "finishReason":"STOP"



=== TEST 6: a Responses client's stream ends with its error event
--- init
main::publish_keys(['sk-s6', 'k-s6', { budget_total => 50000 },
                    { max_output_tokens => 10 }]);
--- more_headers
Authorization: Bearer sk-s6
--- request
POST /v1/responses
{"model":"m","stream":true,"input":"hi"}
--- error_code: 200
--- response_body_like: event: (error|response\.failed)\n.*budget
--- response_body_unlike: response\.completed
