# What a client is told of its key's limits, in each dialect: the 429 in
# its provider's shape, Retry-After and retry-after-ms, x-should-retry,
# and the rate-limit headers its SDKs read, on refusals and on admitted
# requests alike (docs/configuration.md, "Answers").
#
# Each block names its own key (counts live in the shared state and
# outlive a reload under TEST_NGINX_USE_HUP).  Minute windows: a block
# starts only with 15 s left in its minute.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwLimits qw(same_minute);

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai anthropic; }
    location /v1beta/ { ai_gateway gemini; }
_EOC_

    $block->set_value(init => 'AgwLimits::same_minute();')
        unless defined $block->init;
});

run_tests();

__DATA__

=== TEST 1: OpenAI: the admitted request carries x-ratelimit-*, the next is a 429 typed "requests" with Retry-After
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k1 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=1;
--- more_headers
Authorization: Bearer sk-client-alice
--- request eval
["POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"]
--- error_code eval
[200, 429]
--- response_headers_like eval
["x-ratelimit-limit-requests: 1\nx-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: (\\d+m)?\\d+s\nRetry-After: \nanthropic-ratelimit-requests-limit: ",
 "x-ratelimit-limit-requests: 1\nx-ratelimit-remaining-requests: 0\nx-ratelimit-reset-requests: (\\d+m)?\\d+s\nRetry-After: ([1-9]|[1-5]\\d|60)\nretry-after-ms: \\d+\nx-should-retry: true\nContent-Type: application/json"]
--- response_body_like eval
["Hello there",
 qr/^\{"error":\{"message":"This key has reached its limit of requests per minute\. Please try again in (1m0s|\d+s)\.","type":"requests","param":null,"code":"rate_limit_exceeded"\}\}$/]



=== TEST 2: Anthropic: anthropic-ratelimit-* with RFC 3339 resets, the refusal a rate_limit_error
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k2 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=1 tpm=100000;
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request eval
["POST /v1/messages\n{\"model\":\"gpt-4o\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
 "POST /v1/messages\n{\"model\":\"gpt-4o\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"]
--- error_code eval
[200, 429]
--- response_headers_like eval
["anthropic-ratelimit-requests-limit: 1\nanthropic-ratelimit-requests-remaining: 0\nanthropic-ratelimit-requests-reset: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\nanthropic-ratelimit-tokens-limit: 100000\nanthropic-ratelimit-tokens-remaining: \\d+\nanthropic-ratelimit-tokens-reset: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\nx-ratelimit-limit-requests: ",
 "anthropic-ratelimit-requests-limit: 1\nanthropic-ratelimit-requests-remaining: 0\nRetry-After: \\d+\nretry-after-ms: \\d+\nx-should-retry: true"]
--- response_body_like eval
["Hello there",
 qr/^\{"type":"error","error":\{"type":"rate_limit_error","message":"This key has reached its limit of requests per minute\. Please try again in (1m0s|\d+s)\."\}\}$/]



=== TEST 3: Gemini: RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo, Retry-After, no rate-limit headers
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k3 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=1;
--- more_headers
x-goog-api-key: sk-client-alice
--- request eval
["POST /v1beta/models/gpt-4o:generateContent\n{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}",
 "POST /v1beta/models/gpt-4o:generateContent\n{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}"]
--- error_code eval
[200, 429]
--- response_headers_like eval
["x-ratelimit-limit-requests: \nanthropic-ratelimit-requests-limit: ",
 "Retry-After: \\d+\nretry-after-ms: \\d+\nx-should-retry: true\nx-ratelimit-limit-requests: "]
--- response_body_like eval
["Hello there",
 qr/^\{"error":\{"code":429,"message":"This key has reached its limit of requests per minute\. Please try again in (1m0s|\d+s)\.","status":"RESOURCE_EXHAUSTED","details":\[\{"\@type":"type\.googleapis\.com\/google\.rpc\.QuotaFailure","violations":\[\{"quotaId":"requests_per_minute"\}\]\},\{"\@type":"type\.googleapis\.com\/google\.rpc\.RetryInfo","retryDelay":"\d+(\.\d{3})?s"\}\]\}\}$/]



=== TEST 4: Responses: the refusal in OpenAI's error object, with x-ratelimit-*
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai api=chat url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k4 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=1;
--- more_headers
Authorization: Bearer sk-client-alice
--- request eval
["POST /v1/responses\n{\"model\":\"gpt-4o\",\"input\":\"hi\"}",
 "POST /v1/responses\n{\"model\":\"gpt-4o\",\"input\":\"hi\"}"]
--- error_code eval
[200, 429]
--- response_headers_like eval
["x-ratelimit-limit-requests: 1\nx-ratelimit-remaining-requests: 0",
 "x-ratelimit-limit-requests: 1\nx-ratelimit-remaining-requests: 0\nRetry-After: \\d+\nx-should-retry: true"]
--- response_body_like eval
["Hello there",
 qr/^\{"error":\{"message":"This key has reached its limit of requests per minute\. Please try again in (1m0s|\d+s)\.","type":"requests","param":null,"code":"rate_limit_exceeded"\}\}$/]



=== TEST 5: a total budget spent: insufficient_quota, no Retry-After, and SDKs told not to retry
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_price gpt-4o input=2.5 output=10;
    ai_gateway_key k5 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c budget_total=0.000001;
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_headers
!Retry-After
!retry-after-ms
x-should-retry: false
--- response_body chomp
{"error":{"message":"This key has used its total budget.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}



=== TEST 6: a total budget spent, a Gemini client: RESOURCE_EXHAUSTED without RetryInfo
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_price gpt-4o input=2.5 output=10;
    ai_gateway_key k6 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c budget_total=0.000001;
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1beta/models/gpt-4o:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":100}}
--- error_code: 429
--- response_headers
!Retry-After
x-should-retry: false
--- response_body chomp
{"error":{"code":429,"message":"This key has used its total budget.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"budget_total"}]}]}}



=== TEST 7: a key with limits gets its own x-ratelimit-*, not the provider account's
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k7 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=5;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /v1/chat/completions {
            add_header x-ratelimit-limit-requests 10000;
            add_header x-ratelimit-remaining-requests 9999;
            add_header x-request-id req_upstream_1;
            default_type application/json;
            return 200 '{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';
        }
    }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_headers
x-ratelimit-limit-requests: 5
x-ratelimit-remaining-requests: 4
x-request-id: req_upstream_1
--- raw_response_headers_unlike: (10000|9999)
--- response_body_like: Hello there



=== TEST 8: a key without limits: the provider's x-ratelimit-* pass as before
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key k8 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /v1/chat/completions {
            add_header x-ratelimit-limit-requests 10000;
            default_type application/json;
            return 200 '{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';
        }
    }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_headers
x-ratelimit-limit-requests: 10000



=== TEST 9: a stream of a limited key carries the key's headers, after a failed try too
--- http_config
    MOCK
    ai_gateway_provider bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e500/v1 fails=0;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1;
    ai_gateway_route gpt-4o bad p1;
    ai_gateway_key k9 sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=5 tpm=100000;
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_headers
X-AI-Gateway-Attempts: 2
x-ratelimit-limit-requests: 5
x-ratelimit-remaining-requests: 4
x-ratelimit-limit-tokens: 100000
--- response_headers_like
x-ratelimit-remaining-tokens: \d+
x-ratelimit-reset-tokens: (\d+m)?\d+s
--- response_body_like: data: \[DONE\]
