# An OpenAI Chat Completions client in front of each provider type, every
# provider answering with a real capture (t/agw/AgwFixtures.pm): whole and
# streamed text, tool calls (streamed argument fragments joined), reasoning,
# usage in OpenAI's shape and in the log variables, stop reasons, the model
# rewritten both ways, and the URL and key header each provider type gets.
# The answer's summary must equal the summary of the capture replayed.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: openai provider, whole answer: a passthrough but for the model, key as Bearer
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/response-text.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-text.json/v1/chat/completions args="" auth="Bearer sk-upstream-secret-0123456789" xkey="" goog="" azure="" version="" ctype="application/json" body=\{"model":"up-model","messages":\[\{"role":"user","content":"hi"\}\]\}},
 qr{GW model=gpt-4o up=up-model provider=p dialect=openai tokens=16/363 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 2: openai provider, stream with include_usage: every event passed through, model rewritten
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up-model;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/stream-include-usage.chunks.sse', 'gpt-4o')
--- access_log eval
[qr{GW model=gpt-4o up=up-model provider=p dialect=openai tokens=16/300 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 3: openai provider, streamed tool call: the fragments join into the captured arguments
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-tool-calls.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-tool-calls.sse', 'gpt-4o')
--- no_error_log
[error]



=== TEST 4: azure provider: deployment URL, api-version, api-key header, model rewritten back
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/response-parallel-tool-calls.json key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route gpt-4o az:my-deployment;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"GetWeatherArgs","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/response-parallel-tool-calls.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-parallel-tool-calls.json/openai/deployments/my-deployment/chat/completions args="api-version=2024-10-21" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789" version=""},
 qr{GW model=gpt-4o up=my-deployment provider=az dialect=openai tokens=149/60 cached=- reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 5: azure provider, reasoning stream: content-filter chunks kept, reasoning tokens counted
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/stream-reasoning-usage-azure.chunks.sse key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route gpt-5-nano az:nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-5-nano","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/stream-reasoning-usage-azure.chunks.sse', 'gpt-5-nano')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/stream-reasoning-usage-azure.chunks.sse/openai/deployments/nano/chat/completions args="api-version=2024-10-21" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789"},
 qr{GW model=gpt-5-nano up=nano provider=az dialect=openai tokens=15/78 cached=0 reasoning=64 status=200}]
--- no_error_log
[error]



=== TEST 6: anthropic provider, whole answer: /messages, x-api-key, anthropic-version, max_tokens default
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY max_tokens=1000;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-text.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/response-text.json/v1/messages args="" auth="" xkey="sk-upstream-secret-0123456789" goog="" azure="" version="2023-06-01" ctype="application/json" body=.*"model":"claude-sonnet-4-5"},
 qr{MOCK POST \S+ .*body=.*"system":.*"be brief".*"max_tokens":1000},
 qr{GW model=gpt-4o up=claude-sonnet-4-5 provider=an dialect=openai tokens=12/29 cached=0 reasoning=- status=200}]
--- no_access_log
"role":"system"
--- no_error_log
[error]



=== TEST 7: anthropic provider, whole answer: an OpenAI-shaped chat.completion the client can read
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"id":"msg_01VdEjxAP5ahtHKrrRdNBteQ","object":"chat.completion","created":\d+,"model":"gpt-4o","choices":\[\{"index":0,"message":\{"role":"assistant","content":"Hello! I'm doing well[^"]*"\},"finish_reason":"stop"\}\],"usage":\{"prompt_tokens":12,"completion_tokens":29,"total_tokens":41
--- no_error_log
[error]



=== TEST 8: anthropic provider, text stream: max_tokens defaulted, chat.completion.chunk events, usage chunk, [DONE]
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-text.sse', 'gpt-4o')
--- access_log eval
[qr{MOCK POST \S+/v1/messages .*body=\{"model":"claude-sonnet-4-5",.*"max_tokens":4096,"stream":true},
 qr{GW model=gpt-4o up=claude-sonnet-4-5 provider=an dialect=openai tokens=135/10 cached=0 reasoning=- status=200}]
--- no_error_log
[error]



=== TEST 9: anthropic provider, streamed tool_use: partial_json fragments become tool_calls arguments
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-tool-use.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-haiku-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-tool-use.sse', 'gpt-4o')
--- access_log eval
qr{MOCK POST \S+/v1/messages .*body=.*"tools":\[\{"name":"get_weather","input_schema":\{"type":"object"\}\}\]}
--- no_error_log
[error]



=== TEST 10: anthropic provider, whole tool_use answer
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-tool-use.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-haiku-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-tool-use.json', 'gpt-4o')
--- no_error_log
[error]



=== TEST 11: anthropic provider, thinking answer: reasoning_content carries the thinking text
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-thinking.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","reasoning_effort":"low","messages":[{"role":"user","content":"925/5?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-thinking.json', 'gpt-4o')
--- access_log eval
qr{MOCK POST \S+/v1/messages .*body=.*"thinking":\{"type":"enabled","budget_tokens":\d+\}}
--- no_error_log
[error]



=== TEST 12: anthropic provider, thinking stream: thinking deltas become reasoning_content deltas
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-thinking.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"925/5?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-thinking.chunks.sse', 'gpt-4o')
--- no_error_log
[error]



=== TEST 13: anthropic provider, prompt-cache stream: cache reads and writes counted in the prompt, server tool blocks dropped
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-prompt-cache.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_body_like: "usage":\{"prompt_tokens":9632,"completion_tokens":198,"total_tokens":9830,"prompt_tokens_details":\{"cached_tokens":6289,"cache_write_tokens":3337\}
--- access_log eval
qr{GW model=gpt-4o up=claude-sonnet-5 provider=an dialect=openai tokens=9632/198 cached=6289 reasoning=0 status=200}
--- no_error_log
[error]



=== TEST 14: gemini provider, whole answer: /models/M:generateContent, x-goog-api-key, thoughts counted as reasoning
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-3-pro-preview;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"how many r in strawberry?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-text-thoughts.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/response-text-thoughts.json/v1beta/models/gemini-3-pro-preview:generateContent args="" auth="" xkey="" goog="sk-upstream-secret-0123456789" azure="" version="" ctype="application/json" body=.*"systemInstruction":\{.*"be brief"},
 qr{GW model=gpt-4o up=gemini-3-pro-preview provider=g dialect=openai tokens=9/272 cached=0 reasoning=244 status=200}]
--- no_access_log
"model":"gemini-3-pro-preview"
--- no_error_log
[error]



=== TEST 15: gemini provider, text stream: :streamGenerateContent?alt=sse, CRLF events read, usage chunk
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-text-usage.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"why is the sky blue?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-text-usage.chunks.sse', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/stream-text-usage.chunks.sse/v1beta/models/gemini-2.5-flash:streamGenerateContent args="alt=sse" auth="" xkey="" goog="sk-upstream-secret-0123456789"},
 qr{GW model=gpt-4o up=gemini-2.5-flash provider=g dialect=openai tokens=20/513 cached=0 reasoning=260 status=200}]
--- no_error_log
[error]



=== TEST 16: gemini provider, streamed function call: one tool call with its arguments as a JSON string
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-function-call.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.0-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"10/2?"}],"tools":[{"type":"function","function":{"name":"customDivide","parameters":{"type":"object","properties":{"numerator":{"type":"number"},"denominator":{"type":"number"}}}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-function-call.chunks.sse', 'gpt-4o')
--- access_log eval
qr{MOCK POST \S+:streamGenerateContent .*body=.*"functionDeclarations":\[\{"name":"customDivide"}
--- no_error_log
[error]



=== TEST 17: gemini provider, whole function call
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-function-call.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.0-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"10/2?"}],"tools":[{"type":"function","function":{"name":"customDivide","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-function-call.json', 'gpt-4o')
--- no_error_log
[error]



=== TEST 18: gemini provider, thought part and MAX_TOKENS: reasoning_content and finish_reason length
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-thought-part.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","max_tokens":20,"messages":[{"role":"user","content":"sum of naturals?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-thought-part.json', 'gpt-4o')
--- no_error_log
[error]



=== TEST 19: gemini provider, reasoning stream ending in a signature-only part
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-reasoning.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-3-pro-preview;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"how many r in strawberry?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-reasoning.chunks.sse', 'gpt-4o')
--- access_log eval
qr{GW model=gpt-4o up=gemini-3-pro-preview provider=g dialect=openai tokens=9/285 cached=0 reasoning=256 status=200}
--- no_error_log
[error]



=== TEST 20: a stream without include_usage gets no usage chunk, whatever the provider sent
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body
model=gpt-4o
text="[12345,67890]"
finish=stop
usage=none
end=clean
--- access_log eval
qr{GW model=gpt-4o .*tokens=135/10 }
--- no_error_log
[error]



=== TEST 21: gemini provider, the raw 2024 alt=sse capture (mixed delimiters, no usage): the whole story, a clean end
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-text.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-pro;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Write a cute story about cats."}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/stream-text.sse', 'gpt-4o')
--- no_error_log
[error]



=== TEST 22: gemini provider, cachedContentTokenCount: cached_tokens in the usage and in the log
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-cached-content-usage.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"summarize the transcript"}]}
--- response_body_like: "usage":\{"prompt_tokens":323388,"completion_tokens":397,"total_tokens":323785,"prompt_tokens_details":\{"cached_tokens":323383,
--- access_log eval
qr{GW model=gpt-4o up=gemini-2.5-flash provider=g dialect=openai tokens=323388/397 cached=323383 }
--- no_error_log
[error]



=== TEST 23: anthropic provider, whole thinking answer with its signature: thinking_blocks keep it for the next turn
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-thinking.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"925/5?"}]}
--- response_body_like: "reasoning_content":"925 divided by 5 = 185",.*"thinking_blocks":\[\{"type":"thinking","thinking":"925 divided by 5 = 185","signature":"[A-Za-z0-9+/=]{20,}"\}\]
--- no_error_log
[error]
