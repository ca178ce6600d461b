# Client authentication: where the key may come from, what a wrong one
# gets, per-key model lists, and errors in each client's own dialect.

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
    ai_gateway_route gpt-4o-mini p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key bob sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709 models=gpt-4o-mini;
    log_format agw_q 'GW status=$status model="$ai_gateway_model" request="$request" uri="$request_uri" args="$args" qs="$query_string" arg="$arg_key"';
_EOC_

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai anthropic; }
    location /v1beta/ { ai_gateway gemini; }
_EOC_
});

# Blocks answered before their body is read stay on HTTP/1.1 (--- no_http2):
# over HTTP/2, nginx ends such a stream with RST_STREAM NO_ERROR after the
# answer, and curl (7.88, what Test::Nginx sends HTTP/2 with) then drops
# the answer when it had not sent the whole body yet.
run_tests();

__DATA__

=== TEST 1: no key: 401 in OpenAI's shape, nothing in the error log
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- no_http2
--- error_code: 401
--- response_headers
WWW-Authenticate: Bearer
Content-Type: application/json
--- response_body_like: ^\{"error":\{"message":"You didn't provide an API key\..*","type":"invalid_request_error","param":null,"code":"missing_api_key"\}\}$
--- no_error_log
[error]



=== TEST 2: a wrong key: 401 invalid_api_key, and the key is not echoed
--- more_headers
Authorization: Bearer sk-wrong-key-123
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- no_http2
--- error_code: 401
--- response_body_like: "code":"invalid_api_key"
--- response_body_unlike: sk-wrong
--- log_level: info
--- no_error_log
sk-wrong
[error]



=== TEST 3: the key in x-api-key works
--- more_headers
x-api-key: sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 4: the key in x-goog-api-key works
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200



=== TEST 5: the key in ?key= works (Gemini clients send it there)
--- request
POST /v1/chat/completions?key=sk-client-alice
{"model":"gpt-4o","messages":[]}
--- error_code: 200



=== TEST 6: a key limited to some models gets 403 for another one
--- more_headers
Authorization: Bearer sk-client-bob
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 403
--- response_body_like: ^\{"error":\{"message":"This API key may not use the model `gpt-4o`\.","type":"permission_error"
--- no_error_log
[error]



=== TEST 7: and reaches the models it may use
--- more_headers
Authorization: Bearer sk-client-bob
--- request
POST /v1/chat/completions
{"model":"gpt-4o-mini","messages":[]}
--- error_code: 200



=== TEST 8: an unknown model is 404 model_not_found
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"no-such-model","messages":[]}
--- error_code: 404
--- response_body_like: ^\{"error":\{"message":"The model `no-such-model` does not exist or you do not have access to it\.","type":"invalid_request_error","param":null,"code":"model_not_found"\}\}$
--- no_error_log
[error]



=== TEST 9: GET /v1/models lists the routes this key may use
--- more_headers
Authorization: Bearer sk-client-bob
--- request
GET /v1/models
--- response_body: {"object":"list","data":[{"id":"gpt-4o-mini","object":"model","created":0,"owned_by":"ai-gateway"}]}



=== TEST 10: an Anthropic client without a key gets Anthropic's error shape
--- more_headers
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":[]}
--- no_http2
--- error_code: 401
--- response_body_like: ^\{"type":"error","error":\{"type":"authentication_error","message":"You didn't provide an API key
--- no_error_log
[error]



=== TEST 11: an Anthropic client gets the model list in Anthropic's shape
--- more_headers
x-api-key: sk-client-bob
anthropic-version: 2023-06-01
--- request
GET /v1/models
--- response_body: {"data":[{"type":"model","id":"gpt-4o-mini","display_name":"gpt-4o-mini","created_at":"1970-01-01T00:00:00Z"}],"has_more":false,"first_id":"gpt-4o-mini","last_id":"gpt-4o-mini"}



=== TEST 12: a Gemini client with a wrong key gets Google's error shape
--- request
POST /v1beta/models/gpt-4o:generateContent?key=nope
{"contents":[]}
--- no_http2
--- error_code: 401
--- response_body_like: ^\{"error":\{"code":401,"message":"Incorrect API key provided\.","status":"UNAUTHENTICATED"
--- no_error_log
[error]



=== TEST 13: a Gemini client gets the model list in Gemini's shape
--- more_headers
x-goog-api-key: sk-client-bob
--- request
GET /v1beta/models
--- response_body: {"models":[{"name":"models/gpt-4o-mini","displayName":"gpt-4o-mini","supportedGenerationMethods":["generateContent","streamGenerateContent"]}]}



=== TEST 14: with ai_gateway_auth off no key is needed
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200



=== TEST 15: a body larger than ai_gateway_max_body_size is refused before it is read
--- config
    location /v1/ { ai_gateway openai; ai_gateway_max_body_size 64; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request eval
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"' . ('x' x 200) . '"}]}'
--- no_http2
--- error_code: 413
--- response_body_like: ^\{"error":\{"message":"The request body is larger than the 64 bytes allowed","type":"invalid_request_error","param":null,"code":"request_too_large"\}\}$
--- error_log
client intended to send too large body



=== TEST 16: the health endpoint needs no key and shows every provider
--- config
    location = /health { ai_gateway health; }
--- request
GET /health
--- response_body_like: ^\{"status":"ok","version":"[^"]+","providers":\[\{"name":"p1","cooling_down":false,



=== TEST 17: a Gemini model in invalid UTF-8 refused for its key is not kept for the log and the event
--- config
    location /v1beta/ { ai_gateway gemini; access_log logs/access.log agw_q; }
--- more_headers
x-goog-api-key: sk-wrong
--- request
POST /v1beta/models/%FF%FEab:generateContent
{"contents":[{"parts":[{"text":"hi"}]}]}
--- no_http2
--- error_code: 401
--- access_log
GW status=401 model="-"
--- no_error_log
[error]



=== TEST 18: a key taken from ?key= is in no access log variable, nor in what the provider gets
--- config
    location /v1beta/ { ai_gateway gemini; access_log logs/access.log agw_q; }
--- request
POST /v1beta/models/gpt-4o:generateContent?a=1&key=sk-client-alice&KEY=sk-client-alice&b=2
{"contents":[{"parts":[{"text":"hi"}]}]}
--- error_code: 200
--- access_log eval
qr{GW status=200 model="gpt-4o" request="POST /v1beta/models/gpt-4o:generateContent\?a=1&b=2 HTTP/[\d.]+" uri="/v1beta/models/gpt-4o:generateContent\?a=1&b=2" args="a=1&b=2" qs="a=1&b=2" arg="-"}
--- no_access_log
sk-client-alice



=== TEST 19: the query goes whole when the key was all it held; a wrong key is hidden too
--- config
    location /v1beta/ { ai_gateway gemini; access_log logs/access.log agw_q; }
--- request
POST /v1beta/models/gpt-4o:generateContent?key=sk-mistyped-secret
{"contents":[{"parts":[{"text":"hi"}]}]}
--- no_http2
--- error_code: 401
--- access_log eval
qr{GW status=401 model="gpt-4o" request="POST /v1beta/models/gpt-4o:generateContent HTTP/[\d.]+" uri="/v1beta/models/gpt-4o:generateContent" args=""}
--- no_access_log
sk-mistyped-secret



=== TEST 20: error log lines of the request, once the key is taken, do not carry it
--- http_config
    MOCK
    ai_gateway_provider g type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/garbage/v1;
    ai_gateway_route gpt-4o g;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1beta/ { ai_gateway gemini; }
--- request
POST /v1beta/models/gpt-4o:generateContent?x=1&key=sk-client-alice
{"contents":[{"parts":[{"text":"hi"}]}]}
--- error_code: 502
--- error_log eval
qr{request: "POST /v1beta/models/gpt-4o:generateContent\?x=1 HTTP/[\d.]+"}
--- no_error_log eval
qr/\[(?:info|notice|warn|error|crit|alert|emerg)\].*sk-client-alice/



=== TEST 21: over HTTP/2 too
--- http2
--- config
    location /v1beta/ { ai_gateway gemini; access_log logs/access.log agw_q; }
--- request
POST /v1beta/models/gpt-4o:generateContent?key=sk-client-alice&x=1
{"contents":[{"parts":[{"text":"hi"}]}]}
--- error_code: 200
--- access_log eval
qr{GW status=200 model="gpt-4o" request="POST /v1beta/models/gpt-4o:generateContent\?x=1 HTTP/2.0" uri="/v1beta/models/gpt-4o:generateContent\?x=1" args="x=1"}
--- no_access_log
sk-client-alice
