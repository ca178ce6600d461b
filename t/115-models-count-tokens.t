# The model lists in each client's shape (OpenAI's, Anthropic's when the
# request carries anthropic-version, Gemini's), limited to what the key may
# use, and POST /v1/messages/count_tokens forwarded to Anthropic providers
# with the key and model swapped (Gemini's countTokens: t/121).  The
# shapes are those of
# t/fixtures/anthropic-messages/models-list.documented.json and
# t/fixtures/gemini/models-list.json; the count_tokens answer is Anthropic's
# documented {"input_tokens": N}.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: GET /v1/models with anthropic-version: Anthropic's list shape, only the key's models
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_route claude-big an:claude-opus-4-6;
    ai_gateway_route secret an:claude-opus-4-6;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude,claude-big;
--- config
    location /v1/ { ai_gateway openai anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
GET /v1/models
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"data":\[\{"type":"model","id":"claude","display_name":"claude","created_at":"[0-9T:Z-]+"\},\{"type":"model","id":"claude-big","display_name":"claude-big","created_at":"[0-9T:Z-]+"\}\],"has_more":false,"first_id":"claude","last_id":"claude-big"\}$
--- no_access_log
MOCK



=== TEST 2: the same location without anthropic-version: OpenAI's list shape
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_route secret an:claude-opus-4-6;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=claude;
--- config
    location /v1/ { ai_gateway openai anthropic; }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
GET /v1/models
--- response_body_like: ^\{"object":"list","data":\[\{"id":"claude","object":"model","created":\d+,"owned_by":"[^"]+"\}\]\}$



=== TEST 3: GET /v1beta/models?key=: Gemini's list shape
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
    ai_gateway_route pro g:gemini-3-pro-preview;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=flash;
--- config
    location /v1beta/ { ai_gateway gemini; }
--- request
GET /v1beta/models?key=sk-client-alice
--- response_body_like: ^\{"models":\[\{"name":"models/flash","displayName":"flash","supportedGenerationMethods":\["generateContent","streamGenerateContent"\]\}\]\}$



=== TEST 4: GET /v1beta/models without a key: 401 in Gemini's error shape, naming Gemini's key places
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1beta/ { ai_gateway gemini; }
--- request
GET /v1beta/models
--- error_code: 401
--- response_body_like: ^\{"error":\{"code":401,"message":"You didn't provide an API key. Provide it in the x-goog-api-key header or the key query parameter.","status":"UNAUTHENTICATED"\}\}$



=== TEST 5: count_tokens reaches an Anthropic provider at /messages/count_tokens with its key and model; the answer comes back as it came
--- http_config
    log_format agw_ct escape=none 'CT $uri xkey="$http_x_api_key" version="$http_anthropic_version" body=$request_body';
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        access_log logs/access.log agw_ct;
        location /v1/messages/count_tokens {
            echo_read_request_body;
            default_type application/json;
            echo -n '{"input_tokens":14}';
        }
    }
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
POST /v1/messages/count_tokens
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- response_body chomp
{"input_tokens":14}
--- access_log eval
qr{CT /v1/messages/count_tokens xkey="sk-upstream-secret-0123456789" version="2023-06-01" body=\{"model":"claude-sonnet-4-5","messages":\[\{"role":"user","content":"Hello, world"\}\]\}}
--- no_access_log
sk-client-alice



=== TEST 6: count_tokens for a model routed to an OpenAI provider: refused in Anthropic's error shape, nothing sent
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages/count_tokens
{"model":"claude","messages":[{"role":"user","content":"Hello, world"}]}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"[^"]+"\}\}$
--- no_access_log
MOCK



=== TEST 7: a key none of whose models is routed: Anthropic's list shape, empty, without first and last ids
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=other;
--- config
    location /v1/ { ai_gateway openai anthropic; }
--- more_headers
x-api-key: sk-client-alice
anthropic-version: 2023-06-01
--- request
GET /v1/models
--- response_body chomp
{"data":[],"has_more":false,"first_id":null,"last_id":null}
--- no_access_log
MOCK
