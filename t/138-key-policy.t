# A static key's request policy (docs/key-policy.md): its system prompt
# goes first in every request, in each client dialect and translated, the
# client's own system content kept after it; its output cap is set when the
# request names none, clamped when it asks more, or the request refused
# with a 400 in the client's dialect (max_output=refuse); a request without
# a model takes the key's default_model, routed like a named one.  The
# mock provider's access log line holds the body it received.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: OpenAI client, OpenAI provider: a system message first, max_tokens clamped, the default model routed
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c "system_prompt=Say \"hi\" first." max_output_tokens=100 default_model=fast;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"messages":[{"role":"system","content":"Client rules."},{"role":"user","content":"Hello"}],"max_tokens":5000}
--- error_code: 200
--- access_log eval
qr{MOCK POST /fx/200/openai-chat/response-text.json/v1/chat/completions .* body=\{"messages":\[\{"role":"system","content":"Say \\"hi\\" first\."\},\{"role":"system","content":"Client rules\."\},\{"role":"user","content":"Hello"\}\],"max_tokens":100,"model":"gpt-4o-mini"\}$}m
--- no_error_log
[error]



=== TEST 2: OpenAI client with max_output=refuse asking more: 400 in OpenAI's error shape, nothing sent
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output_tokens=100 max_output=refuse;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"fast","messages":[{"role":"user","content":"Hello"}],"max_completion_tokens":101}
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"max_completion_tokens: 101 output tokens asked for; this API key allows at most 100 per request","type":"invalid_request_error","param":null,"code":"max_output_tokens_exceeded"\}\}$
--- no_access_log
MOCK



=== TEST 3: OpenAI client, stream: max_completion_tokens set when absent, the stream and its usage asked as before
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"fast","messages":[{"role":"developer","content":"Dev."},{"role":"user","content":"Hello"}],"stream":true}
--- error_code: 200
--- access_log eval
qr{ body=\{"model":"gpt-4o-mini","messages":\[\{"role":"developer","content":"Short\."\},\{"role":"developer","content":"Dev\."\},\{"role":"user","content":"Hello"\}\],"stream":true,"max_completion_tokens":100,"stream_options":\{"include_usage":true\}\}$}m
--- no_error_log
[error]



=== TEST 4: Anthropic client, Anthropic provider: the key's block first, the client's cache_control kept, none added, max_tokens set
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100 default_model=claude;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"system":[{"type":"text","text":"Client rules.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Hello"}]}
--- error_code: 200
--- access_log eval
qr{ body=\{"system":\[\{"type":"text","text":"Short\."\},\{"type":"text","text":"Client rules\.","cache_control":\{"type":"ephemeral"\}\}\],"messages":\[\{"role":"user","content":"Hello"\}\],"max_tokens":100,"model":"claude-sonnet-4-5"\}$}m
--- no_error_log
[error]



=== TEST 5: Anthropic client with max_output=refuse asking more: 400 in Anthropic's error shape
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output_tokens=100 max_output=refuse;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","max_tokens":4096,"messages":[{"role":"user","content":"Hello"}]}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"max_tokens: 4096 output tokens asked for; this API key allows at most 100 per request"\}\}$
--- no_access_log
MOCK



=== TEST 6: Anthropic count_tokens: the key's prompt counted, no max_tokens (Anthropic refuses it there)
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages/count_tokens
{"model":"claude","system":"Mine.","messages":[{"role":"user","content":"Hello"}]}
--- access_log eval
qr{ body=\{"model":"claude-sonnet-4-5","system":\[\{"type":"text","text":"Short\."\},\{"type":"text","text":"Mine\."\}\],"messages":\[\{"role":"user","content":"Hello"\}\]\}$}m
--- no_error_log
[error]



=== TEST 7: Gemini client, Gemini provider: systemInstruction's first part, maxOutputTokens clamped in the client's generationConfig
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1beta/ { ai_gateway gemini; }
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1beta/models/flash:generateContent
{"systemInstruction":{"parts":[{"text":"Client rules."}]},"contents":[{"role":"user","parts":[{"text":"Hello"}]}],"generationConfig":{"temperature":0.2,"maxOutputTokens":8192}}
--- error_code: 200
--- access_log eval
qr{ body=\{"systemInstruction":\{"parts":\[\{"text":"Short\."\},\{"text":"Client rules\."\}\]\},"contents":\[\{"role":"user","parts":\[\{"text":"Hello"\}\]\}\],"generationConfig":\{"temperature":0\.2,"maxOutputTokens":100\}\}$}m
--- no_error_log
[error]



=== TEST 8: Gemini client with max_output=refuse asking more: 400 INVALID_ARGUMENT in Gemini's shape
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output_tokens=100 max_output=refuse;
--- config
    location /v1beta/ { ai_gateway gemini; }
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"Hello"}]}],"generationConfig":{"maxOutputTokens":8192}}
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":400,"message":"generationConfig.maxOutputTokens: 8192 output tokens asked for; this API key allows at most 100 per request","status":"INVALID_ARGUMENT"\}\}$
--- no_access_log
MOCK



=== TEST 9: Responses client, OpenAI provider: instructions prefixed, max_output_tokens set, the default model routed
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/response-text.documented.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4.1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100 default_model=fast;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/responses
{"instructions":"Client rules.","input":"Hello"}
--- error_code: 200
--- access_log eval
qr{ body=\{"model":"gpt-4\.1","instructions":"Short\.\\n\\nClient rules\.","input":"Hello","max_output_tokens":100\}$}m
--- no_error_log
[error]



=== TEST 10: Responses client with max_output=refuse asking more: 400 in the Responses error shape
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/response-text.documented.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4.1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output_tokens=100 max_output=refuse;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/responses
{"model":"fast","input":"Hello","max_output_tokens":1000}
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"max_output_tokens: 1000 output tokens asked for; this API key allows at most 100 per request","type":"invalid_request_error","param":null,"code":"max_output_tokens_exceeded"\}\}$
--- no_access_log
MOCK



=== TEST 11: translated, OpenAI client to an Anthropic provider: the key's prompt first in system, max_tokens clamped
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1/ { ai_gateway openai anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"claude","messages":[{"role":"system","content":"Client rules."},{"role":"user","content":"Hello"}],"max_tokens":5000}
--- error_code: 200
--- access_log eval
qr{ body=\{"model":"claude-sonnet-4-5","system":\[\{"type":"text","text":"Short\."\},\{"type":"text","text":"Client rules\."\}\],"messages":\[\{"role":"user","content":\[\{"type":"text","text":"Hello"\}\]\}\],"max_tokens":100\}$}m
--- no_error_log
[error]



=== TEST 12: translated, Anthropic client to a Gemini provider: systemInstruction first, maxOutputTokens clamped
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","system":"Client rules.","max_tokens":4096,"messages":[{"role":"user","content":"Hello"}]}
--- error_code: 200
--- access_log eval
qr{ body=\{"contents":\[\{"role":"user","parts":\[\{"text":"Hello"\}\]\}\],"systemInstruction":\{"parts":\[\{"text":"Short\."\},\{"text":"Client rules\."\}\]\},"generationConfig":\{"maxOutputTokens":100\}\}$}m
--- no_error_log
[error]



=== TEST 13: a request without a model on a key without default_model is still refused
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short.;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"messages":[{"role":"user","content":"Hello"}]}
--- error_code: 400
--- response_body_like: "code":"invalid_model"
--- no_access_log
MOCK



=== TEST 14: a key with a system prompt cannot send a legacy completion, which has no place for it
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route fast p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short.;
--- config
    location /v1/ { ai_gateway openai; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/completions
{"model":"fast","prompt":"Hello"}
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"messages: this API key's requests carry a system prompt; send them as chat completions, with messages","type":"invalid_request_error"
--- no_access_log
MOCK



=== TEST 15: Anthropic client, stream: the stream asked as the client did, the policy applied
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages
{"model":"claude","stream":true,"max_tokens":50,"messages":[{"role":"user","content":"Hello"}]}
--- error_code: 200
--- response_body_like: event: message_stop
--- access_log eval
qr{ body=\{"model":"claude-sonnet-4-5","stream":true,"max_tokens":50,"messages":\[\{"role":"user","content":"Hello"\}\],"system":"Short\."\}$}m
--- no_error_log
[error]



=== TEST 16: translated stream, Gemini client to an OpenAI provider: a system message first, the stream with its usage, max_tokens set
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o-mini;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=Short. max_output_tokens=100;
--- config
    location /v1beta/ { ai_gateway gemini openai; }
--- more_headers
x-goog-api-key: sk-client-alice
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"Hello"}]}]}
--- error_code: 200
--- access_log eval
qr{ body=\{"model":"gpt-4o-mini","messages":\[\{"role":"system","content":"Short\."\},\{"role":"user","content":"Hello"\}\],"max_tokens":100,"stream":true,"stream_options":\{"include_usage":true\}\}$}m
--- no_error_log
[error]
