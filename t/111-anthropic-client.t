# An Anthropic Messages client (POST /v1/messages, key in x-api-key or
# Bearer, anthropic-version accepted) in front of each provider type, every
# provider answering with a real capture (t/agw/AgwFixtures.pm): whole and
# streamed text, tool_use (input_json_delta fragments), thinking, usage in
# Anthropic's shape and in the log variables, stop reasons, the model
# rewritten both ways, the URL and key header each provider type gets.
# And an Anthropic provider's event split over data: lines (a --- tcp_listen
# peer): the client gets it whole on one data: line.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: anthropic provider, whole answer: a passthrough but for the model; client key in x-api-key swapped for the provider's
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('anthropic-messages/response-text.json', 'claude')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/response-text.json/v1/messages args="" auth="" xkey="sk-upstream-secret-0123456789" goog="" azure="" version="2023-06-01" ctype="application/json" body=\{"model":"claude-sonnet-4-5","max_tokens":100,"messages":\[\{"role":"user","content":"hi"\}\]\}},
 qr{GW model=claude up=claude-sonnet-4-5 provider=an dialect=anthropic tokens=12/29 cached=0 reasoning=- status=200}]
--- no_access_log
sk-client-alice
--- no_error_log
[error]



=== TEST 2: anthropic provider, stream: every event passed through (key as Bearer this time)
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('anthropic-messages/stream-text.sse', 'claude')
--- access_log eval
[qr{MOCK POST \S+/v1/messages args="" auth="" xkey="sk-upstream-secret-0123456789"},
 qr{GW model=claude up=claude-sonnet-4-5 provider=an dialect=anthropic tokens=135/10 }]
--- no_access_log
sk-client-alice
--- no_error_log
[error]



=== TEST 3: anthropic provider, streamed tool_use: passed through
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-tool-use.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-haiku-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('anthropic-messages/stream-tool-use.sse', 'claude')
--- no_error_log
[error]



=== TEST 4: anthropic provider, thinking stream with signature: passed through
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-thinking.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":2000,"stream":true,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"925/5?"}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('anthropic-messages/stream-thinking.chunks.sse', 'claude')
--- access_log eval
qr{MOCK POST \S+/v1/messages .*body=.*"thinking":\{"type":"enabled","budget_tokens":1024\}}
--- no_error_log
[error]



=== TEST 5: openai provider, whole answer: Bearer key, max_tokens kept, a Messages answer back
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- more_headers
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"system":"be brief","messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'claude')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-text.json/v1/chat/completions args="" auth="Bearer sk-upstream-secret-0123456789" xkey="" goog="" azure="" version="" ctype="application/json" body=\{"model":"gpt-4.1-nano",.*"role":"system","content":"be brief"},
 qr{MOCK POST \S+ .*body=.*"max_tokens":100},
 qr{GW model=claude up=gpt-4.1-nano provider=p dialect=anthropic tokens=16/363 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 6: openai provider, whole answer: the Messages shape
# Each tool_use input is the provider's arguments JSON as OpenAI wrote it,
# its spaces included: the engine copies the value, it does not re-print
# it compact as the old jansson path did.
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-parallel-tool-calls.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"weather and stock?"}],"tools":[{"name":"GetWeatherArgs","input_schema":{"type":"object"}},{"name":"get_stock_price","input_schema":{"type":"object"}}]}
--- response_body_like: ^\{"id":"chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C","type":"message","role":"assistant","model":"claude","content":\[\{"type":"tool_use","id":"call_fdNz3vOBKYgOIpMdWotB9MjY","name":"GetWeatherArgs","input":\{"city": "Edinburgh", "country": "GB", "units": "c"\}\},\{"type":"tool_use","id":"call_h1DWI1POMJLb0KwIyQHWXD4p","name":"get_stock_price","input":\{"ticker": "AAPL", "exchange": "NASDAQ"\}\}\],"stop_reason":"tool_use","stop_sequence":null,"usage":\{"input_tokens":149,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":60\}\}$
--- access_log eval
qr{MOCK POST \S+ .*body=.*"tools":\[\{"type":"function","function":\{"name":"GetWeatherArgs","parameters":\{"type":"object"\}\}\}}
--- no_error_log
[error]



=== TEST 7: openai provider, stream: usage asked of the provider, Messages events back
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-include-usage.chunks.sse', 'claude')
--- access_log eval
[qr{MOCK POST \S+/v1/chat/completions .*body=.*"stream":true.*"stream_options":\{"include_usage":true\}},
 qr{GW model=claude up=gpt-4.1-nano provider=p dialect=anthropic tokens=16/300 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 8: openai provider, streamed tool call: fragments become input_json_delta events
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-tool-calls.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-tool-calls.sse', 'claude')
--- no_error_log
[error]



=== TEST 9: azure provider, reasoning stream: deployment URL, api-key, Messages events back
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/stream-reasoning-usage-azure.chunks.sse key_env=AGW_TEST_UPSTREAM_KEY api_version=2025-04-01-preview;
    ai_gateway_route claude az:nano-deploy;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"capital of Denmark?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-reasoning-usage-azure.chunks.sse', 'claude')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/stream-reasoning-usage-azure.chunks.sse/openai/deployments/nano-deploy/chat/completions args="api-version=2025-04-01-preview" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789" version=""},
 qr{GW model=claude up=nano-deploy provider=az dialect=anthropic tokens=15/78 cached=0 reasoning=64 status=200}]
--- no_error_log
[error]



=== TEST 10: azure provider, whole tool calls
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/response-parallel-tool-calls.json key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route claude az:gpt4o-deploy;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"weather and stock?"}],"tools":[{"name":"GetWeatherArgs","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-parallel-tool-calls.json', 'claude')
--- no_error_log
[error]



=== TEST 11: gemini provider, whole answer: x-goog-api-key, generateContent, max_tokens as maxOutputTokens
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-3-pro-preview;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":500,"messages":[{"role":"user","content":"how many r in strawberry?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-text-thoughts.json', 'claude')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/response-text-thoughts.json/v1beta/models/gemini-3-pro-preview:generateContent args="" auth="" xkey="" goog="sk-upstream-secret-0123456789" azure="" version=""},
 qr{MOCK POST \S+ .*body=.*"maxOutputTokens":500},
 qr{GW model=claude up=gemini-3-pro-preview provider=g dialect=anthropic tokens=9/272 cached=0 reasoning=244 status=200}]
--- no_error_log
[error]



=== TEST 12: gemini provider, text stream: alt=sse, CRLF events, Messages events back
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-text-usage.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"why is the sky blue?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-text-usage.chunks.sse', 'claude')
--- access_log eval
[qr{MOCK POST \S+/v1beta/models/gemini-2.5-flash:streamGenerateContent args="alt=sse" auth="" xkey="" goog="sk-upstream-secret-0123456789"},
 qr{GW model=claude up=gemini-2.5-flash provider=g dialect=anthropic tokens=20/513 cached=0 reasoning=260 status=200}]
--- no_error_log
[error]



=== TEST 13: gemini provider, streamed function call: a tool_use block with the whole input
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-function-call.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.0-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"10/2?"}],"tools":[{"name":"customDivide","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-function-call.chunks.sse', 'claude')
--- access_log eval
qr{MOCK POST \S+ .*body=.*"functionDeclarations":\[\{"name":"customDivide"}
--- no_error_log
[error]



=== TEST 14: gemini provider, whole function call
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-function-call.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.0-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"10/2?"}],"tools":[{"name":"customDivide","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-function-call.json', 'claude')
--- no_error_log
[error]



=== TEST 15: gemini provider, thought part: a thinking block, MAX_TOKENS as max_tokens
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-thought-part.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":20,"thinking":{"type":"enabled","budget_tokens":1024},"messages":[{"role":"user","content":"sum of naturals?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-thought-part.json', 'claude')
--- access_log eval
qr{MOCK POST \S+ .*body=.*"thinkingConfig":\{.*"includeThoughts":true}
--- no_error_log
[error]



=== TEST 16: gemini provider, reasoning stream ending in a signature-only part
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-reasoning.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-3-pro-preview;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"how many r in strawberry?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-reasoning.chunks.sse', 'claude')
--- no_error_log
[error]



=== TEST 17: openai provider, parallel tool calls streamed: two tool_use blocks, each with its own input
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-parallel-tool-calls.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"weather and stock?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}},{"name":"get_stock_price","input_schema":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-parallel-tool-calls.sse', 'claude')
--- no_error_log
[error]



=== TEST 18: anthropic provider, message_start split over data: lines: one data: line to the client, its usage read
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
my $body = <<'_EOS_';
event: message_start
data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,
data: "output_tokens":1}}}

event: content_block_start
data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

event: content_block_delta
data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}

event: content_block_stop
data: {"type":"content_block_stop","index":0}

event: message_delta
data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}

event: message_stop
data: {"type":"message_stop"}

_EOS_
"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
    . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n"
    . $body
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_like: \Aevent: message_start\ndata: \{"type":"message_start","message":\{[^\n]*"usage":\{"input_tokens":7, "output_tokens":1\}\}\}\n\n(event: [a-z_]+\ndata: \{[^\n]*\}\n\n){5}\z
--- access_log eval
[qr{GW model=claude up=claude-sonnet-4-5 provider=an dialect=anthropic tokens=7/2 }]
--- no_error_log
[error]
