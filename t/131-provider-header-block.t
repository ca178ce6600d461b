# A provider's header block of any size up to proxy_buffer_size reaches the
# gateway whole.  A try reads it into 2 KB of the request pool first and
# moves to a buffer of proxy_buffer_size only when the block outgrows them
# (what an open stream then keeps is 2 KB, not 4): the moves below happen
# with the header parser at each place of a line (in a name, after the
# colon, in a value, between CR and LF, in the blank line that ends the
# block), after the proxy went on to a second server, and up to a larger
# proxy_buffer_size.  Past proxy_buffer_size it is nginx's "too big
# header", as before.  The provider is a --- tcp_listen peer whose first
# 2048 bytes end where each block says; the header that straddles them
# reaches an Anthropic client with its value intact.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

our $line = "anthropic-ratelimit-tokens-remaining: 1999985\r\n";

# The stream-text capture after a header block of at least $size bytes in
# which byte 2048 falls $k bytes into $line (its last line when $last):
# two pieces, the first one 2048 bytes.
sub reply_at {
    my ($k, $size, $last) = @_;
    my $body = AgwFixtures::read_fixture('anthropic-messages/stream-text.sse');
    my $head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        . "Connection: close\r\nrequest-id: req_header_block\r\n";
    my $fill = 2048 - $k - length($head) - length("x-fill: \r\n");

    $head .= 'x-fill: ' . ('f' x $fill) . "\r\n" . $line;

    my $n = 0;
    while (!$last && length($head) < $size) {
        $head .= sprintf("x-pad-%03d: %s\r\n", $n++, 'p' x 40);
    }

    my $all = "$head\r\n$body";
    return [substr($all, 0, 2048), substr($all, 2048)];
}

# Each block's provider is the peer, unless it says otherwise; an Anthropic
# client gets the stream as it came, the straddling header with its value,
# and no error is logged unless the block expects one.
add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
_EOC_

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
_EOC_

    $block->set_value(tcp_listen => $ENV{TEST_NGINX_TCP_PORT});
    $block->set_value(no_error_log => "[error]")
        unless defined $block->error_log;

    return if defined $block->request;

    $block->set_value(request => <<'_EOC_');
POST /v1/messages
{"model":"claude","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}
_EOC_
    $block->set_value(response_headers => "request-id: req_header_block\n"
        . "anthropic-ratelimit-tokens-remaining: 1999985\n");
    $block->set_value(response_body_filters => [\&AgwFixtures::anthropic_summary]);
    $block->set_value(response_body => AgwFixtures::fixture_summary(
        'anthropic-messages/stream-text.sse', 'claude'));
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: the first buffer ends in a header's name
--- tcp_reply eval: main::reply_at(5, 3500)



=== TEST 2: the first buffer ends right after the colon
--- tcp_reply eval: main::reply_at(index($main::line, ':') + 1, 3500)



=== TEST 3: the first buffer ends in a header's value
--- tcp_reply eval: main::reply_at(length($main::line) - 5, 3500)



=== TEST 4: the first buffer ends between CR and LF
--- tcp_reply eval: main::reply_at(length($main::line) - 1, 3500)



=== TEST 5: the first buffer ends at the start of a line
--- tcp_reply eval: main::reply_at(0, 3500)



=== TEST 6: the first buffer ends in the blank line that ends the block
--- tcp_reply eval: main::reply_at(length($main::line) + 1, 0, 1)



=== TEST 7: translated for an OpenAI client, a header block just under proxy_buffer_size
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_reply eval: main::reply_at(20, 4000)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/stream-text.sse', 'gpt-4o')



=== TEST 8: past proxy_buffer_size: nginx's "too big header", a 502 in the client's dialect
--- http_config
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- tcp_reply eval: main::reply_at(20, 5000)
--- request
POST /v1/chat/completions
{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 502
--- response_body_like: ^\{"error":\{"message":"[^"]+","type":"[a-z_]+","param":null,"code":"[a-z_]+"\}\}$
--- error_log
upstream sent too big header



=== TEST 9: a larger proxy_buffer_size in the internal location holds a larger block
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        proxy_pass $ai_gateway_upstream_url;
        proxy_http_version 1.1;
        proxy_set_header Host $ai_gateway_upstream_host;
        proxy_set_header Connection "";
        proxy_buffering off;
        proxy_buffer_size 8k;
    }
--- tcp_reply eval: main::reply_at(9, 7000)



=== TEST 10: the proxy's second server, after the first closed without answering
--- http_config
    upstream two_servers {
        server 127.0.0.1:$TEST_NGINX_MOCK_PORT weight=2;
        server 127.0.0.1:$TEST_NGINX_TCP_PORT;
    }
    server {
        listen 127.0.0.1:$TEST_NGINX_MOCK_PORT;
        location / { return 444; }
    }
    ai_gateway_provider an type=anthropic url=http://two_servers/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude an:claude-sonnet-4-5;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        proxy_pass $ai_gateway_upstream_url;
        proxy_http_version 1.1;
        proxy_set_header Host $ai_gateway_upstream_host;
        proxy_set_header Connection "";
        proxy_buffering off;
        # a POST goes to a second server only when told
        proxy_next_upstream error non_idempotent;
    }
--- tcp_reply eval: main::reply_at(5, 3500)
--- error_log
upstream prematurely closed connection
