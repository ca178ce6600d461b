# A client that reads slowly must not make the worker hold the answer: the
# gateway keeps at most ai_gateway_buffers of translated output per stream
# and leaves the rest unread with the provider (TCP slows it down), as
# plain proxy_pass does.  Each block starts a stream the client does not
# read, waits until the worker's memory stops moving, and checks how much
# it grew against the size of the stream; then the client reads the rest
# and must get every event.  send_timeout still ends a client that never
# reads.  With proxy_buffering on, what nginx spills to a temp file while
# the client pauses reaches the client whole.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;
use AgwStreams;
use Time::HiRes qw(sleep);

no_shuffle();
# a debug log line per event of 150,000 would take minutes
log_level('warn');

# about 9 MB (OpenAI) and 7 MB (Anthropic) of stream: before the filter
# bounded its buffers, a paused client grew the worker by 1.7 times that
our $N = $ENV{TEST_NGINX_AGW_N} ||= 60000;

add_block_preprocessor(sub {
    my $block = shift;

    # the paused clients speak HTTP/1.1 on the server's port themselves
    $block->set_value(no_http2 => 1);

    my $hc = $block->http_config or return;
    $hc =~ s/^\s*BIG_MOCK\s*$/big_mock()/me;
    $block->set_value(http_config => $hc);
});

our $BODY = '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}';

# Memory the worker takes for one stream its client does not read, then
# the whole stream as the client finally reads it.
sub paused_stream {
    my ($name) = @_;
    AgwStreams::big_files($N);
    # a first stream read at once: pools and allocator arenas exist
    my ($s, $head) = slow_client('/v1/chat/completions', $BODY);
    read_all($s, $head);
    my $before = settle(\&worker_rss);
    ($s, $head) = slow_client('/v1/chat/completions', $BODY);
    my $grown = settle(\&worker_rss) - $before;
    my $size = -s Test::Nginx::Socket::html_dir() . "/$name-$N.sse";
    # holding even half of the stream fails
    cmp_ok($grown, '<', 4 << 20,
           "$name: the worker grew by $grown bytes for a paused stream of $size");
    my $summary = AgwFixtures::openai_summary(read_all($s, $head));
    is($summary, "model=gpt-4o\ntext=\"" . words($N)
                 . "\"\nfinish=stop\nusage=none\nend=clean\n",
       "$name: the client reads every event once it reads again");
}

# send_timeout: a client that never reads again is timed out, its stream
# cut rather than ended
sub stalled_stream {
    AgwStreams::big_files($N);
    my ($s, $head) = slow_client('/v1/chat/completions', $BODY);
    my $log = Test::Nginx::Socket::server_root() . '/logs/error.log';
    my $timed_out = 0;
    for (1 .. 400) {
        open my $fh, '<', $log or last;
        $timed_out = grep { /client timed out/ } <$fh>;
        last if $timed_out;
        sleep 0.05;
    }
    ok($timed_out, 'send_timeout: the stalled client timed out');
    unlike(read_all($s, $head), qr/data: \[DONE\]/,
           'send_timeout: the stream was cut, not ended');
}

# proxy_buffering on: the provider's whole answer is with nginx (in memory
# or in a temp file) once the mock has logged its request; then the client
# reads it all
sub spilled_stream {
    AgwStreams::big_files($N);
    my ($s, $head) = slow_client('/v1/chat/completions', $BODY);
    my $log = Test::Nginx::Socket::server_root() . '/logs/access.log';
    for (1 .. 600) {
        open my $fh, '<', $log or last;
        last if grep { m{/file/anthropic} } <$fh>;
        sleep 0.05;
    }
    is(AgwFixtures::openai_summary(read_all($s, $head)),
       "model=gpt-4o\ntext=\"" . words($N)
       . "\"\nfinish=stop\nusage=none\nend=clean\n",
       'every event, from memory and from the temp file');
}

# A whole answer (not a stream) larger than the sockets hold: the worker
# sends it from the request's own buffer while the client pauses, then
# the client must read it unchanged, every byte.
sub paused_whole {
    my $size = 16 << 20;
    AgwStreams::big_answer_file('whole.json', $size);
    my ($s, $head) = slow_client('/v1/chat/completions',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}');
    like($head, qr{^HTTP/1.1 200}, 'whole answer: 200');
    # while the first waits, most of it unsent, a second answer is made
    # and sent whole: memory the first still sends from must stay its own
    my ($s2, $head2) = slow_client('/v1/chat/completions',
        '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}');
    my $body2 = read_all($s2, $head2);
    my $body = read_all($s, $head);
    ok($body eq $body2, 'whole answer: the first the same as the second');
    my ($x) = $body =~ /"content":"(x*)"/;
    # big_answer_file's head and tail around the padding
    my $pad = $size - length('{"id":"chatcmpl-1","object":"chat.completion",'
        . '"created":1,"model":"up","choices":[{"index":0,"message":'
        . '{"role":"assistant","content":"')
        - length('"},"finish_reason":"stop"}]}');
    is(length($x // ''), $pad, 'whole answer: every byte of the content');
    like($body, qr/"finish_reason":"stop"\}\]\}$/, 'whole answer: its end');
}

run_tests();

__DATA__

=== TEST 1: same dialect: a paused client costs the worker a bounded amount, then gets every event
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/openai-$TEST_NGINX_AGW_N.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- init
main::paused_stream('openai');
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30
--- no_error_log
[error]



=== TEST 2: translated: the same
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-$TEST_NGINX_AGW_N.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- init
main::paused_stream('anthropic');
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30
--- no_error_log
[error]



=== TEST 3: send_timeout ends a client that stops reading a translated stream
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-$TEST_NGINX_AGW_N.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    send_timeout 1s;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- log_level: info
--- init
main::stalled_stream();
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30



=== TEST 4: proxy_buffering on, sendfile on: what nginx spills to a temp file while the client pauses is translated too
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-$TEST_NGINX_AGW_N.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    sendfile on;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        proxy_pass           $ai_gateway_upstream_url;
        proxy_http_version   1.1;
        proxy_set_header     Host $ai_gateway_upstream_host;
        proxy_set_header     Connection "";
        proxy_buffering      on;
    }
--- init
main::spilled_stream();
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30
--- no_error_log
[error]



=== TEST 5: proxy_buffering on, sendfile off: the same
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-$TEST_NGINX_AGW_N.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    sendfile off;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        proxy_pass           $ai_gateway_upstream_url;
        proxy_http_version   1.1;
        proxy_set_header     Host $ai_gateway_upstream_host;
        proxy_set_header     Connection "";
        proxy_buffering      on;
    }
--- init
main::spilled_stream();
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30
--- no_error_log
[error]



=== TEST 6: a whole answer larger than the sockets hold reaches a paused client unchanged
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/whole.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- init
main::paused_whole();
--- request
GET /v1/models
--- response_body_like: "gpt-4o"
--- timeout: 30
--- no_error_log
[error]
