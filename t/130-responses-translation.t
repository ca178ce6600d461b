# A Responses API client (Codex, the OpenAI SDK's client.responses) in
# front of providers that do not speak it: an OpenAI-compatible provider
# declared api=chat gets its chat API (URL, body) and the answer comes
# back as a Responses object or event stream, usage in the log variables;
# Anthropic and Gemini providers likewise.  Each answer's summary must
# equal the summary of the capture the mock replayed, and every stream's
# sequence_number and output_index must be in order (responses_summary);
# previous_response_id, which names history only OpenAI keeps, is refused
# with a 400 in the Responses error shape before anything goes upstream.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: api=chat provider, whole answer: its chat API, a Responses object back
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai api=chat url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"hi"}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-text.json/v1/chat/completions },
 qr{GW model=m up=up-model provider=p dialect=responses tokens=16/363 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 2: api=chat provider, streamed: Responses events, usage in the log
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai api=chat url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"hi","stream":true}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-include-usage.chunks.sse', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/stream-include-usage.chunks.sse/v1/chat/completions },
 qr{GW model=m up=up-model provider=p dialect=responses tokens=16/300 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 3: api=chat provider, parallel calls whose fragments interleave: one function_call item each, in order
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai api=chat url=$TEST_NGINX_FX/200/openai-chat/stream-parallel-tool-calls.interleaved.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather in Paris and Rome?","stream":true,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-parallel-tool-calls.interleaved.sse', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/stream-parallel-tool-calls.interleaved.sse/v1/chat/completions }]
--- no_error_log
[error]



=== TEST 4: anthropic provider, whole tool_use answer: a function_call item
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-tool-use.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-tool-use.json', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/response-tool-use.json/v1/messages }]
--- no_error_log
[error]



=== TEST 5: anthropic provider, streamed tool use: Responses events in order, usage in the log
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-tool-use.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","stream":true,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-tool-use.sse', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/stream-tool-use.sse/v1/messages },
 qr{GW model=m up=up-model provider=p dialect=responses tokens=656/74 }]
--- no_error_log
[error]



=== TEST 6: anthropic provider, streamed thinking: a reasoning item, then the text
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-thinking.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"think","stream":true,"reasoning":{"effort":"medium","summary":"auto"}}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-thinking.chunks.sse', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/stream-thinking.chunks.sse/v1/messages }]
--- no_error_log
[error]



=== TEST 7: gemini provider, streamed function call
--- http_config
    FIXTURES
    ai_gateway_provider p type=gemini url=$TEST_NGINX_FX/200/gemini/stream-function-call.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","stream":true,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-function-call.chunks.sse', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/stream-function-call.chunks.sse/v1beta/models/up-model:streamGenerateContent }]
--- no_error_log
[error]



=== TEST 8: gemini provider, whole answer with thoughts
--- http_config
    FIXTURES
    ai_gateway_provider p type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"how many r in strawberry?"}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-text-thoughts.json', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/response-text-thoughts.json/v1beta/models/up-model:generateContent }]
--- no_error_log
[error]



=== TEST 9: previous_response_id to an Anthropic provider: 400 in the Responses shape, nothing sent
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"and then?","previous_response_id":"resp_123"}
--- error_code: 400
--- response_headers
Content-Type: application/json
--- response_body chomp
{"error":{"message":"previous_response_id: the provider of this model (anthropic) keeps no earlier responses; send the whole conversation in input instead","type":"invalid_request_error","param":null,"code":"previous_response_not_supported"}}
--- access_log eval
[qr{GW model=m up=\S+ provider=\S+ dialect=responses .*status=400}]
--- no_access_log eval
[qr{^MOCK }]
--- no_error_log
[error]



=== TEST 10: previous_response_id, streamed, to an api=chat provider: the same 400, not a stream
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai api=chat url=$TEST_NGINX_FX/200/openai-chat/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"and then?","stream":true,"previous_response_id":"resp_123"}
--- error_code: 400
--- response_body chomp
{"error":{"message":"previous_response_id: the provider of this model (openai) keeps no earlier responses; send the whole conversation in input instead","type":"invalid_request_error","param":null,"code":"previous_response_not_supported"}}
--- no_access_log eval
[qr{^MOCK }]
--- no_error_log
[error]



=== TEST 11: previous_response_id to an OpenAI provider with the Responses API: passed through
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/response-text.documented.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"and then?","previous_response_id":"resp_123"}
--- error_code: 200
--- access_log eval
[qr{^MOCK POST /fx/200/openai-responses/response-text.documented.json/v1/responses .*"previous_response_id":"resp_123"}]
--- no_error_log
[error]



=== TEST 12: the cost of a Responses answer from an Anthropic provider, whole
# 656 input * 1 + 74 output * 2 = 804 micro-USD
--- http_config
    FIXTURES
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_price m input=1 output=2;
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-tool-use.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log cost;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- access_log
COST 0.000804
--- no_error_log
[error]



=== TEST 13: the cost of a Responses stream from an Anthropic provider
--- http_config
    FIXTURES
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_price m input=1 output=2;
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-tool-use.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    access_log logs/access.log cost;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","stream":true,"tools":[{"type":"function","name":"get_weather","parameters":{"type":"object"}}]}
--- access_log
COST 0.000804
--- no_error_log
[error]



=== TEST 14: an Anthropic provider's 429: the status and an OpenAI-shaped error
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/429/anthropic-messages/error-429-rate-limit.json/v1 key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route m p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"hi","stream":true}
--- error_code: 429
--- response_body_like: \A\{"error":\{"message":"This request would exceed your organization's rate limit[^"]*","type":"rate_limit_error","param":null,"code":"rate_limit_error"\}\}\z



=== TEST 15: an Anthropic overloaded_error event mid-stream: the text so far, then error and response.failed
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('anthropic-messages/stream-text.sse', 900, 'anthropic-messages/stream-error-overloaded.documented.sse')
--- request
POST /v1/responses
{"model":"m","input":"hi","stream":true}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body
model=m
text="[12345,"
finish=none
usage=none
end=error:overloaded_error



=== TEST 16: an Azure provider declared api=chat: its deployment's chat URL, a Responses object back
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure api=chat url=$TEST_NGINX_FX/200/openai-chat/response-parallel-tool-calls.json key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route m az:my-deployment;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"weather?","tools":[{"type":"function","name":"GetWeatherArgs","parameters":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-parallel-tool-calls.json', 'm')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-parallel-tool-calls.json/openai/deployments/my-deployment/chat/completions args="api-version=2024-10-21" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789"}]
--- no_error_log
[error]



=== TEST 17: gemini provider, streamed thoughts: a reasoning item before the text, in order
--- http_config
    FIXTURES
    ai_gateway_provider p type=gemini url=$TEST_NGINX_FX/200/gemini/stream-reasoning.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"think","stream":true,"reasoning":{"effort":"medium","summary":"auto"}}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-reasoning.chunks.sse', 'm')
--- no_error_log
[error]



=== TEST 18: gemini provider, a whole function call: a function_call item
--- http_config
    FIXTURES
    ai_gateway_provider p type=gemini url=$TEST_NGINX_FX/200/gemini/response-function-call.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"divide","tools":[{"type":"function","name":"customDivide","parameters":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-function-call.json', 'm')
--- no_error_log
[error]



=== TEST 19: an Anthropic stream of a text and two tool_use blocks: three items, each call at its own output_index
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m an:claude-x;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 1751\r\nConnection: close\r\n\r\nevent: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_p\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Reading both.\"}}\n\nevent: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"shell\",\"input\":{}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"cmd\\\":\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"cat a.txt\\\"}\"}}\n\nevent: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_2\",\"name\":\"shell\",\"input\":{}}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"cmd\\\":\"}}\n\nevent: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\\\"cat b.txt\\\"}\"}}\n\nevent: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":2}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":40}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
--- request
POST /v1/responses
{"model":"m","input":"read a.txt and b.txt","stream":true,"tools":[{"type":"function","name":"shell","parameters":{"type":"object"}}]}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body
model=m
text="Reading both."
call=shell {"cmd":"cat a.txt"}
call=shell {"cmd":"cat b.txt"}
finish=tool_calls
usage=20/40
end=clean



=== TEST 20: reasoning.effort to an Anthropic provider: a thinking budget, max_tokens above it
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-thinking.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":"think","stream":true,"reasoning":{"effort":"medium","summary":"auto"},"include":["reasoning.encrypted_content"],"store":false}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-thinking.chunks.sse', 'm')
--- access_log eval
[qr{^MOCK POST /fx/200/anthropic-messages/stream-thinking\.chunks\.sse/v1/messages .*"thinking":\{"type":"enabled","budget_tokens":8192\}}]
--- no_error_log
[error]



=== TEST 21: reasoning.effort on Codex's tool-result turn: thinking off, the call and its output sent
# Anthropic wants the turn's signed thinking block back with a tool
# result; a Responses client has no way to send it, so thinking stays off
--- http_config
    FIXTURES
    ai_gateway_provider p type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/responses
{"model":"m","input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"list"}]},{"type":"reasoning","id":"rs_1","summary":[],"encrypted_content":"gAAAA"},{"type":"function_call","call_id":"c1","name":"shell","arguments":"{\"cmd\":\"ls\"}"},{"type":"function_call_output","call_id":"c1","output":"a.c"}],"tools":[{"type":"function","name":"shell","parameters":{"type":"object"}}],"stream":true,"reasoning":{"effort":"high","summary":"auto"},"include":["reasoning.encrypted_content"],"store":false}
--- response_body_filters eval: [\&AgwFixtures::responses_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-text.sse', 'm')
--- access_log eval
[qr{^MOCK POST /fx/200/anthropic-messages/stream-text\.sse/v1/messages .*body=\{"model":"up-model","tools":\[\{"name":"shell","input_schema":\{"type":"object"\}\}\],"messages":\[\{"role":"user","content":\[\{"type":"text","text":"list"\}\]\},\{"role":"assistant","content":\[\{"type":"tool_use","id":"c1","name":"shell","input":\{"cmd":"ls"\}\}\]\},\{"role":"user","content":\[\{"type":"tool_result","tool_use_id":"c1","content":"a\.c"\}\]\}\],"max_tokens":\d+,"stream":true\}$}]
--- no_error_log
[error]
