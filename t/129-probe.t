# `ai_gateway probe;`: every provider's model list checked through nginx,
# with the provider's key and headers as a try sends them, and an answer
# that says, per provider, the status, the time and the error class, and
# never a key or a URL.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    my $hc = $block->http_config or return;
    $hc =~ s/^\s*PROBE_MOCK\s*$/<<'_EOC_'/me;
    log_format agw_probe escape=none 'PROBE $request_method $uri args="$args" auth="$http_authorization" xkey="$http_x_api_key" azure="$http_api_key" goog="$http_x_goog_api_key" version="$http_anthropic_version" extra="$http_x_extra"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_probe;
        default_type application/json;
        location /e500/ {
            return 500 '{"error":{"message":"upstream exploded","type":"server_error"}}';
        }
        location /e401/ {
            return 401 '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}';
        }
        location / {
            return 200 '{"object":"list","data":[{"id":"m1","object":"model"}]}';
        }
    }
_EOC_
    $block->set_value(http_config => $hc);
});

run_tests();

__DATA__

=== TEST 1: each provider through its internal location, with its key; the answer without a key or URL
--- http_config
    PROBE_MOCK
    ai_gateway_provider oa type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY header=X-Extra:probe-extra;
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1 key_env=AGW_TEST_UPSTREAM_KEY api_version=2023-06-01;
    ai_gateway_provider az type=azure url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/az key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_provider ge type=gemini url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m oa;
--- config
    location = /probe { ai_gateway probe; }
--- request
GET /probe
--- error_code: 200
--- response_body_like eval
qr{^(?!.*sk-upstream)(?!.*127\.0\.0\.1)\{"ok":true,"providers":\[\{"name":"oa","type":"openai","ok":true,"status":200,"answered":true,"latency_ms":\d+,"error":null\},\{"name":"an","type":"anthropic","ok":true,"status":200,"answered":true,"latency_ms":\d+,"error":null\},\{"name":"az","type":"azure","ok":true,"status":200,"answered":true,"latency_ms":\d+,"error":null\},\{"name":"ge","type":"gemini","ok":true,"status":200,"answered":true,"latency_ms":\d+,"error":null\}\]\}$}
--- access_log eval
[qr{^PROBE GET /ok/v1/models args="" auth="Bearer sk-upstream-secret-0123456789" xkey="" azure="" goog="" version="" extra="probe-extra"$},
 qr{^PROBE GET /ok/v1/models args="" auth="" xkey="sk-upstream-secret-0123456789" azure="" goog="" version="2023-06-01" extra=""$},
 qr{^PROBE GET /az/openai/models args="api-version=2024-10-21" auth="" xkey="" azure="sk-upstream-secret-0123456789"},
 qr{^PROBE GET /ok/v1beta/models args="" auth="" xkey="" azure="" goog="sk-upstream-secret-0123456789"}]



=== TEST 2: a 500, a wrong key and a refused connection, each with its class; the client's credentials never sent
--- http_config
    PROBE_MOCK
    ai_gateway_provider broken type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e500/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_provider badkey type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/e401/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_provider dead type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m broken;
--- config
    location = /probe { ai_gateway probe; }
--- more_headers
Authorization: Bearer sk-client-must-not-leave
--- request
GET /probe
--- error_code: 200
--- response_body_like eval
qr{^\{"ok":false,"providers":\[\{"name":"broken","type":"openai","ok":false,"status":500,"answered":true,"latency_ms":\d+,"error":"server"\},\{"name":"badkey","type":"openai","ok":false,"status":401,"answered":true,"latency_ms":\d+,"error":"authentication"\},\{"name":"dead","type":"openai","ok":false,"status":502,"answered":false,"latency_ms":\d+,"error":"bad_gateway"\}\]\}$}
--- no_access_log
sk-client-must-not-leave



=== TEST 3: only GET
--- http_config
    PROBE_MOCK
    ai_gateway_provider oa type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/ok/v1;
    ai_gateway_route m oa;
--- config
    location = /probe { ai_gateway probe; }
--- request
POST /probe
{}
--- error_code: 405
--- no_access_log
PROBE
