# Provider errors (the captured 400, 401, 429, 529 and Gemini's
# RESOURCE_EXHAUSTED / API_KEY_INVALID bodies) reach each client dialect
# with that dialect's status and error shape: an Anthropic 529 becomes a
# 503 an OpenAI or Gemini client retries on, Gemini's bad-key 400 becomes a
# 401, and a same-dialect error is passed through as it came; a provider
# that redirects is a 502, never a 200 carrying an error.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: openai client, anthropic 529 overloaded: 503 in OpenAI's shape (the SDKs retry a 5xx)
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/529/anthropic-messages/error-529-overloaded.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 503
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"error":\{"message":"Overloaded","type":"[a-z_]+","param":null,"code":"overloaded_error"\}\}$



=== TEST 2: openai client, anthropic 429: 429 in OpenAI's shape
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/429/anthropic-messages/error-429-rate-limit.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_body_like: ^\{"error":\{"message":"[^"]+","type":"[a-z_]+","param":null,"code":"rate_limit_(error|exceeded)"\}\}$



=== TEST 3: openai client, anthropic 401: 401 in OpenAI's shape
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/401/anthropic-messages/error-401-authentication.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 401
--- response_body_like: ^\{"error":\{"message":"invalid x-api-key","type":"[a-z_]+","param":null,"code":"[a-z_]+"\}\}$



=== TEST 4: openai client, anthropic 400: 400 invalid_request_error
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/400/anthropic-messages/error-400-invalid-request.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 400
--- response_body_like: ^\{"error":\{"message":"[^"]+","type":"invalid_request_error","param":null,"code":



=== TEST 5: openai client, gemini 400 API_KEY_INVALID: the 401 an OpenAI client knows
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/400/gemini/error-400-api-key-invalid.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 401
--- response_body_like: ^\{"error":\{"message":"API key not valid. Please pass a valid API key.","type":"[a-z_]+","param":null,"code":"API_KEY_INVALID"\}\}$



=== TEST 6: openai client, gemini 429 RESOURCE_EXHAUSTED: 429 in OpenAI's shape
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/429/gemini/error-429-resource-exhausted.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_body_like: ^\{"error":\{"message":"You exceeded your current quota, please check your plan.","type":"[a-z_]+","param":null,"code":"[A-Za-z_]+"\}\}$



=== TEST 7: openai client, openai 401: passed through as it came
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/401/openai-chat/error-401-invalid-api-key.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:gpt-4o;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 401
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/error-401-invalid-api-key.json', 'gpt-4o')



=== TEST 8: openai client, azure 400: passed through as it came
--- http_config
    FIXTURES
    ai_gateway_provider az type=azure url=$TEST_NGINX_FX/400/openai-chat/error-400-unsupported-parameter.json key_env=AGW_TEST_UPSTREAM_KEY api_version=2024-10-21;
    ai_gateway_route gpt-4o az:dep;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 400
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/error-400-unsupported-parameter.json', 'gpt-4o')



=== TEST 9: anthropic client, openai 429: rate_limit_error in Anthropic's shape
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/429/openai-chat/error-429-rate-limit.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_body_like: ^\{"type":"error","error":\{"type":"rate_limit_error","message":"Rate limit reached for 10KTPM-200RPM



=== TEST 10: anthropic client, openai 401: authentication_error
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/401/openai-chat/error-401-invalid-api-key.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 401
--- response_body_like: ^\{"type":"error","error":\{"type":"authentication_error","message":"Incorrect API key provided



=== TEST 11: anthropic client, openai 400: invalid_request_error
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/400/openai-chat/error-400-unsupported-parameter.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:o1;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"Unsupported parameter



=== TEST 12: anthropic client, gemini 429: rate_limit_error
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/429/gemini/error-429-resource-exhausted.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 429
--- response_body_like: ^\{"type":"error","error":\{"type":"rate_limit_error","message":"You exceeded your current quota, please check your plan."\}\}$



=== TEST 13: anthropic client, anthropic 529: passed through, status 529 kept
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/529/anthropic-messages/error-529-overloaded.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 529
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('anthropic-messages/error-529-overloaded.json', 'claude')



=== TEST 14: gemini client, openai 429: RESOURCE_EXHAUSTED
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/429/openai-chat/error-429-rate-limit.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 429
--- response_body_like: ^\{"error":\{"code":429,"message":"Rate limit reached for 10KTPM-200RPM[^"]*","status":"RESOURCE_EXHAUSTED"\}\}$



=== TEST 15: gemini client, anthropic 529: 503 UNAVAILABLE
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/529/anthropic-messages/error-529-overloaded.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 503
--- response_body_like: ^\{"error":\{"code":503,"message":"Overloaded","status":"UNAVAILABLE"\}\}$



=== TEST 16: gemini client, anthropic 401: UNAUTHENTICATED
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/401/anthropic-messages/error-401-authentication.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 401
--- response_body_like: ^\{"error":\{"code":401,"message":"invalid x-api-key","status":"UNAUTHENTICATED"\}\}$



=== TEST 17: gemini client, anthropic 400: INVALID_ARGUMENT
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/400/anthropic-messages/error-400-invalid-request.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":400,"message":"[^"]+","status":"INVALID_ARGUMENT"\}\}$



=== TEST 18: gemini client, gemini 429: passed through as it came
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/429/gemini/error-429-resource-exhausted.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:generateContent
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- error_code: 429
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('gemini/error-429-resource-exhausted.json', 'flash')



=== TEST 19: a 529 before any byte fails over to the next step, across dialects
--- http_config
    FIXTURES
    # no cool-down: earlier blocks failed these names (HUP mode keeps health)
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/529/anthropic-messages/error-529-overloaded.json/v1 key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-text-thoughts.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5 g:gemini-3-pro-preview;
--- config
    access_log logs/access.log agw_usage;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"how many r in strawberry?"}]}
--- response_headers
X-AI-Gateway-Provider: g
X-AI-Gateway-Attempts: 2
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-text-thoughts.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST /fx/529/anthropic-messages/error-529-overloaded.json/v1/messages },
 qr{MOCK POST /fx/200/gemini/response-text-thoughts.json/v1beta/models/gemini-3-pro-preview:generateContent },
 qr{GW model=gpt-4o up=gemini-3-pro-preview provider=g dialect=openai tokens=9/272 }]



=== TEST 20: anthropic client, an openai provider redirecting (302): a 502 in Anthropic's shape, never a 200
--- http_config
    FIXTURES
    ai_gateway_provider moved type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route claude-sonnet-4-5 moved:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 302 Found\r\nLocation: https://elsewhere.test/v1/chat/completions\r\nContent-Type: text/html\r\nContent-Length: 5\r\nConnection: close\r\n\r\nmoved"
--- request
POST /v1/messages
{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 502
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"type":"error","error":\{"type":"api_error","message":"[^"]*302[^"]*"\}\}$



=== TEST 21: anthropic client, a load balancer's HTML 502 before an openai provider: a 502 quoting the page
--- http_config
    FIXTURES
    ai_gateway_provider lb type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route claude-sonnet-4-5 lb:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 81\r\nConnection: close\r\n\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>upstream</body></html>"
--- request
POST /v1/messages
{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 502
--- response_body_like: ^\{"type":"error","error":\{"type":"api_error","message":"the provider answered 502: <html> <head><title>502 Bad Gateway</title>



=== TEST 22: anthropic client, a gemini provider overloaded (503 UNAVAILABLE): 529, as Anthropic says it
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1beta key_env=AGW_TEST_UPSTREAM_KEY fails=0;
    ai_gateway_route claude-sonnet-4-5 g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval
"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 82\r\nConnection: close\r\n\r\n{\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}"
--- request
POST /v1/messages
{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 529
--- response_body_like: ^\{"type":"error","error":\{"type":"overloaded_error","message":"The model is overloaded\."\}\}$
