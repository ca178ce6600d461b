# Self-test of the Test::Nginx::Socket-compatible runner in t/lib against
# plain nginx and the echo module (mock upstreams): every section the
# runner supports, its environment handling, must_die, the error log
# checks, chunked decoding and a partial read of a slow stream.  Blocks
# marked "runner extension" rely on behaviour the real Test::Nginx lacks
# (docs/testing.md); the rest should pass under it unchanged.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket;
use TestNginxCompat;
use FreePort ();

use File::Temp ();

# Under a runner that cannot use HTTP/2 with this nginx, the HTTP/2 mode
# has nothing to test; --- http2 blocks are skipped (TestNginxCompat).
if ($ENV{TEST_NGINX_USE_HTTP2} && (my $why = http2_unavailable())) {
    plan skip_all => $why;
}
plan tests => 122;

$ENV{TEST_NGINX_GREETING} = 'hello from the environment';

# A free port for the --- tcp_listen mock upstream (that section takes no
# $TEST_NGINX_ variables, so the value comes through eval).
$ENV{TEST_NGINX_TCP_PORT} ||= FreePort::free_port();
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';

env_to_nginx('AGW_RUNNER_PROBE=visible');
repeat_each(1);
workers(1);
worker_connections(256);
log_level('debug');
no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    # Every block gets the echo module unless it brings its own main_config.
    if (!defined $block->main_config) {
        $block->set_value('main_config',
                          'load_module $TEST_NGINX_ECHO_MODULE;');
    }

    skip_http2_block($block, 4) if defined $block->http2;
});

run_tests();

# env_to_nginx() lands in the generated nginx.conf.
{
    open my $in, '<', server_root() . '/conf/nginx.conf'
        or die "cannot read nginx.conf: $!";
    my $conf = do { local $/; <$in> };
    like($conf, qr/^env AGW_RUNNER_PROBE=visible;$/m,
         'env_to_nginx() adds an env line to nginx.conf');
}

# A runner that cannot fail proves nothing: run a suite whose blocks are
# all wrong, on its own port and server root, and check that each mistake
# is reported.
{
    my ($lib, $fh, $file, $out, $servroot, @not_ok);

    ($lib = $INC{'Test/Nginx/Socket.pm'}) =~ s{/Test/Nginx/Socket\.pm$}{};
    ($fh, $file) = File::Temp::tempfile(SUFFIX => '.t', UNLINK => 1);
    print $fh failing_suite();
    close $fh;

    {
        local %ENV = %ENV;
        delete @ENV{grep { /^TEST_NGINX_/ && !/^TEST_NGINX_(?:BINARY|ECHO_MODULE)$/ }
                    keys %ENV};
        $ENV{TEST_NGINX_RANDOMIZE} = 1;
        $out = `$^X -I$lib $file 2>&1`;
    }

    @not_ok = $out =~ /^(not ok \d+ .*)$/mg;
    ($servroot) = $out =~ /^# servroot: (\S+)$/m;

    is(scalar @not_ok, 12, 'the failing suite fails 12 subtests')
        or diag $out;
    like($out, qr/^not ok \d+ - \S+ TEST 1: .* - response_body - /m,
         'a wrong body fails');
    like($out, qr/^not ok \d+ - ERROR: client socket timed out - \S+ TEST 2:/m,
         'a stalled response without abort fails with a timeout');
    like($out, qr/^ok \d+ - \S+ TEST 2: .* - response_body_like/m,
         'and the part received before the timeout is still checked');
    like($out, qr/^not ok \d+ - \S+ TEST 3: .* - no last chunk found/m,
         'a chunked body cut by abort fails, as in Test::Nginx');
    like($out, qr/^not ok \d+ - \S+ TEST 4: .* - die as expected/m,
         'must_die fails when nginx starts');
    like($out, qr/^not ok \d+ - \S+ TEST 5: .* - Can't connect to /m,
         'a refused connection fails');
    like($out, qr/^not ok \d+ - \S+ TEST 6: .* should match a line in error\.log/m,
         'a missing error_log line fails');
    like($out, qr/^not ok \d+ - \S+ TEST 6: .* should not match any line in error\.log/m,
         'a no_error_log line present fails');
    like($out, qr/^not ok \d+ - \S+ TEST 7: .* - status code ok/m,
         'a wrong status fails');
    like($out, qr/^not ok \d+ - \S+ TEST 7: .* - header X-Missing ok/m,
         'a missing header fails');
    ok(defined $servroot && !-e $servroot,
       'the failing suite stopped its nginx and removed its server root');
}

# The HTTP parser on its own, for framings nginx rarely sends: chunk
# extensions, trailers, responses that end early.  (Test::Nginx::Client is
# this runner's; the real Test::Nginx has no such module.)
SKIP: {
    skip 'Test::Nginx::Client is specific to the repository runner', 8
        unless eval { require Test::Nginx::Client; 1 };

    my $parse = \&Test::Nginx::Client::parse_response;
    my $done = \&Test::Nginx::Client::response_complete;
    my $head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    my ($res, $raw_headers, $left, $err);

    ($res, $raw_headers, $left, $err)
        = $parse->($head . "5;ext=1\r\nhello\r\n1\r\n!\r\n0\r\nX-T: 1\r\n\r\n");
    is($res && $res->content, 'hello!', 'chunk extensions and trailers');
    is($raw_headers, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
       'raw headers end at the last CRLF before the empty line');

    ($res, undef, undef, $err) = $parse->($head . "5\r\nhel");
    like($err, qr/not enough octets/, 'a chunk cut short is an error');

    ($res, undef, $left) = $parse->("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                    . "\r\nokHTTP/1.1 404 Not Found\r\n");
    is($res->content . '|' . $left, 'ok|HTTP/1.1 404 Not Found' . "\r\n",
       'bytes after Content-Length are left for the next response');

    ok($done->("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
       'complete by Content-Length');
    ok(!$done->("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok"),
       'incomplete by Content-Length');
    ok($done->($head . "2\r\nok\r\n0\r\n\r\n"), 'complete by the last chunk');
    ok(!$done->("HTTP/1.0 200 OK\r\n\r\nstream"),
       'a close-delimited body is never complete before the close');
}

sub failing_suite {
    return <<'_SUITE_';
use Test::Nginx::Socket 'no_plan';

no_shuffle();
add_block_preprocessor(sub {
    $_[0]->set_value('main_config', 'load_module $TEST_NGINX_ECHO_MODULE;');
});
diag "servroot: " . server_root();
run_tests();

__DATA__

=== TEST 1: a wrong body
--- config
    location = /t { echo hello; }
--- request
GET /t
--- response_body
goodbye

=== TEST 2: a stalled response without abort
--- config
    location = /slow { echo first; echo_flush; echo_sleep 1.5; echo second; }
--- request
GET /slow HTTP/1.0
--- timeout: 600ms
--- response_body_like: first

=== TEST 3: a chunked stream cut by abort
--- config
    location = /slow { echo first; echo_flush; echo_sleep 1.5; echo second; }
--- request
GET /slow
--- timeout: 600ms
--- abort
--- response_body_like: first

=== TEST 4: must_die with a valid configuration
--- config
    location = /t { echo ok; }
--- request
GET /t
--- must_die

=== TEST 5: no config after a must_die block: no nginx to connect to
--- request
GET /t

=== TEST 6: error_log line missing, no_error_log line present
--- config
    location = /t { echo ok; }
--- request
GET /nope.html
--- error_code: 404
--- error_log
this line is never logged
--- no_error_log
[error]

=== TEST 7: wrong status, missing header
--- config
    location = /t { echo ok; }
--- request
GET /t
--- error_code: 201
--- response_headers
X-Missing: yes
_SUITE_
}

__DATA__

=== TEST 1: plain request, default status 200, headers present and absent
--- config
    location = /t {
        echo hello;
    }
--- request
GET /t
--- response_headers
Content-Type: text/plain
!X-Not-There
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: comments before the request, body after the request line, more_headers
--- config
    location = /echo {
        echo_read_request_body;
        echo "foo=$http_x_foo len=$http_content_length body=$echo_request_body";
    }
--- more_headers
X-Foo: bar
# a comment line is skipped
--- request
# this comment is not part of the request
POST /echo
  hello world  
--- response_body
foo=bar len=11 body=hello world



=== TEST 3: an array of requests, checks given as arrays
--- config
    location = /a {
        echo a;
    }
--- request eval
["GET /a", "GET /missing"]
--- error_code eval
[200, 404]
--- response_body_like eval
["^a\n\\z", "404 Not Found"]



=== TEST 4: a request split in packets, with a delay before the second
--- config
    location = /echo {
        echo_read_request_body;
        echo $echo_request_body;
    }
--- request eval
[["POST /echo\nhel", {value => "lo", delay_before => 0.1}]]
--- response_body
hello



=== TEST 5: more_headers eval, one set per request
--- config
    location = /h {
        echo $http_x_n;
    }
--- request eval
["GET /h", "GET /h"]
--- more_headers eval
["X-N: one", "X-N: two"]
--- response_body eval
["one\n", "two\n"]



=== TEST 6: raw_request is sent as it is
--- config
    location = /t {
        echo "proto=$server_protocol host=$host";
    }
--- raw_request eval
"GET /t HTTP/1.0\r\nHost: raw.example\r\n\r\n"
--- response_body
proto=HTTP/1.0 host=raw.example



=== TEST 7: raw_request as packets cut inside the headers
--- config
    location = /t {
        echo "x=$http_x_split";
    }
--- raw_request eval
["GET /t HTTP/1.1\r\nHost: localhost\r\nX-Spl", "it: joined\r\nConnection: close\r\n\r\n"]
--- raw_request_middle_delay: 0.05
--- response_body
x=joined



=== TEST 8: pipelined requests on one connection
--- config
    location = /a { echo a; }
    location = /b { echo b; }
--- pipelined_requests eval
["GET /a", "GET /b"]
--- response_body eval
["a\n", "b\n"]



=== TEST 9: a chunked response arriving in two flushes is decoded
--- config
    location = /chunks {
        echo one;
        echo_flush;
        echo_sleep 0.3;
        echo two;
    }
--- request
GET /chunks
--- no_http2
--- timeout: 2
--- raw_response_headers_like: Transfer-Encoding: chunked\r\n
--- response_body
one
two



=== TEST 10: abort + timeout: what arrived before the stream stalled is checked
--- config
    location = /slow {
        echo "data: first";
        echo "";
        echo_flush;
        echo_sleep 1.5;
        echo "data: second";
    }
--- request
GET /slow HTTP/1.0
--- timeout: 600ms
--- abort
--- response_body eval
"data: first\n\n"

=== TEST 11: response_body_unlike
--- config
    location = /t { echo hello; }
--- request
GET /t
--- response_body_unlike
error



=== TEST 12: response_headers_like and raw_response_headers_unlike
--- config
    location = /t {
        add_header X-Trace "id-123";
        echo ok;
    }
--- request
GET /t
--- response_headers_like
Server: nginx/[\d.]+
X-Trace: id-\d+
--- raw_response_headers_unlike
Set-Cookie
--- response_body
ok



=== TEST 13: error_log with plain lines and qr//, no_error_log with an array
--- config
    location = /t { echo ok; }
--- request
GET /nope.html
--- error_code: 404
--- response_body_like: 404 Not Found
--- error_log
[error]
No such file or directory
--- no_error_log eval
[qr/\[(?:alert|crit|emerg)\]/, "segmentation fault"]



=== TEST 14: the error log is at debug level by default, per block log_level lowers it
--- config
    location = /t { echo ok; }
--- log_level: warn
--- request
GET /t?level=warn
--- response_body
ok
--- no_error_log
http request line: "GET /t?level=warn



=== TEST 15: error_log eval with a regex matches the debug log
--- config
    location = /t { echo ok; }
--- request
GET /t?x=1
--- no_http2
--- response_body
ok
--- error_log eval
qr/\[debug\] .*http request line: "GET \/t\?x=1 HTTP\/1\.1"/



=== TEST 16: must_die: nginx refuses the config, its message reaches error_log
--- config
    location = /t {
        no_such_directive on;
    }
--- request
GET /t
--- must_die
--- error_log
[emerg]
unknown directive "no_such_directive"
--- no_error_log
[alert]



=== TEST 17: must_die with the exit code
--- config
    location = /t {
        return 200 one two three;
    }
--- request
GET /t
--- must_die: 1
--- error_log eval
[qr/invalid number of arguments in "return" directive/, "[emerg]"]



=== TEST 18: TEST_NGINX_* variables in config and http_config, a mock upstream on a random port
--- http_config
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /v1/ {
            echo "upstream says $TEST_NGINX_GREETING";
        }
    }
--- config
    location = /proxy {
        proxy_pass http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/v1/x;
    }
    location = /self {
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/t;
    }
    location = /t {
        echo "server root $TEST_NGINX_SERVER_ROOT";
    }
--- request eval
["GET /proxy", "GET /self"]
--- response_body eval
["upstream says hello from the environment\n",
 "server root $ENV{TEST_NGINX_SERVER_ROOT}\n"]



=== TEST 19: a block without --- config reuses the previous configuration, over HTTP/1.x as that one
--- request
GET /proxy
--- no_http2
--- response_body
upstream says hello from the environment



=== TEST 20: $ServerPort in an expected value is the server port
--- config
    location = /port {
        echo "port=$server_port";
    }
--- request
GET /port
--- response_body
port=$ServerPort



=== TEST 21: user_files, plain form, into html/ and a subdirectory
--- config
--- user_files
>>> hello.txt
Hello, world
>>> sub/dir/deep.txt
deep
--- request eval
["GET /hello.txt", "GET /sub/dir/deep.txt"]
--- response_body eval
["Hello, world\n", "deep\n"]



=== TEST 22: user_files, eval form with a modification time
--- config
--- user_files eval
[["dated.txt" => "old\n", "199801171935.33"]]
--- request
GET /dated.txt
--- response_headers
Last-Modified: Sat, 17 Jan 1998 19:35:33 GMT
--- response_body
old



=== TEST 23: HEAD request
--- config
    location = /t { echo hello; }
--- request
HEAD /t
--- response_body



=== TEST 24: error_code_like and response_body_filters
--- config
    location = /t {
        return 201 "mixed Case";
    }
--- request
GET /t
--- error_code_like: ^20[01]$
--- response_body_filters
uc
--- response_body chomp
MIXED CASE



=== TEST 25: access_log and no_access_log, read after a wait
--- config
    location = /t { echo ok; }
--- request
GET /t?from=runner HTTP/1.0
--- wait: 0.1
--- response_body
ok
--- access_log
"GET /t?from=runner HTTP/1.0" 200
--- no_access_log
/never-requested



=== TEST 26: skip_nginx skips the counted subtests on a matching version
--- config
    location = /t { echo ok; }
--- request
GET /t
--- response_body
ok
--- skip_nginx: 2: < 999.0.0



=== TEST 27: skip_nginx does not skip on other versions
--- config
    location = /t { echo ok; }
--- request
GET /t
--- response_body
ok
--- skip_nginx: 2: > 999.0.0



=== TEST 28: SKIP drops the block
--- config
    location = /t { no_such_directive; }
--- request
GET /t
--- response_body
never
--- SKIP



=== TEST 29: HTTP/2 through curl with prior knowledge
--- config
    location = /t { echo "proto=$server_protocol"; }
--- http2
--- request
GET /t
--- response_headers
Content-Type: text/plain
--- response_body
proto=HTTP/2.0
--- no_error_log
[warn]



=== TEST 30: no_http2 keeps a block on HTTP/1.1, over --- http2 and the HTTP/2 mode
--- config
    location = /t { echo "proto=$server_protocol"; }
--- http2
--- no_http2
--- request
GET /t
--- response_body
proto=HTTP/1.1



=== TEST 31: runner extension: a keep-alive request ends at its Content-Length
--- skip_eval: 3: !TestNginxCompat::repo_runner()
--- config
    location = /t { return 200 "fixed"; }
--- more_headers
Connection: keep-alive
--- request
GET /t
--- timeout: 1
--- response_headers
Content-Length: 5
--- response_body chomp
fixed



=== TEST 32: tcp_listen: an upstream closing mid-body (the truncation WARNING is expected)
--- config
    location = /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_TCP_PORT/up;
        proxy_http_version 1.0;
        proxy_set_header Host mock;
        proxy_set_header Connection close;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_query eval
"GET /up HTTP/1.0\r\nHost: mock\r\nConnection: close\r\n\r\n"
--- tcp_reply eval
"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"
--- request
GET /t HTTP/1.0
--- response_body chomp
partial
--- error_log
upstream prematurely closed connection



=== TEST 33: tcp_listen: a reply in pieces after a delay, query length
--- config
    location = /t {
        proxy_pass http://127.0.0.1:$TEST_NGINX_TCP_PORT/up;
        proxy_http_version 1.0;
        proxy_set_header Host mock;
        proxy_set_header Connection close;
    }
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_query_len: 51
--- tcp_reply_delay: 100ms
--- tcp_reply eval
["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe", "llo"]
--- request
GET /t
--- response_body chomp
hello



=== TEST 34: LAST stops here
--- config
    location = /t { echo last; }
--- request
GET /t
--- response_body
last
--- LAST



=== TEST 35: never runs
--- config
    location = /t { no_such_directive; }
--- request
GET /t
--- response_body
never
