# Translated streams go out event by event: the provider (t/agw/AgwFixtures.pm
# /slow/...) sends a whole captured stream at once but ends its response only
# 1.5 s later; the client, reading for 500 ms, must already hold translated
# events.  HTTP/1.0 so that nginx streams the body unchunked and the checks
# read what arrived.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: openai client, anthropic provider: chunks before the provider's response ends
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/anthropic-messages/stream-text.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions HTTP/1.0
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- timeout: 500ms
--- abort
--- response_body_like: \Adata: \{"id":"msg_01LtFpmR8SbmiK2kRA5sWXNi","object":"chat.completion.chunk",.*"delta":\{"content":"67890\]"\}



=== TEST 2: anthropic client, gemini provider: events before the provider's response ends
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/gemini/stream-text-usage.chunks.sse/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request
POST /v1/messages HTTP/1.0
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"hi"}]}
--- timeout: 500ms
--- abort
--- response_body_like: \Aevent: message_start\n.*event: content_block_delta\ndata: \{"type":"content_block_delta","index":0,"delta":\{"type":"text_delta","text":"low!



=== TEST 3: gemini client, openai provider: text chunks before the provider's response ends (tool calls and the finish are held for its end)
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse HTTP/1.0
{"contents":[{"role":"user","parts":[{"text":"weather?"}]}]}
--- timeout: 500ms
--- abort
--- response_body_like: \Adata: \{"candidates":\[\{"content":\{"parts":\[\{"text":"\*\*"\}\],"role":"model"\},"index":0\}\],"modelVersion":"flash".*"text":" respect"\}.*"text":"\."\}
