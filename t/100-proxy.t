# The OpenAI-compatible proxy path: key injection, model rewrite both ways,
# whole and streamed answers, usage, response headers and log variables.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: a chat completion reaches the provider with its key and model, and comes back with the client's model
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p1:up-model;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
Accept-Encoding: gzip
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- response_body_like: ^\{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":\[\{"index":0,"message":\{"role":"assistant","content":"Hello there"\}
--- response_headers
X-AI-Gateway-Provider: p1
X-AI-Gateway-Attempts: 1
Content-Type: application/json
--- access_log eval
[qr/MOCK POST \/ok\/v1\/chat\/completions args="" auth="Bearer sk-upstream-secret-0123456789"/,
 qr/ae="" ctype="application\/json" body=\{"model":"up-model","messages":\[\{"role":"user","content":"hi"\}\]\}/]
--- no_access_log
sk-client-alice
--- no_error_log
[error]



=== TEST 2: the client's credentials never reach the provider, whatever header carries them
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
x-api-key: sk-client-alice
x-goog-api-key: sk-client-alice
api-key: sk-client-alice
Cookie: session=sk-client-alice
X-Extra: kept
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200
--- access_log eval
qr/MOCK POST \S+ args="" auth="" xkey="" goog="" azure="" version="" extra="kept"/
--- no_access_log
sk-client-alice
--- no_error_log
[error]



=== TEST 3: log variables carry model, provider, key, attempts, tokens and time to first byte
--- http_config
    MOCK
    log_format agw 'GW model=$ai_gateway_model up=$ai_gateway_upstream_model provider=$ai_gateway_provider route=$ai_gateway_route key=$ai_gateway_key_name dialect=$ai_gateway_dialect attempts=$ai_gateway_attempts tokens=$ai_gateway_prompt_tokens/$ai_gateway_completion_tokens cached=$ai_gateway_cached_tokens reasoning=$ai_gateway_reasoning_tokens ttfb=$ai_gateway_ttfb status=$upstream_status';
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1:up-model;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    access_log logs/access.log agw;
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- access_log eval
qr/GW model=gpt-4o up=up-model provider=p1 route=gpt-4o key=alice dialect=openai attempts=1 tokens=11\/3 cached=4 reasoning=1 ttfb=\d+\.\d{3} status=200/
--- no_error_log
[error]



=== TEST 4: a stream reaches the client event by event, with the model rewritten and the usage chunk it did not ask for removed
--- http_config
    MOCK
    log_format agw 'GW tokens=$ai_gateway_prompt_tokens/$ai_gateway_completion_tokens';
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route gpt-4o p1:up-model;
--- config
    access_log logs/access.log agw;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- response_headers
Content-Type: text/event-stream
X-AI-Gateway-Provider: p1
--- response_body eval
qq{data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n}
. qq{data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}\n\n}
. qq{data: [DONE]\n\n}
--- access_log eval
[qr/GW tokens=7\/2/, qr/body=\{"model":"up-model","stream":true,"messages":\[\],"stream_options":\{"include_usage":true\}\}/]
--- no_error_log
[error]



=== TEST 5: a client that asks for include_usage gets the usage chunk
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route gpt-4o p1;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}
--- response_body_like: "choices":\[\],"usage":\{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9\}\}\n\ndata: \[DONE\]\n\n$
--- no_error_log
[error]



=== TEST 6: the first event reaches the client while the provider is still working
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route gpt-4o p1;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions HTTP/1.0
{"model":"gpt-4o","stream":true,"messages":[]}
--- timeout: 800ms
--- abort
--- response_body_like: ^data: \{[^\n]*"content":"Hel"[^\n]*\}\n\n$
--- no_error_log
[error]



=== TEST 7: a stream over HTTP/2 keeps its SSE framing
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route gpt-4o p1;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- http2
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- response_body_like: ^data: \{.*"Hel".*\}\n\ndata: \{.*"lo".*\}\n\ndata: \[DONE\]\n\n$
--- no_error_log
[error]



=== TEST 8: embeddings pass through to an OpenAI provider with the model rewritten both ways
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route text-embedding-3-small p1:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/embeddings
{"model":"text-embedding-3-small","input":"hello"}
--- response_body_like: "model":"text-embedding-3-small","usage":\{"prompt_tokens":5
--- access_log eval
qr/MOCK POST \/ok\/v1\/embeddings .* body=\{"model":"up-model","input":"hello"\}/
--- no_error_log
[error]



=== TEST 9: extra provider headers and an Azure deployment URL with api-key
--- http_config
    MOCK
    ai_gateway_provider az type=azure url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok api_version=2024-10-21 key_env=AGW_TEST_UPSTREAM_KEY header=X-Extra:from-config;
    ai_gateway_route gpt-4o az:my-deployment;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- response_body_like: "model":"gpt-4o"
--- access_log eval
qr/MOCK POST \/ok\/openai\/deployments\/my-deployment\/chat\/completions args="api-version=2024-10-21" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789" version="" extra="from-config"/
--- no_error_log
[error]



=== TEST 10: a stream the provider answers in one read ends cleanly, its last events sent with the end
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1;
    ai_gateway_route gpt-4o p1:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- no_http2
--- response_headers
Transfer-Encoding: chunked
X-AI-Gateway-Provider: p1
--- response_body_like: ^data: \{[^\n]*"model":"gpt-4o"[^\n]*"Hel"[^\n]*\}\n\ndata: \{[^\n]*"model":"gpt-4o"[^\n]*"lo"[^\n]*\}\n\ndata: \[DONE\]\n\n$
--- no_error_log
[error]



=== TEST 11: the same over HTTP/2
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1;
    ai_gateway_route gpt-4o p1:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- http2
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[]}
--- response_body_like: ^data: \{[^\n]*"Hel"[^\n]*\}\n\ndata: \{[^\n]*"lo"[^\n]*\}\n\ndata: \{[^\n]*"choices":\[\],"usage":\{"prompt_tokens":7[^\n]*\}\n\ndata: \[DONE\]\n\n$
--- no_error_log
[error]



=== TEST 12: a stream answered in one read and larger than postpone_output: every event, once, in order
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/wholebig/v1;
    ai_gateway_route gpt-4o p1:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- response_body eval
my $b = '';
for my $c ('{"role":"assistant","content":"Hel"}', (map { "{\"content\":\"w$_ \"}" } 1 .. 15)) {
    $b .= "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
        . "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":$c,"
        . "\"finish_reason\":null}]}\n\n";
}
$b .= "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
    . "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},"
    . "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
$b
--- no_error_log
[error]
