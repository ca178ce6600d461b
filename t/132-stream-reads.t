# How a try reads a streamed answer.  An open stream mostly waits, in the
# try's 2 KB read buffer (t/124-stream-memory.t); a stream whose provider
# sends a burst is read proxy_buffer_size (4 KB) at a time, as a bare
# proxy_pass reads it, and goes back to 2 KB once the burst is read.
# Before, a burst went 2 KB a read, and its client was written as often:
# twice the system calls of a proxy_pass (docs/benchmarks.md).
#
# The provider (/slow/ of t/agw/AgwFixtures.pm) sends a whole capture at
# once and ends its response 1.5 s later.  nginx's debug log says what
# each read asked for ("recv: fd:N READ of SIZE"); only the try's buffer
# is 2048 or 4096 bytes in these servers.  A read that filled 4096 bytes
# happened, and the last read of the try, its answer's end after the
# wait, went into 2048.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

our $reads = qr/recv: fd:\d+ -?\d+ of (?:2048|4096)$/;
our $burst_then_wait = qr/^recv: fd:(\d+) 4096 of 4096\n(?:.*\n)*recv: fd:\1 \d+ of 2048\n(?!(?:.*\n)*recv: fd:\1 )/m;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: same dialect: a 100 KB burst is read 4 KB at a time, the wait in 2 KB
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/openai-chat/stream-include-usage.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- timeout: 5
--- response_body_filters eval: [\&AgwFixtures::canonical]
--- response_body eval: AgwFixtures::fixture_canonical('openai-chat/stream-include-usage.chunks.sse', 'gpt-4o')
--- grep_error_log eval: $main::reads
--- grep_error_log_out eval: $main::burst_then_wait
--- no_error_log
[error]



=== TEST 2: translated: a 6.6 KB burst is read 4 KB at a time, the wait in 2 KB, every event sent
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/anthropic-messages/stream-prompt-cache.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- timeout: 5
--- response_body_like: \A(?:data: \{"id":"msg_[^\n]*\n\n)+data: \{[^\n]*"usage":\{"prompt_tokens":9632,"completion_tokens":198,[^\n]*\n\ndata: \[DONE\]\n\n\z
--- grep_error_log eval: $main::reads
--- grep_error_log_out eval: $main::burst_then_wait
--- no_error_log
[error]
