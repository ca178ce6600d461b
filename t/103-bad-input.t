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

    # a client fault never logs an error, and no worker ever dies; where
    # the provider must not be called, no try may even start
    $block->set_value(no_error_log => "[error]\n[alert]\nexited on signal"
                      . (($block->no_access_log // '') =~ /MOCK/
                         ? "\nhttp subrequest" : ''))
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



=== TEST 12: a chunked body over the limit is refused
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 100; }
--- raw_request eval
my $b = '{"model":"gpt-4o","messages":[{"role":"user","content":"' . ('y' x 92) . '"}]}';
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s\r\n0\r\n\r\n", length($b), $b)
--- error_code: 413
--- response_body_like: "code":"request_too_large"
--- no_error_log
[alert]
--- error_log
client intended to send too large chunked body



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



=== TEST 24: a body the translation refuses is answered, and no try starts after the answer
--- request
POST /a/v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":"notarray"}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":".*messages.* must be an array
--- no_access_log
MOCK



=== TEST 25: the same with client_max_body_size 0, where the stray try used to send worker memory
--- config
    location /a/v1/ { ai_gateway anthropic; ai_gateway_auth off; client_max_body_size 0; }
--- request
POST /a/v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":"notarray"}
--- error_code: 400
--- no_access_log
MOCK



=== TEST 26: a Gemini body the translation refuses: no try either
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/gpt-4o:generateContent
{"contents":"notarray"}
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":400,
--- no_access_log
MOCK



=== TEST 27: a number past a double, which jansson could not hold, is valid JSON: it reaches the provider as the client wrote it
--- request
POST /v1/embeddings
{"model":"gpt-4o","input":"hi","dimensions":1e999}
--- error_code: 200
--- access_log eval
[qr{MOCK POST /ok/v1/embeddings .*body=\{"model":"gpt-4o","input":"hi","dimensions":1e999\}}]



=== TEST 28: a refusal on the last failover step: that step never starts, the client gets the failure before it
--- http_config
    MOCK
    ai_gateway_provider down type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o down an;
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":"notarray"}
--- error_code: 503
--- response_body_like: ^\{"error":\{"message":"overloaded"
--- error_log eval
qr/\[info\].*ai_gateway: provider "an" skipped, the request cannot be put in its dialect: .*messages.* must be an array/
--- no_error_log
[error]
[alert]
exited on signal
--- access_log
MOCK POST /e503/v1/chat/completions
--- no_access_log
MOCK POST /ok/



=== TEST 29: invalid UTF-8 in a Gemini model from the URL: 400 in Google's shape, and no try
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/%FF%FEab:generateContent
{"contents":[{"parts":[{"text":"hi"}]}]}
--- no_http2
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":400,"message":"\\"model\\" must be 1 to 255 printable characters, in UTF-8","status":"INVALID_ARGUMENT"\}\}$
--- no_access_log
MOCK



=== TEST 30: an overlong UTF-8 form in the URL's model is refused too
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/a%C0%AFb:streamGenerateContent?alt=sse
{"contents":[{"parts":[{"text":"hi"}]}]}
--- no_http2
--- error_code: 400
--- response_body_like: "status":"INVALID_ARGUMENT"
--- no_access_log
MOCK



=== TEST 31: a model in valid UTF-8 beyond ASCII is served
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/mod%C3%A8le:generateContent
{"contents":[{"parts":[{"text":"hi"}]}]}
--- error_code: 200
--- response_body_like: "Hello there"
--- access_log eval
qr/body=\{"model":"mod\x{c3}\x{a8}le"/



=== TEST 32: invalid UTF-8 in the body's model is refused
--- request eval
"POST /v1/chat/completions\n{\"model\":\"\xff\xfeab\",\"messages\":[]}"
--- error_code: 400
--- response_body_like: "code":"invalid_json"
--- no_access_log
MOCK



=== TEST 33: "model" twice: refused, never forwarded with the one not checked
--- request
POST /v1/chat/completions
{"model":"gpt-4o","model":"o1-forbidden","messages":[]}
--- error_code: 400
--- response_body: {"error":{"message":"The request body has \"model\" more than once","type":"invalid_request_error","param":null,"code":"invalid_request"}}
--- no_access_log
MOCK



=== TEST 34: "model" spelled with an escape beside a plain one: refused
--- request
POST /v1/chat/completions
{"model":"gpt-4o","mod\u0065l":"o1-forbidden","messages":[]}
--- error_code: 400
--- response_body: {"error":{"message":"\"model\" must be written without escapes","type":"invalid_request_error","param":null,"code":"invalid_request"}}
--- no_access_log
MOCK



=== TEST 35: an Anthropic client sending "model" twice gets Anthropic's shape
--- request
POST /a/v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":[],"model":"other"}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"The request body has \\"model\\" more than once"\}\}$
--- no_access_log
MOCK



=== TEST 36: "stream" twice is refused too: the gateway and the provider could disagree on a stream
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":false,"messages":[],"stream":true}
--- error_code: 400
--- response_body_like: "message":"The request body has \\"stream\\" more than once"
--- no_access_log
MOCK



=== TEST 37: "model" inside messages or metadata is not the request's model
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi","model":"x"}],"metadata":{"model":"y","stream":"z"}}
--- error_code: 200
--- response_body_like: "Hello there"
--- access_log eval
qr/body=\{"model":"gpt-4o","messages":\[\{"role":"user","content":"hi","model":"x"\}\],"metadata":\{"model":"y","stream":"z"\}\}/



=== TEST 38: another member spelled with escapes is left alone
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[],"\u0075ser":"u1"}
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 39: a refused first try names no provider in the log, as no provider was asked
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    log_format agw_p 'GW status=$status provider="$ai_gateway_provider" upstream_model="$ai_gateway_upstream_model" attempts=$ai_gateway_attempts';
--- config
    location /a/v1/ { ai_gateway anthropic; ai_gateway_auth off; access_log logs/access.log agw_p; }
--- request
POST /a/v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":"notarray"}
--- error_code: 400
--- access_log
GW status=400 provider="-" upstream_model="-" attempts=0
--- no_access_log
MOCK



=== TEST 40: a step that cannot take the body is passed over: the next one serves it, the skipped one is no try
--- http_config
    MOCK
    ai_gateway_provider down type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/e503/v1;
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_provider ok2 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o down an ok2;
    log_format agw_p 'GW status=$status provider="$ai_gateway_provider" attempts=$ai_gateway_attempts';
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; access_log logs/access.log agw_p; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml,<svg/>"}}]}]}
--- error_code: 200
--- response_body_like: "Hello there"
--- error_log
ai_gateway: provider "an" skipped, the request cannot be put in its dialect: only base64 data URLs can be sent to Anthropic
--- no_error_log
[error]
[alert]
--- access_log
MOCK POST /e503/v1/chat/completions
MOCK POST /ok/v1/chat/completions
GW status=200 provider="ok2" attempts=2
--- no_access_log
MOCK POST /ok/v1/messages



=== TEST 41: a first step that cannot take the body is passed over too
--- http_config
    MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_provider ok2 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o an ok2;
    log_format agw_p 'GW status=$status provider="$ai_gateway_provider" attempts=$ai_gateway_attempts';
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; access_log logs/access.log agw_p; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml,<svg/>"}}]}]}
--- error_code: 200
--- response_body_like: "Hello there"
--- error_log
provider "an" skipped
--- no_error_log
[error]
[alert]
--- access_log
GW status=200 provider="ok2" attempts=1
--- no_access_log
MOCK POST /ok/v1/messages



=== TEST 42: when no step can take the body, the client gets why the first could not, in its dialect, and nothing starts
--- http_config
    MOCK
    ai_gateway_provider an1 type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_provider an2 type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o an1 an2;
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/svg+xml,<svg/>"}}]}]}
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"only base64 data URLs can be sent to Anthropic","type":"invalid_request_error"
--- error_log
provider "an1" skipped
provider "an2" skipped
--- no_error_log
[error]
http subrequest
--- no_access_log
MOCK
