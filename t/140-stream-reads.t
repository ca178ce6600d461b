# How a try reads a streamed answer, and writes it.  An open stream mostly
# waits, in the try's 2 KB read buffer (t/124-stream-memory.t); a stream
# whose provider sends a burst is read proxy_buffer_size (4 KB) at a time,
# as a bare proxy_pass reads it, and goes back to 2 KB once the burst is
# read.  Before, a burst went 2 KB a read, and its client was written as
# often: twice the system calls of a proxy_pass (docs/benchmarks.md).  And
# the events of one read, each in an HTTP chunk of its own as providers
# send them, go to the client in one write: before, one write each (six
# for the answer of TEST 3, whose debug log counts nginx's writev calls:
# the request to the provider, then the client's).
#
# The provider (/slow/ of t/agw/AgwFixtures.pm) sends a whole capture at
# once and ends its response 1.5 s later.  nginx's debug log says what
# each read asked for ("recv: fd:N READ of SIZE"); only the try's buffer
# is 2048 or 4096 bytes in these servers.  A read that filled 4096 bytes
# happened, and the last read of the try, its answer's end after the
# wait, went into 2048.  The filter's output memory stays between the
# reads of a burst and goes back when the stream waits: before, it went
# back and was taken again after every read (a malloc and a free each).

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

our $reads = qr/recv: fd:\d+ -?\d+ of (?:2048|4096)$/;

# A provider's answer in one piece: the headers, then five OpenAI events,
# each in an HTTP chunk of its own as providers send them, and the end.
sub events_in_one_read {
    my $chunk = sub {
        my ($delta, $finish) = @_;
        my $data = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            . "\"created\":1,\"model\":\"up-model\",\"choices\":[{\"index\":0,"
            . "\"delta\":$delta,\"finish_reason\":$finish}]}\n\n";
        return sprintf("%x\r\n%s\r\n", length($data), $data);
    };

    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        . "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        . $chunk->('{"role":"assistant","content":""}', 'null')
        . $chunk->('{"content":"one"}', 'null')
        . $chunk->('{"content":" two"}', 'null')
        . $chunk->('{"content":" three"}', 'null')
        . $chunk->('{}', '"stop"')
        . sprintf("%x\r\n%s\r\n", 14, "data: [DONE]\n\n")
        . "0\r\n\r\n";
}
# nginx's writev calls, by connection ("*N"): the request's connection,
# the last in the log, has two, the request to the provider and the
# answer to the client (any before it are the runner's, a HUP reload's
# polls)
our $writes = qr/\*\d+ writev: \d+ of \d+/;
our $two_writes = qr/\A(?=(?s:.*)\n?(\*\d+) writev: [^\n]*\n\z)(?:(?!\1 )[^\n]*\n)*\1 writev: [^\n]*\n\1 writev: [^\n]*\n\z/;
# the reads, and the filter giving its output memory back (a stream that
# waits): never right after a read that filled the buffer, a burst's
our $reads_and_idle = qr/recv: fd:\d+ -?\d+ of (?:2048|4096)$|ai_gateway: the stream waits, its output memory goes back/;
our $kept_in_burst = qr/\A(?=(?s:.*)^recv: fd:\d+ 4096 of 4096$)(?=(?s:.*)^ai_gateway: the stream waits)(?!(?s:.*)^recv: fd:\d+ 4096 of 4096\nai_gateway: the stream waits)/m;
our $burst_then_wait = qr/^recv: fd:(\d+) 4096 of 4096\n(?:.*\n)*recv: fd:\1 \d+ of 2048\n(?!(?:.*\n)*recv: fd:\1 )/m;

# An Anthropic provider that sends its stream in five parts, 0.2 s apart,
# each event in an HTTP chunk of its own (flushed): the try reads each
# part at once and the
# stream waits between them.  The parts after the first are alike (ten
# text deltas), so each read's translated events fit in what the one
# before took.
sub paced_mock {
    my $event = sub {
        my ($type, $data) = @_;
        return "            echo -n 'event: $type\\ndata: $data\\n\\n';\n"
            . "            echo_flush;\n";
    };
    my $deltas = join '', map {
        $event->('content_block_delta', '{"type":"content_block_delta",'
            . '"index":0,"delta":{"type":"text_delta","text":"word ' . $_
            . ' of the answer, "}}')
    } 1 .. 10;
    my $pause = "            echo_sleep 0.2;\n";

    return "    server {\n"
        . "        listen 127.0.0.1:\$TEST_NGINX_RAND_PORT_1;\n"
        . "        location /v1/messages {\n"
        . "            echo_read_request_body;\n"
        . "            default_type text/event-stream;\n"
        . $event->('message_start', '{"type":"message_start","message":'
            . '{"id":"msg_1","type":"message","role":"assistant","model":'
            . '"up","content":[],"stop_reason":null,"stop_sequence":null,'
            . '"usage":{"input_tokens":7,"output_tokens":1}}}')
        . $event->('content_block_start', '{"type":"content_block_start",'
            . '"index":0,"content_block":{"type":"text","text":""}}')
        . $deltas . $pause . $deltas . $pause . $deltas . $pause . $deltas
        . $pause
        . $event->('content_block_stop',
                   '{"type":"content_block_stop","index":0}')
        . $event->('message_delta', '{"type":"message_delta","delta":'
            . '{"stop_reason":"end_turn","stop_sequence":null},"usage":'
            . '{"output_tokens":40}}')
        . $event->('message_stop', '{"type":"message_stop"}')
        . "        }\n"
        . "    }\n";
}
# the filter's output growing, and the stream waiting: growth only before
# the first wait (the stream's first read), none in the reads after
our $growth_and_waits = qr/ai_gateway: the stream's output grew|ai_gateway: the stream waits, its output memory goes back/;
our $grows_first_read_only = qr/\A(?:ai_gateway: the stream's output grew[^\n]*\n)*(?:ai_gateway: the stream waits[^\n]*\n){4,}\z/;

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



=== TEST 3: the events of one read go to the client in one write, not one each
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up-model;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: main::events_in_one_read()
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- response_body_like: \Adata: [^\n]*"role":"assistant"[^\n]*\n\ndata: [^\n]*"one"[^\n]*\n\ndata: [^\n]*" two"[^\n]*\n\ndata: [^\n]*" three"[^\n]*\n\ndata: [^\n]*"finish_reason":"stop"[^\n]*\n\ndata: \[DONE\]\n\n\z
--- grep_error_log eval: $main::writes
--- grep_error_log_out eval: $main::two_writes
--- no_http2
--- no_error_log
[error]



=== TEST 4: a burst keeps the output memory between its reads, a wait gives it back
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
--- grep_error_log eval: $main::reads_and_idle
--- grep_error_log_out eval: $main::kept_in_burst
--- no_error_log
[error]



=== TEST 5: after a wait, a read's events go into what the last read took, not grown again
--- http_config eval
main::paced_mock()
. '    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;'
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- timeout: 5
--- response_body_like: \A(?:data: \{"id":"msg_1"[^\n]*\n\n){42}data: \[DONE\]\n\n\z
--- grep_error_log eval: $main::growth_and_waits
--- grep_error_log_out eval: $main::grows_first_read_only
--- no_error_log
[error]
