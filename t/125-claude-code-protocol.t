# What Anthropic's gateway protocol reference for Claude Code asks of a
# gateway serving the Anthropic Messages format (docs/compatibility.md has
# the table): the anthropic-version and anthropic-beta request headers and
# the query (Claude Code calls /v1/messages?beta=true) reach an Anthropic
# provider unchanged; other providers get none of Anthropic's headers nor
# its query; count_tokens reaches Anthropic and Gemini providers; the
# client's credentials reach no provider; the model list
# Claude Code asks for at start-up comes in Anthropic's shape.  The
# requests carry the headers Claude Code 2.1 sends.  A logging proxy in
# front of the fixture mock (CC ...) shows what the provider received.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: /v1/messages?beta=true: the route matches and the query reaches the Anthropic provider
--- http_config
    FIXTURES
    log_format agw_cc escape=none 'CC $uri args="$args"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location / { proxy_pass $TEST_NGINX_FX/200/anthropic-messages/response-text.json/; }
    }
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude;
--- config
    location /v1/ { ai_gateway anthropic openai; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages?beta=true
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: ^\{"model":"claude","id":"msg_
--- access_log eval
qr{CC /v1/messages args="beta=true"}



=== TEST 2: count_tokens?beta=true: the query reaches the Anthropic provider, through the key's model allow-list
--- http_config
    log_format agw_cc escape=none 'CC $uri args="$args" xkey="$http_x_api_key" body=$request_body';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location /v1/messages/count_tokens {
            echo_read_request_body;
            default_type application/json;
            echo -n '{"input_tokens":14}';
        }
    }
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages/count_tokens?beta=true
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- response_body chomp
{"input_tokens":14}
--- access_log eval
qr{CC /v1/messages/count_tokens args="beta=true" xkey="sk-upstream-secret-0123456789" body=\{"model":"claude-sonnet-4-5",}



=== TEST 3: count_tokens for a model the key may not use: 403, nothing sent
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_route claude-big an:claude-opus-4-6;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages/count_tokens?beta=true
{"model":"claude-big","messages":[{"role":"user","content":"Hello, world"}]}
--- error_code: 403
--- response_body_like: ^\{"type":"error","error":\{"type":"permission_error","message":"[^"]+"\}\}$
--- no_access_log
MOCK



=== TEST 4: Claude Code's headers to an Anthropic provider: anthropic-version and anthropic-beta as sent, the client's credentials gone
--- http_config
    FIXTURES
    log_format agw_cc escape=none 'CC version="$http_anthropic_version" beta="$http_anthropic_beta" browser="$http_anthropic_dangerous_direct_browser_access" session="$http_x_claude_code_session_id" auth="$http_authorization" xkey="$http_x_api_key"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location / { proxy_pass $TEST_NGINX_FX/200/anthropic-messages/response-text.json/; }
    }
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-01-01
anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14
anthropic-dangerous-direct-browser-access: true
X-Claude-Code-Session-Id: 5b1f0c9e-session
--- request
POST /v1/messages?beta=true
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- access_log eval
qr{CC version="2023-01-01" beta="claude-code-20250219,interleaved-thinking-2025-05-14" browser="true" session="5b1f0c9e-session" auth="" xkey="sk-upstream-secret-0123456789"}
--- no_access_log
sk-client-alice



=== TEST 5: an OpenAI client's request to an Anthropic provider carries the provider's api_version
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY api_version=2023-01-01;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- more_headers
anthropic-version: 2099-01-01
--- request
POST /v1/chat/completions?beta=true
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- access_log eval
qr{MOCK POST \S+/v1/messages args="" auth="" xkey="sk-upstream-secret-0123456789" goog="" azure="" version="2023-01-01"}



=== TEST 6: Claude Code's headers to an OpenAI provider: no anthropic-* header, no query, no client credentials
--- http_config
    FIXTURES
    log_format agw_cc escape=none 'CC $uri args="$args" version="$http_anthropic_version" beta="$http_anthropic_beta" browser="$http_anthropic_dangerous_direct_browser_access" auth="$http_authorization" xkey="$http_x_api_key"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location / { proxy_pass $TEST_NGINX_FX/200/openai-chat/response-text.json/; }
    }
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway anthropic openai; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
anthropic-beta: claude-code-20250219
anthropic-dangerous-direct-browser-access: true
--- request
POST /v1/messages?beta=true
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: ^\{"id":"[^"]+","type":"message","role":"assistant","model":"claude",
--- access_log eval
qr{CC /v1/chat/completions args="" version="" beta="" browser="" auth="Bearer sk-upstream-secret-0123456789" xkey=""}
--- no_access_log
sk-client-alice



=== TEST 7: Claude Code's headers to a Gemini provider: no anthropic-* header, only Gemini's own query
--- http_config
    FIXTURES
    log_format agw_cc escape=none 'CC $uri args="$args" version="$http_anthropic_version" beta="$http_anthropic_beta" browser="$http_anthropic_dangerous_direct_browser_access" auth="$http_authorization" xkey="$http_x_api_key" goog="$http_x_goog_api_key"';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location / { proxy_pass $TEST_NGINX_FX/200/gemini/response-text-thoughts.json/; }
    }
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
anthropic-beta: claude-code-20250219
anthropic-dangerous-direct-browser-access: true
--- request
POST /v1/messages?beta=true
{"model":"claude","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- access_log eval
qr{CC /v1beta/models/gemini-2.5-flash:generateContent args="" version="" beta="" browser="" auth="" xkey="" goog="sk-upstream-secret-0123456789"}
--- no_access_log
sk-client-alice



=== TEST 8: model discovery as Claude Code asks (GET /v1/models?limit=1000, Bearer key, anthropic-version): Anthropic's shape, the key's routes
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude-sonnet-gw an:claude-sonnet-4-5;
    ai_gateway_route claude-gpt p:gpt-4.1-nano;
    ai_gateway_route secret an:claude-opus-4-6;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude-sonnet-gw,claude-gpt;
--- config
    location /v1/ { ai_gateway openai anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
anthropic-beta: claude-code-20250219
X-Claude-Code-Session-Id: 5b1f0c9e-session
--- request
GET /v1/models?limit=1000
--- error_code: 200
--- response_body_like: ^\{"data":\[\{"type":"model","id":"claude-sonnet-gw","display_name":"claude-sonnet-gw","created_at":"[0-9T:Z-]+"\},\{"type":"model","id":"claude-gpt","display_name":"claude-gpt","created_at":"[0-9T:Z-]+"\}\],"has_more":false,"first_id":"claude-sonnet-gw","last_id":"claude-gpt"\}$
--- no_access_log
MOCK



=== TEST 9: the body fields of Claude Code's betas reach an Anthropic provider as sent, the model aside
--- http_config
    FIXTURES
    log_format agw_cc escape=none 'CC body=$request_body';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        client_body_buffer_size 64k;
        location / { proxy_pass $TEST_NGINX_FX/200/anthropic-messages/response-text.json/; }
    }
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- more_headers
anthropic-version: 2023-06-01
anthropic-beta: claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27,advanced-tool-use-2025-11-20,effort-2025-11-24
--- request
POST /v1/messages?beta=true
{"model":"claude","messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]},{"role":"system","content":"mid"}],"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.18b; cc_entrypoint=sdk-cli;"},{"type":"text","text":"You are a Claude agent.","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Read","description":"r","input_schema":{"type":"object"}},{"name":"Later","description":"d","input_schema":{"type":"object"},"defer_loading":true}],"metadata":{"user_id":"{\"session_id\":\"5b1f\"}"},"max_tokens":32000,"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"high"},"stream":false}
--- error_code: 200
--- access_log eval
qr{CC body=\Q{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":[{"type":"text","text":"hi","cache_control":{"type":"ephemeral"}}]},{"role":"system","content":"mid"}],"system":[{"type":"text","text":"x-anthropic-billing-header: cc_version=2.1.332.18b; cc_entrypoint=sdk-cli;"},{"type":"text","text":"You are a Claude agent.","cache_control":{"type":"ephemeral"}}],"tools":[{"name":"Read","description":"r","input_schema":{"type":"object"}},{"name":"Later","description":"d","input_schema":{"type":"object"},"defer_loading":true}],"metadata":{"user_id":"{\"session_id\":\"5b1f\"}"},"max_tokens":32000,"thinking":{"type":"adaptive","display":"omitted"},"context_management":{"edits":[{"type":"clear_thinking_20251015","keep":"all"}]},"output_config":{"effort":"high"},"stream":false}\E$}



=== TEST 10: count_tokens for a model routed to a Gemini provider: Gemini's countTokens with the request translated, its totalTokens as input_tokens
--- http_config
    log_format agw_cc escape=none 'CC $uri args="$args" goog="$http_x_goog_api_key" auth="$http_authorization" ant="$http_anthropic_version$http_anthropic_beta" body=$request_body';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_cc;
        location / {
            echo_read_request_body;
            default_type application/json;
            echo -n '{"totalTokens":31,"promptTokensDetails":[{"modality":"TEXT","tokenCount":31}]}';
        }
    }
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
anthropic-version: 2023-06-01
anthropic-beta: claude-code-20250219
--- request
POST /v1/messages/count_tokens?beta=true
{"model":"claude","system":"be brief","messages":[{"role":"user","content":"Hello, world"}],"tools":[{"name":"Read","description":"r","input_schema":{"type":"object"}}]}
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body chomp
{"input_tokens":31}
--- access_log eval
qr{CC /v1beta/models/gemini-2\.5-flash:countTokens args="" goog="sk-upstream-secret-0123456789" auth="" ant="" body=\{"generateContentRequest":\{"model":"models/gemini-2\.5-flash","contents":\[\{"role":"user","parts":\[\{"text":"Hello, world"\}\]\}\].*"systemInstruction":\{"parts":\[\{"text":"be brief"\}\]\}.*"functionDeclarations":\[\{"name":"Read".*\}\}$}
--- no_access_log
sk-client-alice



=== TEST 11: count_tokens to a Gemini provider that refuses the key: Anthropic's error shape
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/400/gemini/error-400-api-key-invalid.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages/count_tokens
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- error_code: 401
--- response_body_like: ^\{"type":"error","error":\{"type":"authentication_error","message":"[^"]+"\}\}$
--- access_log eval
qr{MOCK POST /fx/400/gemini/error-400-api-key-invalid\.json/v1beta/models/gemini-2\.5-flash:countTokens }



=== TEST 12: count_tokens to a Gemini provider whose answer holds no totalTokens: 502 in Anthropic's shape
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location / {
            echo_read_request_body;
            default_type application/json;
            echo -n '{"tokens":31}';
        }
    }
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages/count_tokens
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- error_code: 502
--- response_body_like: ^\{"type":"error","error":\{"type":"api_error","message":"[^"]+"\}\}$
--- error_log
answered 200 with a body that cannot be read: the answer holds no totalTokens



=== TEST 13: count_tokens for a model routed to an OpenAI provider: refused in Anthropic's error shape, nothing sent
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- more_headers
anthropic-version: 2023-06-01
--- request
POST /v1/messages/count_tokens?beta=true
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"No provider of the model `claude` serves /v1/messages/count_tokens"\}\}$
--- no_access_log
MOCK
