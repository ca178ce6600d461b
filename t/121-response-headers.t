# Which of a provider's response headers reach the client when nothing is
# translated (same dialect): only what a client of that dialect reads
# (request ids, rate limits, retry hints), never hop-by-hop headers, the
# provider's authentication challenges, its cookies or its account names.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

# the mock provider: a whole answer and a stream, each with every kind of
# header a provider (or a proxy in front of it) may send
add_block_preprocessor(sub {
    my $block = shift;
    my $hc = $block->http_config or return;
    my $headers = join '', map { "            add_header $_ always;\n" } (
        'WWW-Authenticate \'Bearer realm="provider"\'',
        'Proxy-Authenticate \'Basic realm="proxy"\'',
        'Upgrade h2c', 'Trailer X-Checksum', 'TE trailers',
        'Keep-Alive timeout=5', 'Proxy-Connection keep-alive',
        'Set-Cookie __cf_bm=provider-session', 'Alt-Svc \'h3=":443"\'',
        'Strict-Transport-Security max-age=31536000',
        'openai-organization org-gateway-owner',
        'anthropic-organization-id org-gateway-owner',
        'X-Internal-Route node-7',
        'X-Request-Id req_openai_1', 'request-id req_anthropic_1',
        'x-ratelimit-remaining-requests 99',
        'anthropic-ratelimit-tokens-remaining 1000',
        'Retry-After 3', 'retry-after-ms 3000', 'x-should-retry false',
        'openai-processing-ms 12');
    $hc =~ s/^\s*HEADERS_MOCK\s*$/<<"_EOC_"/me;
    server {
        listen 127.0.0.1:\$TEST_NGINX_MOCK_PORT;
        location /whole/ {
$headers            default_type application/json;
            return 200 '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}';
        }
        location /stream/ {
$headers            default_type text/event-stream;
            return 200 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"hi"},"finish_reason":"stop"}]}\\n\\ndata: [DONE]\\n\\n';
        }
    }
_EOC_
    $block->set_value(http_config => $hc);
});

run_tests();

__DATA__

=== TEST 1: a whole answer keeps the request id, rate limits and retry hints, nothing else of the provider's
--- http_config
    HEADERS_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- response_headers
X-Request-Id: req_openai_1
x-ratelimit-remaining-requests: 99
Retry-After: 3
retry-after-ms: 3000
x-should-retry: false
openai-processing-ms: 12
Content-Type: application/json
!WWW-Authenticate
!Proxy-Authenticate
!Upgrade
!Trailer
!TE
!Keep-Alive
!Proxy-Connection
!Set-Cookie
!Alt-Svc
!Strict-Transport-Security
!openai-organization
!X-Internal-Route
--- response_body_like: "model":"gpt-4o"
--- no_error_log
[error]



=== TEST 2: a stream keeps the same headers, and only those
--- http_config
    HEADERS_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_headers
X-Request-Id: req_openai_1
x-ratelimit-remaining-requests: 99
Retry-After: 3
Content-Type: text/event-stream
!WWW-Authenticate
!Proxy-Authenticate
!Upgrade
!Trailer
!TE
!Keep-Alive
!Proxy-Connection
!Set-Cookie
!Alt-Svc
!Strict-Transport-Security
!openai-organization
!X-Internal-Route
--- response_body_like: data: \[DONE\]
--- no_error_log
[error]



=== TEST 3: an anthropic client of an anthropic provider keeps request-id and anthropic-ratelimit-*
--- http_config
    HEADERS_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:up;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages/count_tokens
{"model":"claude","messages":[{"role":"user","content":"hi"}]}
--- response_headers
request-id: req_anthropic_1
anthropic-ratelimit-tokens-remaining: 1000
Retry-After: 3
!anthropic-organization-id
!WWW-Authenticate
!Upgrade
!Set-Cookie
!X-Internal-Route
--- no_error_log
[error]



=== TEST 4: a translated answer carries none of the provider's headers
--- http_config
    HEADERS_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/whole/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:up;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- response_headers
!X-Request-Id
!x-ratelimit-remaining-requests
!WWW-Authenticate
!Upgrade
--- response_body_like: "type":"message"
--- no_error_log
[error]
