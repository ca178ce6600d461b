# The request body limit: ai_gateway_max_body_size, not client_max_body_size,
# governs gateway locations; it is checked as the body arrives (Content-Length
# at once, chunked and HTTP/2 bodies chunk by chunk), and the 413 is in the
# client's dialect, never nginx's HTML page.  A refused body never reaches a
# provider.  (HTTP/2 with a Content-Length over the limit takes the same check
# as HTTP/1.1's, before the body; it is not tested here because nginx resets
# the stream while curl may still be sending, which curl reports as an error
# now and then: the blocks answered before their body is read say
# --- no_http2, so that the HTTP/2 mode sends them over HTTP/1.1.)

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route * p1;
_EOC_

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 1k; }
    location /a/v1/ { ai_gateway anthropic; ai_gateway_auth off; ai_gateway_max_body_size 1k; }
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; ai_gateway_max_body_size 1k; }
_EOC_

    $block->set_value(no_error_log => "[alert]\nexited on signal")
        unless defined $block->no_error_log;
});

# A block with "--- worker_peak_rss_below: MB" checks, after its request,
# the peak resident memory of nginx's workers (VmHWM): what reading the
# body cost them.  Test::Nginx runs one fresh nginx (or fresh workers after
# a HUP) per block.
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeated_req_idx, $dry_run) = @_;
    my $max = $block->worker_peak_rss_below;
    return if !defined $max || $dry_run;
    my @pids = worker_pids();
    ok(scalar @pids, $block->name . " - nginx workers found");
    for my $pid (@pids) {
        open my $fh, '<', "/proc/$pid/status" or next;
        my ($kb) = join('', <$fh>) =~ /^VmHWM:\s+(\d+) kB/m;
        cmp_ok($kb / 1024, '<', $max, $block->name . sprintf(
               " - worker %d peak RSS (%.1f MB) below %d MB", $pid,
               $kb / 1024, $max));
    }
});

# The master's children that are workers, or the only process without one.
sub worker_pids {
    open my $fh, '<', $Test::Nginx::Util::PidFile or return ();
    my ($master) = <$fh> =~ /(\d+)/;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $s, '<', $stat or next;
        my ($pid, $ppid) = (<$s> // '') =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @kids, $pid if $ppid == $master;
    }
    return @kids ? @kids : ($master);
}

# A chat body of about $n bytes.
sub chat { my ($n) = @_;
    return '{"model":"gpt-4o","messages":[{"role":"user","content":"'
        . ('x' x $n) . '"}]}' }

run_tests();

__DATA__

=== TEST 1: a Content-Length over the limit: 413 in OpenAI's shape, and no try
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- no_http2
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body: {"error":{"message":"The request body is larger than the 1024 bytes allowed","type":"invalid_request_error","param":null,"code":"request_too_large"}}
--- error_log
client intended to send too large body
--- no_access_log
MOCK



=== TEST 2: in Anthropic's shape for an Anthropic client
--- request eval
"POST /a/v1/messages\n" . main::chat(2000)
--- no_http2
--- error_code: 413
--- response_body_like: ^\{"type":"error","error":\{"type":"request_too_large","message":"The request body is larger than the 1024 bytes allowed"\}\}$



=== TEST 3: in Google's shape for a Gemini client
--- request eval
"POST /v1beta/models/gemini-pro:generateContent\n" . '{"contents":[{"parts":[{"text":"' . ('x' x 2000) . '"}]}]}'
--- no_http2
--- error_code: 413
--- response_body_like: ^\{"error":\{"code":413,"message":"The request body is larger than the 1024 bytes allowed","status":"[A-Z_]+"\}\}$



=== TEST 4: a smaller client_max_body_size does not apply in a gateway location
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; client_max_body_size 100; }
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- error_code: 200
--- response_body_like: "Hello there"
--- no_error_log
[error]



=== TEST 5: nor in the internal location the tries go through
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        client_max_body_size 100;
        proxy_pass $ai_gateway_upstream_url;
        proxy_http_version 1.1;
        proxy_set_header Host $ai_gateway_upstream_host;
        proxy_buffering off;
    }
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- error_code: 200
--- response_body_like: "Hello there"
--- no_error_log
[error]



=== TEST 6: Expect: 100-continue with a Content-Length over the limit gets the 413, not a 100
--- more_headers
Expect: 100-continue
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- no_http2
--- error_code: 413
--- response_body_like: "code":"request_too_large"



=== TEST 7: a chunked body is refused once it passes the limit, while the client still sends
--- raw_request eval
my $c = 'x' x 600;
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. CORE::join('', map { sprintf("%x\r\n%s\r\n", length($c), $c) } 1 .. 4)
--- error_code: 413
--- response_body: {"error":{"message":"The request body is larger than the 1024 bytes allowed","type":"invalid_request_error","param":null,"code":"request_too_large"}}
--- error_log
client intended to send too large chunked body
--- no_access_log
MOCK



=== TEST 8: a chunk announcing 300 MB is refused at its size line, the bytes are never waited for
--- raw_request eval
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n", 300 * 1024 * 1024) . ('x' x 100)
--- error_code: 413
--- response_body_like: "code":"request_too_large"
--- no_access_log
MOCK



=== TEST 9: a chunked body within the limit goes through
--- raw_request eval
my $b = main::chat(500);
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s\r\n0\r\n\r\n", length($b), $b)
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 10: HTTP/2 without a Content-Length: refused as the DATA frames pass the limit
--- http2
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- error_code: 413
--- response_body: {"error":{"message":"The request body is larger than the 1024 bytes allowed","type":"invalid_request_error","param":null,"code":"request_too_large"}}
--- no_access_log
MOCK



=== TEST 11: HTTP/2: a smaller client_max_body_size does not apply in a gateway location
--- http2
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; client_max_body_size 100; }
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 12: another page nginx makes itself (a broken chunked body) is in the client's shape too
--- raw_request eval
"POST /a/v1/messages HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. "zz\r\n{}\r\n0\r\n\r\n"
--- error_code: 400
--- response_body_like: ^\{"type":"error","error":\{"type":"invalid_request_error","message":"The request could not be read"\}\}$



=== TEST 13: ai_gateway_max_body_size 0 lifts the limit, as client_max_body_size 0 does
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 0; client_max_body_size 100; }
--- request eval
"POST /v1/chat/completions\n" . main::chat(40000)
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 14: nginx's own refusals in a gateway location (deny) are in the client's shape
--- config
    location /a/v1/ { ai_gateway anthropic; ai_gateway_auth off; deny all; }
--- request
POST /a/v1/messages
{"model":"gpt-4o","max_tokens":10,"messages":[]}
--- no_http2
--- error_code: 403
--- response_body: {"type":"error","error":{"type":"permission_error","message":"Access is denied"}}
--- no_access_log
MOCK



=== TEST 15: an operator's error_page still wins
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 1k; error_page 413 = /too-large; }
    location = /too-large { return 413 'custom page'; }
--- request eval
"POST /v1/chat/completions\n" . main::chat(2000)
--- no_http2
--- error_code: 413
--- response_body chomp
custom page



=== TEST 16: a 48 MB chunked body over a 1 MB limit costs the worker no more than the limit
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; ai_gateway_max_body_size 1m; client_max_body_size 0; }
--- raw_request eval
my $c = 'x' x (1024 * 1024);
"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. CORE::join('', map { sprintf("%x\r\n%s\r\n", length($c), $c) } 1 .. 48) . "0\r\n\r\n"
--- error_code: 413
--- response_body_like: "code":"request_too_large"
--- worker_peak_rss_below: 24
--- timeout: 10



=== TEST 17: a ?key= is in no line nginx logs before the gateway takes it (a Content-Length over the limit)
--- raw_request eval
my $b = '{"contents":[{"parts":[{"text":"' . ('x' x 2000) . '"}]}]}';
"POST /v1beta/models/gemini-pro:generateContent?alt=sse&key=SECRETKEY17 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: " . length($b) . "\r\n\r\n" . $b
--- error_code: 413
--- response_body_like: ^\{"error":\{"code":413,"message":"The request body is larger than the 1024 bytes allowed","status":"[A-Z_]+"\}\}$
--- error_log
client intended to send too large body
request: "POST /v1beta/models/gemini-pro:generateContent?alt=sse HTTP/1.1"
--- no_error_log eval
qr/\[(?!debug)[a-z]+\].*SECRETKEY17/
--- no_access_log
SECRETKEY17



=== TEST 18: nor a chunked body refused while it arrives
--- raw_request eval
my $c = 'x' x 2000;
"POST /v1beta/models/gemini-pro:generateContent?KEY=SECRETKEY18 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. sprintf("%x\r\n%s\r\n", length($c), $c) . "0\r\n\r\n"
--- error_code: 413
--- error_log
client intended to send too large chunked body
request: "POST /v1beta/models/gemini-pro:generateContent HTTP/1.1"
--- no_error_log eval
qr/\[(?!debug)[a-z]+\].*SECRETKEY18/
--- no_access_log
SECRETKEY18



=== TEST 19: a location without the gateway in the same server keeps its $args
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
    location /echo { return 200 "$args|$arg_key"; }
--- request
GET /echo?a=1&key=kept
--- error_code: 200
--- response_body chomp
a=1&key=kept|kept



=== TEST 20: nor over HTTP/2, whose request line nginx builds apart
--- http2
--- more_headers
Transfer-Encoding: chunked
--- request eval
"POST /v1beta/models/gemini-pro:generateContent?key=SECRETKEY20&alt=sse\n" . '{"contents":[{"parts":[{"text":"' . ('x' x 2000) . '"}]}]}'
--- error_code: 413
--- response_body_like: "code":413
--- error_log
client intended to send too large chunked body
request: "POST /v1beta/models/gemini-pro:generateContent?alt=sse HTTP/2.0"
--- no_error_log eval
qr/\[(?!debug)[a-z]+\].*SECRETKEY20/
--- no_access_log
SECRETKEY20



=== TEST 21: nor the access log line of a request refused while nginx reads its headers, before any phase
--- raw_request eval
"POST /v1beta/models/gemini-pro:generateContent?key=SECRETKEY21 HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
--- error_code: 400
--- access_log
"POST /v1beta/models/gemini-pro:generateContent HTTP/1.1" 400
--- no_access_log
SECRETKEY21
