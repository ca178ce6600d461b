# Failover: every trigger (connect error, timeout, 5xx, 429) moves to the
# next step before a byte reaches the client; other errors do not; when
# every step fails the client gets the last answer unchanged; a provider
# failing again and again cools down; weights choose the first try.
#
# Providers here have fails=0 (no cool-down) unless the block is about
# cool-down, so that blocks stay independent under TEST_NGINX_USE_HUP,
# where the shared health table outlives a reload.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    proxy_connect_timeout 1s;
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
_EOC_
});

run_tests();

__DATA__

=== TEST 1: a connect error moves on to the next step
--- http_config
    MOCK
    ai_gateway_provider dead type=openai url=http://127.0.0.1:1/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m dead good;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- error_log
provider "dead" failed with 502 on try 1 of 2



=== TEST 2: a 500 moves on
--- http_config
    MOCK
    ai_gateway_provider bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e500/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m bad good;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- no_error_log
[error]



=== TEST 3: a 429 moves on, to another account of the same provider
--- http_config
    MOCK
    ai_gateway_provider acct1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e429/v1 fails=0;
    ai_gateway_provider acct2 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m acct1:gpt-4o acct2:gpt-4o;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: acct2
X-AI-Gateway-Attempts: 2
--- access_log eval
[qr/MOCK POST \/e429\/v1\/chat\/completions /,
 qr/MOCK POST \/ok\/v1\/chat\/completions .* body=\{"model":"gpt-4o"/]



=== TEST 4: a read timeout moves on
--- http_config
    MOCK
    ai_gateway_provider slow type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m slow good;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- error_log
provider "slow" failed with 504 on try 1 of 2



=== TEST 5: a 400 is the client's fault: no failover, the answer passes unchanged
--- http_config
    MOCK
    ai_gateway_provider p400 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e400/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m p400 good;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- error_code: 400
--- response_headers
X-AI-Gateway-Provider: p400
X-AI-Gateway-Attempts: 1
--- response_body: {"error":{"message":"bad parameter","type":"invalid_request_error","param":"temperature","code":null}}
--- no_error_log
[error]



=== TEST 6: every step fails: the client gets the last provider's status and body unchanged
--- http_config
    MOCK
    ai_gateway_provider a type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e500/v1 fails=0;
    ai_gateway_provider b type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e429/v1 fails=0;
    ai_gateway_route m a b;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- error_code: 429
--- response_headers
X-AI-Gateway-Provider: b
X-AI-Gateway-Attempts: 2
--- response_body: {"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}



=== TEST 7: no provider answers at all: 502 in OpenAI's shape
--- http_config
    ai_gateway_provider d1 type=openai url=http://127.0.0.1:1/v1 fails=0;
    ai_gateway_provider d2 type=openai url=http://127.0.0.1:2/v1 fails=0;
    ai_gateway_route m d1 d2;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- error_code: 502
--- response_body: {"error":{"message":"The provider did not answer (connection failed) after 2 tries","type":"server_error","param":null,"code":"upstream_unavailable"}}



=== TEST 8: a provider failing 2 times in a row cools down: the third request goes straight to the next step
--- http_config
    MOCK
    ai_gateway_cooldown fails=2 time=60s;
    ai_gateway_provider cool_bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_provider cool_good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m cool_bad cool_good;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /health { ai_gateway health; }
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "GET /health"]
--- response_headers eval
["X-AI-Gateway-Attempts: 2", "X-AI-Gateway-Attempts: 2", "X-AI-Gateway-Attempts: 1", ""]
--- response_body_like eval
["Hello", "Hello", "Hello", '\{"name":"cool_bad","cooling_down":true,"consecutive_failures":2,']



=== TEST 9: without weights the steps are tried in the order written
--- http_config
    MOCK
    ai_gateway_provider a type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/a/v1 fails=0;
    ai_gateway_provider b type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m a b;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\"}", "POST /v1/chat/completions\n{\"model\":\"m\"}",
 "POST /v1/chat/completions\n{\"model\":\"m\"}", "POST /v1/chat/completions\n{\"model\":\"m\"}"]
--- response_headers eval
["X-AI-Gateway-Provider: a", "X-AI-Gateway-Provider: a", "X-AI-Gateway-Provider: a", "X-AI-Gateway-Provider: a"]



=== TEST 10: weight=0 makes a step a fallback only, and provider weight=0 disables a provider
--- http_config
    MOCK
    ai_gateway_provider off type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/a/v1 weight=0;
    ai_gateway_provider a type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/a/v1 fails=0;
    ai_gateway_provider b type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/b/v1 fails=0;
    ai_gateway_route m off weight=5 a weight=0 b weight=1;
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\"}", "POST /v1/chat/completions\n{\"model\":\"m\"}",
 "POST /v1/chat/completions\n{\"model\":\"m\"}", "POST /v1/chat/completions\n{\"model\":\"m\"}"]
--- response_headers eval
["X-AI-Gateway-Provider: b", "X-AI-Gateway-Provider: b", "X-AI-Gateway-Provider: b", "X-AI-Gateway-Provider: b"]



=== TEST 11: a stream whose provider fails before its first byte is saved by the next step
--- http_config
    MOCK
    ai_gateway_provider bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1 fails=0;
    ai_gateway_route m bad good;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"m","stream":true,"messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
Content-Type: text/event-stream
--- response_body_like: "model":"m".*\n\ndata: \[DONE\]\n\n$



=== TEST 12: the main request's $upstream_status lists every try
--- http_config
    MOCK
    log_format tries 'TRIES $upstream_status $upstream_addr';
    ai_gateway_provider bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e500/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m bad good;
--- config
    access_log logs/access.log tries;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- access_log eval
qr/TRIES 500, 200 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+/



=== TEST 13: a 200 whose body ends before its Content-Length moves on: nothing reached the client
--- http_config
    MOCK
    ai_gateway_provider short type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m short good;
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"chatcmpl-cut\",\"object\":\"chat.comp"
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- error_log
provider "short" ended its response early (connection closed)
provider "short" failed with 502 on try 1 of 2



=== TEST 14: a 200 whose chunked body is cut mid-chunk moves on
--- http_config
    MOCK
    ai_gateway_provider chunkcut type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m chunkcut good;
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{\"id\":\"chatcmpl-cut\""
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- error_log
provider "chunkcut" failed with 502 on try 1 of 2



=== TEST 15: a 200 whose body stalls past proxy_read_timeout moves on
--- http_config
    MOCK
    ai_gateway_provider stall type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stallbody/v1 fails=0;
    ai_gateway_provider good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m stall good;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- response_headers
X-AI-Gateway-Provider: good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- error_log
provider "stall" ended its response early (timeout)
provider "stall" failed with 504 on try 1 of 2



=== TEST 16: every step's answer cut short: 504 in the client's dialect, not the partial body
--- http_config
    MOCK
    ai_gateway_provider stall type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stallbody/v1 fails=0;
    ai_gateway_route m stall;
--- config
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 504
--- response_body: {"type":"error","error":{"type":"api_error","message":"The provider ended its answer early (timeout) after 1 try"}}



=== TEST 17: an answer cut short counts for cool-down
--- http_config
    MOCK
    ai_gateway_cooldown fails=1 time=60s;
    ai_gateway_provider cool_cut type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stallbody/v1;
    ai_gateway_provider cool_cut_good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m cool_cut cool_cut_good;
--- config
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /health { ai_gateway health; }
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "GET /health"]
--- response_headers eval
["X-AI-Gateway-Attempts: 2", "X-AI-Gateway-Attempts: 1", ""]
--- response_body_like eval
["Hello", "Hello", '\{"name":"cool_cut","cooling_down":true,"consecutive_failures":1,']



=== TEST 18: a client that gives up before the answer is logged 499, as proxy_pass logs it
--- http_config
    MOCK
    log_format gateway 'GATEWAY status=$status provider=$ai_gateway_provider';
    ai_gateway_provider slow type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/v1 fails=0;
    ai_gateway_route m slow;
--- config
    proxy_read_timeout 5s;
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        # the runner reads no access log without a response: this line
        # goes where --- error_log looks
        access_log logs/error.log gateway;
    }
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- timeout: 500ms
--- abort
--- curl_error: Operation timed out
--- ignore_response
--- wait: 0.5
--- error_log
GATEWAY status=499 provider=slow
--- no_error_log
provider "slow" failed



=== TEST 19: health answers 503 "unavailable" when no route has a provider left to try
--- http_config
    MOCK
    ai_gateway_cooldown fails=1 time=60s;
    ai_gateway_provider hu_bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_route m hu_bad;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /health { ai_gateway health; }
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "GET /health"]
--- error_code eval
[503, 503]
--- response_body_like eval
["overloaded",
 '^\{"status":"unavailable","version":"[^"]+","providers":\[\{"name":"hu_bad","cooling_down":true,"consecutive_failures":1,.*"last_status":503,"cooldown_remaining_ms":\d+,"available":false\}\],"routes":\[\{"model":"m","available":false,"available_steps":0\}\]\}$']



=== TEST 20: readiness is 503 "unavailable" once one route's only provider cools down, though another route serves; liveness stays 200
--- http_config
    MOCK
    ai_gateway_cooldown fails=1 time=60s;
    ai_gateway_provider hd_bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_provider hd_good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m1 hd_bad;
    ai_gateway_route m2 hd_good;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /health { ai_gateway health; }
    location = /live { ai_gateway live; }
--- request eval
["GET /health",
 "POST /v1/chat/completions\n{\"model\":\"m1\",\"messages\":[]}",
 "GET /health",
 "GET /live",
 "POST /v1/chat/completions\n{\"model\":\"m2\",\"messages\":[]}"]
--- error_code eval
[200, 503, 503, 200, 200]
--- response_body_like eval
['^\{"status":"ok",.*"routes":\[\{"model":"m1","available":true,"available_steps":1\},\{"model":"m2","available":true,"available_steps":1\}\]\}$',
 "overloaded",
 '^\{"status":"unavailable","version":"[^"]+","providers":\[\{"name":"hd_bad","cooling_down":true,.*"available":false\},\{"name":"hd_good","cooling_down":false,.*"available":true\}\],"routes":\[\{"model":"m1","available":false,"available_steps":0\},\{"model":"m2","available":true,"available_steps":1\}\]\}$',
 '^\{"status":"ok","version":"[^"]+"\}$',
 "Hello"]



=== TEST 21: liveness answers 200 with nothing configured to try
--- config
    location = /live { ai_gateway live; }
--- request
GET /live
--- error_code: 200
--- response_body_like: ^\{"status":"ok","version":"[^"]+"\}$



=== TEST 22: readiness and liveness in one location is refused at nginx -t
--- config
    location = /health { ai_gateway health live; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"health" \(readiness\) and "live" \(liveness\) need a location each in \S+nginx\.conf:\d+/



=== TEST 23: a route whose first step cools down keeps its fallback: "degraded", 200
--- http_config
    MOCK
    ai_gateway_cooldown fails=1 time=60s;
    ai_gateway_provider hf_bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_provider hf_good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m hf_bad hf_good;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location = /health { ai_gateway health; }
--- request eval
["POST /v1/chat/completions\n{\"model\":\"m\",\"messages\":[]}",
 "GET /health"]
--- error_code eval
[200, 200]
--- response_body_like eval
["Hello",
 '^\{"status":"degraded",.*"routes":\[\{"model":"m","available":true,"available_steps":1\}\]\}$']



=== TEST 24: a provider disabled by weight=0 is not available, and degrades nothing
--- http_config
    MOCK
    ai_gateway_provider hw_off type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 weight=0;
    ai_gateway_provider hw_on type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m hw_off hw_on;
--- config
    location = /health { ai_gateway health; }
--- request
GET /health
--- error_code: 200
--- response_body_like: ^\{"status":"ok","version":"[^"]+","providers":\[\{"name":"hw_off",.*"available":false\},\{"name":"hw_on",.*"available":true\}\],"routes":\[\{"model":"m","available":true,"available_steps":1\}\]\}$



=== TEST 25: a body longer than the header buffer, in two reads, reaches both tries and the log whole
--- http_config
    MOCK
    log_format agw_gw escape=none 'GW body=$request_body';
    ai_gateway_provider bb_bad type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1 fails=0;
    ai_gateway_provider bb_good type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1 fails=0;
    ai_gateway_route m bb_bad bb_good;
--- config
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        access_log logs/access.log agw_gw;
    }
--- raw_request eval
my $body = '{"model":"m","messages":[{"role":"user","content":"'
    . ('x' x 3000) . 'END"}]}';
["POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
 . "Content-Type: application/json\r\nContent-Length: " . length($body)
 . "\r\n\r\n" . substr($body, 0, 500),
 substr($body, 500)]
--- raw_request_middle_delay: 0.1
--- response_headers
X-AI-Gateway-Provider: bb_good
X-AI-Gateway-Attempts: 2
--- response_body_like: "Hello there"
--- access_log eval
[qr{MOCK POST /ok/v1/chat/completions .*body=\{"model":"m","messages":\[\{"role":"user","content":"x{3000}END"\}\]\}$}m,
 qr{GW body=\{"model":"m","messages":\[\{"role":"user","content":"x{3000}END"\}\]\}$}m]
--- no_error_log
[error]
