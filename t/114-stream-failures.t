# A stream that fails after it started (the provider's own error event, a
# connection cut mid-body, or a body that ends before the dialect's end of
# stream) must reach the client as its dialect's error event, never as a
# clean end: no data: [DONE] for OpenAI, no message_stop for Anthropic, no
# finishReason for Gemini.  The provider side replays the start of a real
# capture from a --- tcp_listen peer (cut_reply / spliced_reply of
# t/agw/AgwFixtures.pm); the documented Anthropic overloaded_error event is
# the mid-stream error.  A stream whose end marker came is whole, even if
# its connection then stalls.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: openai client, anthropic overloaded_error event mid-stream: the text so far, then an error chunk, no [DONE]
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('anthropic-messages/stream-text.sse', 900, 'anthropic-messages/stream-error-overloaded.documented.sse')
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_like: \A(data: \{"id":"msg_01LtFpmR8SbmiK2kRA5sWXNi","object":"chat.completion.chunk","created":\d+,"model":"gpt-4o","choices":\[\{"index":0,"delta":\{[^\n]*\n\n){3,}data: \{"error":\{"message":"Overloaded","type":"[a-z_]+","param":null,"code":"overloaded_error"\}\}\n\n\z



=== TEST 2: anthropic client, anthropic overloaded_error event mid-stream: passed through as the last event
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('anthropic-messages/stream-text.sse', 900, 'anthropic-messages/stream-error-overloaded.documented.sse')
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body
model=claude
text="[12345,"
finish=none
usage=135/1
end=error:overloaded_error



=== TEST 3: gemini client, anthropic overloaded_error event mid-stream: a Gemini error chunk last
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-sonnet-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('anthropic-messages/stream-text.sse', 900, 'anthropic-messages/stream-error-overloaded.documented.sse')
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}
--- response_body_like: data: \{"error":\{"code":503,"message":"Overloaded","status":"UNAVAILABLE"\}\}\r\n\r\n\z
--- response_body_unlike: finishReason



=== TEST 4: openai client, anthropic connection cut mid-stream: an error chunk, no [DONE]
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('anthropic-messages/stream-text.sse', 900)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body_like: \Amodel=gpt-4o\ntext="\[12345,"\nfinish=none\nusage=none\nend=error:[a-z_]+\n\z
--- error_log
upstream prematurely closed connection



=== TEST 5: anthropic client, openai connection cut mid-stream: event: error, no message_stop
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-chat/stream-include-usage.chunks.sse', 3000)
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_like: (?s)\Aevent: message_start\n.*event: content_block_delta\n.*\nevent: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"[^"]+"\}\}\n\n\z
--- response_body_unlike: message_stop



=== TEST 6: gemini client, openai connection cut mid-stream: a Gemini error chunk, no finishReason
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4.1-nano;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-chat/stream-include-usage.chunks.sse', 3000)
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"a holiday?"}]}]}
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body_like: \Amodel=flash\ntext="\*\*Holiday Name:\*\* Harmony Day[^\n]*"\nfinish=none\nusage=none\nend=error:[A-Z_]+\n\z



=== TEST 7: openai client, openai connection cut mid-stream (passthrough): an error chunk, no [DONE]
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:gpt-4.1-nano;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-chat/stream-include-usage.chunks.sse', 3000)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body_like: \Amodel=gpt-4o\ntext="\*\*Holiday Name:\*\* Harmony Day[^\n]*"\nfinish=none\nusage=none\nend=error:[a-z_]+\n\z



=== TEST 8: anthropic client, anthropic connection cut (passthrough): event: error, no message_stop
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-haiku-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('anthropic-messages/stream-tool-use.sse', 1500)
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object"}}]}
--- response_body_like: (?s)\Aevent: message_start\n.*"partial_json".*\nevent: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"[^"]+"\}\}\n\n\z
--- response_body_unlike: message_stop



=== TEST 9: gemini client, gemini connection cut (passthrough): an error chunk last
--- http_config
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash g:gemini-2.5-flash;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('gemini/stream-text-usage.chunks.sse', 1000)
--- request
POST /v1beta/models/flash:streamGenerateContent?alt=sse
{"contents":[{"role":"user","parts":[{"text":"why is the sky blue?"}]}]}
--- response_body_like: (?s)\Adata: \{"candidates".*\r\n\r\ndata: \{"error":\{"code":\d+,"message":"[^"]+","status":"[A-Z_]+"\}\}\r\n\r\n\z
--- response_body_unlike: finishReason



=== TEST 10: openai client, gemini connection cut: an error chunk, no [DONE]
--- http_config
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('gemini/stream-text-usage.chunks.sse', 1000)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"why is the sky blue?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body_like: \Amodel=gpt-4o\ntext="low![^\n]*"\nfinish=none\nusage=none\nend=error:[a-z_]+\n\z



=== TEST 11: openai client, openai stream closed cleanly but before [DONE]: still an error, not a clean end
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:gpt-4.1-nano;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('openai-chat/stream-include-usage.chunks.sse', 3000, undef)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body_like: \Amodel=gpt-4o\ntext="\*\*Holiday Name:\*\* Harmony Day[^\n]*"\nfinish=none\nusage=none\nend=error:[a-z_]+\n\z



=== TEST 12: anthropic client, gemini stream closed cleanly before any finishReason: event: error, no message_stop
--- http_config
    ai_gateway_provider g type=gemini url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude g:gemini-2.5-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('gemini/stream-text-usage.chunks.sse', 1000, undef)
--- request
POST /v1/messages
{"model":"claude","max_tokens":1000,"stream":true,"messages":[{"role":"user","content":"why is the sky blue?"}]}
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body_like: \Amodel=claude\ntext="low![^\n]*"\nfinish=none\nusage=20/\d+\nend=error:[a-z_]+\n\z



=== TEST 13: openai client, anthropic stream stalled past proxy_read_timeout: an error chunk that says timeout
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('anthropic-messages/stream-text.sse', 900)
--- tcp_no_close: 1
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_like: \A(data: \{"id":"msg_01LtFpmR8SbmiK2kRA5sWXNi","object":"chat.completion.chunk"[^\n]*\n\n){3,}data: \{"error":\{"message":"the provider sent nothing within proxy_read_timeout","type":"server_error","param":null,"code":"stream_timeout"\}\}\n\n\z
--- error_log
provider "an" ended its response early (timeout)



=== TEST 14: anthropic client, openai stream stalled past proxy_read_timeout: event: error, a timeout
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-chat/stream-include-usage.chunks.sse', 3000)
--- tcp_no_close: 1
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_like: event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"the provider sent nothing within proxy_read_timeout"\}\}\n\n\z



=== TEST 15: anthropic client, openai stream whole ([DONE]) but its connection held open past proxy_read_timeout: a clean end
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:gpt-4.1-nano;
--- config
    proxy_read_timeout 1s;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-chat/stream-include-usage.chunks.sse', 200000)
--- tcp_no_close: 1
--- request
POST /v1/messages
{"model":"claude","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"a holiday?"}]}
--- response_body_like: event: message_delta\ndata: [^\n]*\n\nevent: message_stop\ndata: \{"type":"message_stop"\}\n\n\z
