# nginx's own limit_req and limit_conn by client key: the key is known
# before they run (the preaccess phase), so $ai_gateway_key_name and
# $ai_gateway_key_id limit one key and not another, and their refusals
# reach the client in its own dialect.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use IO::Socket::INET;

no_shuffle();

# A refusal in the preaccess phase (limit_req, or a missing key) comes
# before nginx reads the body: over HTTP/2 it sends the whole answer, then
# resets the stream with NO_ERROR so that the client stops uploading, and
# curl calls that a framing error when its body had not gone yet (a race
# with its own upload).  Those blocks say --- no_http2; t/132 checks the
# gateway's own refusals, which come after the body, over HTTP/2.

# A stream the provider holds open after its first chunk: alice's request
# in flight while the block's own requests run.  It speaks HTTP/1.1, so
# its block says --- no_http2 (the listener then stays on HTTP/1.x).
our $held;

sub hold_stream {
    my ($secret) = @_;

    my $body = '{"model":"held","stream":true,"messages":'
               . '[{"role":"user","content":"hi"}]}';

    $held = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => server_port_for_client(),
                                  Timeout => 10)
        or die "connect: $!";

    print $held "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
        . "Authorization: Bearer $secret\r\n"
        . "Content-Type: application/json\r\n"
        . "Content-Length: " . length($body) . "\r\n\r\n$body";

    # in flight once its first chunk arrived: the condition, not a sleep
    my $got = '';
    while ($got !~ /"Hel"/) {
        my $n = sysread($held, $got, 4096, length $got);
        die "the held stream ended early: $got" unless $n;
    }
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key bob sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709;
    limit_req_zone $ai_gateway_key_name zone=by_name:1m rate=1r/m;
    limit_req_zone $ai_gateway_key_id zone=by_id:1m rate=1r/m;
    limit_req_status 429;
    limit_conn_status 429;
_EOC_
});

run_tests();

__DATA__

=== TEST 1: limit_req by $ai_gateway_key_name: alice's second request is refused, bob's first is not
--- config
    location /v1/ {
        ai_gateway openai anthropic;
        limit_req zone=by_name nodelay;
    }
--- no_http2
--- request eval
[
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
]
--- more_headers eval
[
"Authorization: Bearer sk-client-alice",
"Authorization: Bearer sk-client-alice",
"Authorization: Bearer sk-client-bob",
]
--- error_code eval
[200, 429, 200]
--- response_body_like eval
[
qr/"Hello there"/,
qr/^\{"error":\{"message":"[^"]+","type":"[a-z_]+","param":null,"code":"rate_limit_exceeded"\}\}$/,
qr/"Hello there"/,
]



=== TEST 2: limit_req by $ai_gateway_key_id, refused in the Anthropic client's shape
--- config
    location /v1/ {
        ai_gateway openai anthropic;
        limit_req zone=by_id nodelay;
    }
--- no_http2
--- request eval
[
"POST /v1/messages\n" . '{"model":"gpt-4o","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
"POST /v1/messages\n" . '{"model":"gpt-4o","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
"POST /v1/messages\n" . '{"model":"gpt-4o","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}',
]
--- more_headers eval
[
"x-api-key: sk-client-bob\nanthropic-version: 2023-06-01",
"x-api-key: sk-client-bob\nanthropic-version: 2023-06-01",
"x-api-key: sk-client-alice\nanthropic-version: 2023-06-01",
]
--- error_code eval
[200, 429, 200]
--- response_body_like eval
[
qr/"Hello there"/,
qr/^\{"type":"error","error":\{"type":"rate_limit_error","message":"[^"]+"\}\}$/,
qr/"Hello there"/,
]



=== TEST 3: a request without a key never reaches limit_req: 401, not a count
--- config
    location /v1/ {
        ai_gateway openai;
        limit_req zone=by_name nodelay;
    }
--- request eval
[
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[]}',
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[]}',
]
--- no_http2
--- error_code eval
[401, 401]
--- no_error_log
limiting requests



=== TEST 4: $ai_gateway_key_name and $ai_gateway_key_id in a log line
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    log_format keys 'KEYS name=$ai_gateway_key_name id=$ai_gateway_key_id';
--- config
    location /v1/ {
        ai_gateway openai;
        access_log logs/access.log keys;
    }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- access_log
KEYS name=alice id=alice



=== TEST 5: limit_conn by $ai_gateway_key_name: alice has a request in flight, her second is refused, bob's is served
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_provider hold type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_route held hold;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key bob sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709;
    limit_conn_zone $ai_gateway_key_name zone=conn_by_name:1m;
    limit_conn_status 429;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /v1/chat/completions {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n 'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}\n\n';
            echo_flush;
            echo_sleep 10;
            echo -n 'data: [DONE]\n\n';
        }
    }
--- config
    location /v1/ {
        ai_gateway openai;
        limit_conn conn_by_name 1;
    }
--- init
main::hold_stream('sk-client-alice');
--- no_http2
--- request eval
[
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
"POST /v1/chat/completions\n" . '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}',
]
--- more_headers eval
[
"Authorization: Bearer sk-client-alice",
"Authorization: Bearer sk-client-bob",
]
--- error_code eval
[429, 200]
--- response_body_like eval
[
qr/^\{"error":\{"message":"[^"]+","type":"[a-z_]+","param":null,"code":"rate_limit_exceeded"\}\}$/,
qr/"Hello there"/,
]



=== TEST 6: satisfy any with an allow that matches does not waive the key
--- config
    location /v1/ {
        ai_gateway openai;
        satisfy any;
        allow 127.0.0.1;
        deny all;
    }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- no_http2
--- error_code: 401
--- response_body_like: "code":"missing_api_key"



=== TEST 7: a valid key, then nginx's access modules still judge: deny all is a 403 in the client's shape
--- config
    location /v1/ {
        ai_gateway openai;
        deny all;
    }
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- no_http2
--- error_code: 403
--- response_body_like: ^\{"error":\{"message":"Access is denied"
