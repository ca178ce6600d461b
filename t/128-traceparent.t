# W3C trace context through the gateway: a client's valid traceparent is
# continued (the provider gets the same trace-id under a parent-id of the
# gateway's own, one per try), an invalid one is replaced and never
# forwarded, and without one the gateway starts a trace.  The mock provider
# logs the traceparent and tracestate it received.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $hc = $block->http_config or return;
    $hc =~ s/^\s*TRACE_MOCK\s*$/<<'_EOC_'/me;
    log_format agw_tp escape=none 'TP $uri tp="$http_traceparent" ts="$http_tracestate"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_tp;
        default_type application/json;
        location /e500/ {
            return 500 '{"error":{"message":"upstream exploded","type":"server_error","param":null,"code":null}}';
        }
        location / {
            return 200 '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}';
        }
    }
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1 fails=0;
    ai_gateway_provider bad type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500/v1 fails=0;
    ai_gateway_route m p:up;
    ai_gateway_route twice bad:up p:up;
_EOC_
    $block->set_value(http_config => $hc);
    $block->set_value(config =>
        'location /v1/ { ai_gateway openai; ai_gateway_auth off; }')
        unless defined $block->config;
    $block->set_value(request => "POST /v1/chat/completions\n"
        . '{"model":"m","messages":[{"role":"user","content":"hi"}]}')
        unless defined $block->request;
});

run_tests();

__DATA__

=== TEST 1: a client's traceparent goes on: same trace-id, the gateway's parent-id, the flags, and its tracestate
--- http_config
    TRACE_MOCK
--- more_headers
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
tracestate: vendor=abc
--- error_code: 200
--- access_log eval
qr{TP /ok/v1/chat/completions tp="00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01" ts="vendor=abc"$}
--- no_access_log
00f067aa0ba902b7



=== TEST 2: not sampled stays not sampled
--- http_config
    TRACE_MOCK
--- more_headers
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00
--- error_code: 200
--- access_log eval
qr{TP /ok/v1/chat/completions tp="00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-00"}



=== TEST 3: an invalid traceparent (upper case) is replaced by a new trace, and its tracestate dropped
--- http_config
    TRACE_MOCK
--- more_headers
traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01
tracestate: vendor=abc
--- error_code: 200
--- access_log eval
qr{TP /ok/v1/chat/completions tp="00-(?!00000000000000000000000000000000)[0-9a-f]{32}-(?!0000000000000000)[0-9a-f]{16}-01" ts=""$}
--- no_access_log eval
[qr{4bf92f3577b34da6a3ce929d0e0e4736}i, qr{00f067aa0ba902b7}i, qr{vendor=abc}]



=== TEST 4: an all-zero trace-id is invalid too
--- http_config
    TRACE_MOCK
--- more_headers
traceparent: 00-00000000000000000000000000000000-00f067aa0ba902b7-01
--- error_code: 200
--- access_log eval
qr{TP /ok/v1/chat/completions tp="00-(?!00000000000000000000000000000000)[0-9a-f]{32}-[0-9a-f]{16}-01"}
--- no_access_log
00f067aa0ba902b7



=== TEST 5: without a traceparent the gateway starts a trace, sampled
--- http_config
    TRACE_MOCK
--- error_code: 200
--- access_log eval
qr{TP /ok/v1/chat/completions tp="00-(?!00000000000000000000000000000000)[0-9a-f]{32}-(?!0000000000000000)[0-9a-f]{16}-01" ts=""$}



=== TEST 6: a failover's two tries carry the client's trace, each under a parent-id of the gateway's
--- http_config
    TRACE_MOCK
--- request
POST /v1/chat/completions
{"model":"twice","messages":[{"role":"user","content":"hi"}]}
--- more_headers
traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
--- error_code: 200
--- access_log eval
[qr{TP /e500/v1/chat/completions tp="00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01"},
 qr{TP /ok/v1/chat/completions tp="00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01"}]



=== TEST 7: proxy_set_header in the try location replaces the try's own headers: one of each reaches the provider
--- http_config
    log_format agw_raw escape=json 'RAW $echo_client_request_headers';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_raw;
        default_type application/json;
        location / {
            return 200 '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"up","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}';
        }
    }
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route m p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        proxy_pass $ai_gateway_upstream_url;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header traceparent "00-11111111111111111111111111111111-2222222222222222-01";
        proxy_set_header Content-Type "application/json; charset=utf-8";
        proxy_set_header Authorization "Bearer sk-override";
    }
--- error_code: 200
--- access_log eval
[qr{RAW .*traceparent: 00-11111111111111111111111111111111-2222222222222222-01\\r\\n}i,
 qr{RAW .*Content-Type: application/json; charset=utf-8\\r\\n}i,
 qr{RAW .*Authorization: Bearer sk-override\\r\\n}i]
--- no_access_log eval
[qr{traceparent: 00-(?!1{32})}i,
 qr{Content-Type: application/json\\r}i,
 qr{sk-upstream-secret}]
