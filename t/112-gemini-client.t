# A Gemini client (POST /v1beta/models/MODEL:generateContent and
# :streamGenerateContent?alt=sse, key in x-goog-api-key or ?key=) in front
# of each provider type, every provider answering with a real capture
# (t/agw/AgwFixtures.pm): whole and streamed text, function calls (streamed
# fragments joined into one whole call), thoughts, usageMetadata and the
# log variables, finish reasons, the model rewritten both ways (URL and
# modelVersion), the URL and key header each provider type gets.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: gemini provider, whole answer: a passthrough but for modelVersion; client key in x-goog-api-key swapped
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-3-pro-preview;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; }
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"how many r in strawberry?"}]}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('gemini/response-text-thoughts.json', 'flash')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/response-text-thoughts.json/v1beta/models/gemini-3-pro-preview:generateContent args="" auth="" xkey="" goog="sk-upstream-secret-0123456789" azure="" version="" ctype="application/json" body=\{"contents":\[\{"role":"user","parts":\[\{"text":"how many r in strawberry\?"\}\]\}\]\}},
 qr{GW model=flash up=gemini-3-pro-preview provider=g dialect=gemini tokens=9/272 cached=0 reasoning=244 status=200}]
--- no_access_log
sk-client-alice
--- no_error_log
[error]



=== TEST 2: gemini provider, stream with the key in ?key=: alt=sse upstream, chunks passed through, key not forwarded
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-text-usage.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse&key=sk-client-alice
{"contents":[{"role":"user","parts":[{"text":"why is the sky blue?"}]}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('gemini/stream-text-usage.chunks.sse', 'flash')
--- access_log eval
[qr{MOCK POST /fx/200/gemini/stream-text-usage.chunks.sse/v1beta/models/gemini-2.5-flash:streamGenerateContent args="alt=sse" auth="" xkey="" goog="sk-upstream-secret-0123456789"},
 qr{GW model=flash up=gemini-2.5-flash provider=g dialect=gemini tokens=20/513 cached=0 reasoning=260 status=200}]
--- no_access_log eval
[qr{MOCK .*sk-client-alice}]
--- no_error_log
[error]



=== TEST 3: gemini provider, streamed function call: passed through
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-function-call.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.0-flash;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"10/2?"}]}],"tools":[{"functionDeclarations":[{"name":"customDivide","parameters":{"type":"OBJECT"}}]}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('gemini/stream-function-call.chunks.sse', 'flash')
--- no_error_log
[error]



=== TEST 4: openai provider, whole answer: Bearer key, contents become messages, a generateContent answer back
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4.1-nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"systemInstruction":{"parts":[{"text":"be brief"}]},"contents":[{"role":"user","parts":[{"text":"a holiday?"}]}],"generationConfig":{"maxOutputTokens":400}}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'flash')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-text.json/v1/chat/completions args="" auth="Bearer sk-upstream-secret-0123456789" xkey="" goog="" azure="" version="" ctype="application/json" body=\{"model":"gpt-4.1-nano",.*"role":"system","content":"be brief"},
 qr{MOCK POST \S+ .*body=.*"max_tokens":400},
 qr{GW model=flash up=gpt-4.1-nano provider=p dialect=gemini tokens=16/363 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 5: openai provider, stream: usage asked of the provider, CRLF data events back
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4.1-nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"a holiday?"}]}]}
--- response_headers
Content-Type: text/event-stream
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-include-usage.chunks.sse', 'flash')
--- access_log eval
[qr{MOCK POST \S+/v1/chat/completions .*body=.*"stream":true.*"stream_options":\{"include_usage":true\}},
 qr{GW model=flash up=gpt-4.1-nano provider=p dialect=gemini tokens=16/300 cached=0 reasoning=0 status=200}]
--- no_error_log
[error]



=== TEST 6: openai provider, streamed tool call: the fragments arrive as one whole functionCall
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-tool-calls.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT"}}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-tool-calls.sse', 'flash')
--- access_log eval
qr{MOCK POST \S+ .*body=.*"tools":\[\{"type":"function","function":\{"name":"get_weather"}
--- no_error_log
[error]



=== TEST 7: openai provider, whole parallel tool calls: two functionCall parts
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-parallel-tool-calls.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"weather and stock?"}]}],"tools":[{"functionDeclarations":[{"name":"GetWeatherArgs"},{"name":"get_stock_price"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-parallel-tool-calls.json', 'flash')
--- no_error_log
[error]



=== TEST 8: azure provider, reasoning stream: deployment URL, api-key, thoughtsTokenCount back
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/stream-reasoning-usage-azure.chunks.sse key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route flash az:nano;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"capital of Denmark?"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-reasoning-usage-azure.chunks.sse', 'flash')
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/stream-reasoning-usage-azure.chunks.sse/openai/deployments/nano/chat/completions args="api-version=2024-10-21" auth="" xkey="" goog="" azure="sk-upstream-secret-0123456789"},
 qr{GW model=flash up=nano provider=az dialect=gemini tokens=15/78 cached=0 reasoning=64 status=200}]
--- response_body_like: "thoughtsTokenCount":64
--- no_error_log
[error]



=== TEST 9: azure provider, whole answer
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/200/openai-chat/response-text.json key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route flash az:nano;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"a holiday?"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'flash')
--- no_error_log
[error]



=== TEST 10: anthropic provider, whole answer: x-api-key, anthropic-version, max_tokens default, a generateContent answer
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY max_tokens=777;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    access_log logs/access.log agw_usage;
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-text.json', 'flash')
--- access_log eval
[qr{MOCK POST /fx/200/anthropic-messages/response-text.json/v1/messages args="" auth="" xkey="sk-upstream-secret-0123456789" goog="" azure="" version="2023-06-01" ctype="application/json" body=\{"model":"claude-sonnet-4-5",.*"max_tokens":777},
 qr{GW model=flash up=claude-sonnet-4-5 provider=an dialect=gemini tokens=12/29 }]
--- no_error_log
[error]



=== TEST 11: anthropic provider, text stream
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-text.sse', 'flash')
--- access_log eval
qr{MOCK POST \S+/v1/messages .*body=.*"stream":true}
--- no_error_log
[error]



=== TEST 12: anthropic provider, streamed tool_use: partial_json joined into one functionCall
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-tool-use.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-haiku-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather","parameters":{"type":"OBJECT"}}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-tool-use.sse', 'flash')
--- access_log eval
qr{MOCK POST \S+ .*body=.*"tools":\[\{"name":"get_weather"}
--- no_error_log
[error]



=== TEST 13: anthropic provider, thinking stream: thought parts (thinkingBudget maps through reasoning_effort, an approximation)
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-thinking.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"925/5?"}]}],"generationConfig":{"thinkingConfig":{"thinkingBudget":1024,"includeThoughts":true}}}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-thinking.chunks.sse', 'flash')
--- access_log eval
qr{MOCK POST \S+ .*body=.*"thinking":\{"type":"enabled","budget_tokens":\d+\}}
--- no_error_log
[error]



=== TEST 14: anthropic provider, whole tool_use
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-tool-use.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-haiku-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"weather?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-tool-use.json', 'flash')
--- no_error_log
[error]



=== TEST 15: gemini provider, the raw 2024 alt=sse capture (mixed \r\n\n and \n\n delimiters, safetyRatings, no usage): every chunk passed through
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/stream-text.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route pro g:gemini-pro;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/pro:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"Write a cute story about cats."}]}]}
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('gemini/stream-text.sse', 'pro')
--- no_error_log
[error]



=== TEST 16: openai provider, parallel tool calls streamed: two whole functionCall parts
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-parallel-tool-calls.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"weather and stock?"}]}],"tools":[{"functionDeclarations":[{"name":"get_weather"},{"name":"get_stock_price"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/stream-parallel-tool-calls.sse', 'flash')
--- no_error_log
[error]
