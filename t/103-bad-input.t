# Bad input, from the client or from the provider: a clear error in the
# client's dialect, no [error] in the log when the client is at fault, and
# never a crashed worker or a hung connection.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_route * p1;
_EOC_

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /a/v1/ { ai_gateway anthropic; ai_gateway_auth off; }
_EOC_

    # a client fault never logs an error, and no worker ever dies
    $block->set_value(no_error_log => "[error]\n[alert]\nexited on signal")
        unless defined $block->no_error_log || defined $block->error_log;
});

# Blocks that check HTTP/1.1 on the wire, and blocks answered before their
# body is read, stay on HTTP/1.1 (--- no_http2): over HTTP/2, nginx ends
# such a stream with RST_STREAM NO_ERROR after the answer, and curl (7.88,
# what Test::Nginx sends HTTP/2 with) then drops the answer when it had not
# sent the whole body yet.
run_tests();

__DATA__

=== TEST 1: a body that is not JSON
--- request
POST /v1/chat/completions
model=gpt-4o
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"The request body is not a valid JSON object \(at byte 0\)","type":"invalid_request_error","param":null,"code":"invalid_json"\}\}$



=== TEST 2: a truncated JSON body
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":
--- error_code: 400
--- response_body_like: "code":"invalid_json"



=== TEST 3: a JSON body that is not an object
--- request
POST /v1/chat/completions
["gpt-4o"]
--- error_code: 400
--- response_body_like: "message":"The request body is not a valid JSON object \(at byte 0\)"



=== TEST 4: no model
--- request
POST /v1/chat/completions
{"messages":[]}
--- error_code: 400
--- response_body_like: "message":"The request has no \\"model\\"".*"code":"invalid_model"



=== TEST 5: a model that is not a string
--- request
POST /v1/chat/completions
{"model":42,"messages":[]}
--- error_code: 400
--- response_body_like: "message":"\\"model\\" must be a string"



=== TEST 6: CR and LF in the model (it would reach URLs and headers)
--- request
POST /v1/chat/completions
{"model":"gpt-4o\r\nX-Injected: 1","messages":[]}
--- error_code: 400
--- response_body_like: must be 1 to 255 printable characters



=== TEST 7: a model name of 300 characters
--- request eval
"POST /v1/chat/completions\n{\"model\":\"" . ("m" x 300) . "\",\"messages\":[]}"
--- error_code: 400
--- response_body_like: must be 1 to 255 printable characters



=== TEST 8: an empty body
--- request
POST /v1/chat/completions
--- error_code: 400
--- response_body_like: The request body is empty



=== TEST 9: JSON nested 100000 deep is refused, not recursed into
--- request eval
"POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"x\":" . ("[" x 100000) . ("]" x 100000) . "}"
--- error_code: 400
--- response_body_like: "code":"invalid_json"



=== TEST 10: invalid UTF-8 in a string
--- request eval
"POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}"
--- error_code: 400
--- response_body_like: "code":"invalid_json"



=== TEST 11: a 1 MB string within the limits passes through
--- request eval
"POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"" . ("x" x 1000000) . "\"}]}"
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 12: a chunked body over the limit is refused after reading
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 100; }
--- raw_request eval
my $b = '{"model":"gpt-4o","messages":[{"role":"user","content":"' . ('y' x 92) . '"}]}';
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s\r\n0\r\n\r\n", length($b), $b)
--- error_code: 413
--- response_body_like: "code":"request_too_large"



=== TEST 13: a chunked body within the limit is read
--- raw_request eval
my $b = '{"model":"gpt-4o","messages":[]}';
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s\r\n0\r\n\r\n", length($b), $b)
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 14: Expect: 100-continue
--- more_headers
Expect: 100-continue
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- no_http2
--- error_code: 100
--- response_body_like: ^HTTP/1.1 200 OK\r\n.*"Hello there"



=== TEST 15: GET on a POST endpoint is 405 in the client's shape
--- request
GET /v1/chat/completions
--- error_code: 405
--- response_body_like: ^\{"error":\{"message":"Method GET is not allowed here"



=== TEST 16: an unknown URL under the location is 404 in the client's shape
--- request
POST /v1/nothing/here
{}
--- no_http2
--- error_code: 404
--- response_body_like: ^\{"error":\{"message":"Unknown request URL: POST /v1/nothing/here"



=== TEST 17: the "*" route passes a model it does not know, escaped into the URL where it goes
--- request
POST /v1/chat/completions
{"model":"org/some model:v1","messages":[]}
--- error_code: 200
--- access_log eval
qr/body=\{"model":"org\/some model:v1","messages":\[\]\}/



=== TEST 18: a provider answering garbage: 502 in the client's shape, and the log says why
--- http_config
    MOCK
    ai_gateway_provider g type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/garbage/v1;
    ai_gateway_route gpt-4o g;
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 502
--- response_body: {"error":{"message":"The provider's answer could not be read","type":"server_error","param":null,"code":"bad_upstream_response"}}
--- error_log
provider "g" answered 200 with a body that cannot be read



=== TEST 19: a provider cutting its stream: the client gets an error event, not a clean end
--- http_config
    MOCK
    ai_gateway_provider cut type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/cut/v1;
    ai_gateway_route gpt-4o cut;
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- response_body_like: "content":"Hel".*\n\ndata: \{"error":\{"message":"[^"]+","type":"server_error","param":null,"code":"stream_truncated"\}\}\n\n$
--- response_body_unlike: \[DONE\]
--- error_log
provider "cut" ended its stream without its end marker



=== TEST 20: a provider that never answers: 504 after proxy_read_timeout, the connection is not left hanging
--- http_config
    MOCK
    ai_gateway_provider slow type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/v1 fails=0;
    ai_gateway_route gpt-4o slow;
--- config
    proxy_read_timeout 500ms;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 504
--- response_body: {"error":{"message":"The provider did not answer (timeout) after 1 try","type":"server_error","param":null,"code":"upstream_unavailable"}}
--- error_log
upstream timed out



=== TEST 21: an Anthropic client's bad body gets Anthropic's error shape
--- request
POST /a/v1/messages
{"model":
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"The request body is not a valid JSON object



=== TEST 22: a client that goes away mid-stream ends the try without an error
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route gpt-4o p1;
--- request
POST /v1/chat/completions HTTP/1.0
{"model":"gpt-4o","stream":true,"messages":[]}
--- timeout: 300ms
--- abort
--- wait: 2
--- response_body_like: "Hel"



=== TEST 23: a provider whose connection dies in the middle of a chunked stream: an error event, never a clean end
--- http_config
    ai_gateway_provider rst type=openai url=http://127.0.0.1:12345/v1;
    ai_gateway_route gpt-4o rst;
--- tcp_listen: 12345
--- tcp_reply eval
# one whole event, in a chunk announced 50 bytes longer than what comes
my $e = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}' . "\n\n";
"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s", length($e) + 50, $e)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[]}
--- response_body_like: "content":"Hel".*\n\ndata: \{"error":\{"message":"[^"]+","type":"server_error","param":null,"code":"stream_truncated"\}\}\n\n$
--- error_log
upstream prematurely closed connection
