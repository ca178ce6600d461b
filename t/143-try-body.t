# What a try sends: for a provider of the client's dialect the client's
# bytes with the rewrite's edits, the long runs of the client's body sent
# from the buffer nginx read them into (a chain), not copied per try
# (docs/request-path.md, point 1).  A provider that echoes its request
# body answers with exactly what it received, which the same-dialect
# answer rewrite gives back as it came (the model is the client's own), so
# the client must get its own body back, byte for byte: whatever the body's
# size, wherever the read that came with the headers ended, in memory or in
# a temp file, and on a try after a failed one of either dialect.  A
# translated body lists the client's long strings the same way (TEST 10).

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

$ENV{TEST_NGINX_ECHO_PORT} ||= free_port();

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    FIXTURES
    ECHO
    ai_gateway_provider echo type=openai url=http://127.0.0.1:$TEST_NGINX_ECHO_PORT/v1;
    ai_gateway_route m echo;
_EOC_

    my $hc = $block->http_config;
    $hc =~ s/^\s*ECHO\s*$/main::echo_server()/me;
    $block->set_value(http_config => $hc);

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
_EOC_

    $block->set_value(no_error_log => "[error]\n[alert]\nexited on signal")
        unless defined $block->no_error_log;
});

# The provider that answers with the body it received.
sub echo_server {
    return <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_ECHO_PORT;
        client_body_buffer_size 1m;
        client_max_body_size 10m;
        default_type application/json;
        location / { echo_read_request_body; echo_request_body; }
    }
_EOC_
}

# A chat body of $n bytes or a little more, every position telling its
# place (a run sent twice, or out of order, shows), with an escape now
# and then as an agent's history has.
sub body {
    my ($n) = @_;
    my $text = '';
    my $i = 0;
    $text .= sprintf('%06d\\n', $i++) while length($text) < $n;
    return '{"model":"m","messages":[{"role":"user","content":"'
        . $text . '"}]}';
}

# Requests of body() at each size, the headers' read carrying each of
# @$splits bytes of the body (those up to its size), the rest a read later.
sub split_requests {
    my ($sizes, $splits) = @_;
    my (@reqs, @bodies);
    for my $n (@$sizes) {
        my $b = body($n);
        for my $k (grep { $_ < length $b } @$splits) {
            push @reqs, ["POST /v1/chat/completions\n" . substr($b, 0, $k),
                         { value => substr($b, $k), delay_before => 0.01 }];
            push @bodies, $b;
        }
    }
    return (\@reqs, \@bodies);
}

# An OpenAI agent history of $n turns, each text and tool result 4.5 KB
# or more and telling its place, for a provider of another dialect; and
# the pattern of the strings in their order, as the provider must get
# them (a translation lists the client's long strings instead of copying
# them, up to a list's worth, the rest copied: agw_body_refs.h).
sub history {
    my ($n) = @_;
    my (@m, @want);
    for my $i (1 .. $n) {
        my $t = sprintf('turn %03d ', $i) . ('x\\"y ' x (900 + $i));
        my $r = sprintf('result %03d ', $i) . ('r\\n ' x (1100 + $i));
        push @m, '{"role":"user","content":"' . $t . '"}',
            '{"role":"assistant","content":null,"tool_calls":[{"id":"c' . $i
            . '","type":"function","function":{"name":"read","arguments":'
            . '"{\\"i\\":' . $i . '}"}}]}',
            '{"role":"tool","tool_call_id":"c' . $i . '","content":"' . $r
            . '"}';
        push @want, quotemeta("\"$t\""), quotemeta("\"$r\"");
    }
    return ('{"model":"m","messages":[' . join(',', @m) . ']}',
            join('.*', @want));
}

our @sizes = (100, 1000, 1100, 3000, 16000, 17000, 70000);
our @splits = (0, 1, 10, 500, 900, 1023, 1024, 1025, 2000);

run_tests();

__DATA__

=== TEST 1: bodies of every size, split anywhere between the header read and the next: the provider gets them whole
--- request eval
(main::split_requests(\@main::sizes, \@main::splits))[0]
--- response_body eval
(main::split_requests(\@main::sizes, \@main::splits))[1]



=== TEST 2: a body nginx put in a temp file (client_body_in_file_only)
--- config
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        client_body_in_file_only clean;
    }
--- request eval
(main::split_requests([3000, 70000], [0, 700]))[0]
--- response_body eval
(main::split_requests([3000, 70000], [0, 700]))[1]



=== TEST 3: a body larger than client_body_buffer_size, part in a temp file
--- config
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        client_body_buffer_size 2k;
    }
--- request eval
(main::split_requests([3000, 70000], [0, 700]))[0]
--- response_body eval
(main::split_requests([3000, 70000], [0, 700]))[1]



=== TEST 4: edits between the client's runs: the model the provider knows, a stream_options cut after the history
--- http_config
    FIXTURES
    ECHO
    ai_gateway_provider echo type=openai url=http://127.0.0.1:$TEST_NGINX_ECHO_PORT/v1;
    ai_gateway_route m echo:upstream-name;
--- request eval
my $b = main::body(5000);
$b =~ s/\}$/,"stream_options":{"include_usage":true}}/;
"POST /v1/chat/completions\n$b"
--- response_body eval
main::body(5000)



=== TEST 5: after a failed try of the same dialect, the next try sends the body again whole
--- http_config
    FIXTURES
    ECHO
    ai_gateway_provider down type=openai url=$TEST_NGINX_FX/503/openai-chat/error-429-rate-limit.json/v1 fails=0;
    ai_gateway_provider echo type=openai url=http://127.0.0.1:$TEST_NGINX_ECHO_PORT/v1;
    ai_gateway_route m down echo;
--- request eval
"POST /v1/chat/completions\n" . main::body(20000)
--- response_headers
X-AI-Gateway-Provider: echo
X-AI-Gateway-Attempts: 2
--- response_body eval
main::body(20000)



=== TEST 6: after a failed try of another dialect (the body translated), the same-dialect try sends the client's body
--- http_config
    FIXTURES
    ECHO
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/529/anthropic-messages/error-529-overloaded.json/v1 fails=0;
    ai_gateway_provider echo type=openai url=http://127.0.0.1:$TEST_NGINX_ECHO_PORT/v1;
    ai_gateway_route m an echo;
--- request eval
"POST /v1/chat/completions\n" . main::body(20000)
--- response_headers
X-AI-Gateway-Provider: echo
X-AI-Gateway-Attempts: 2
--- response_body eval
main::body(20000)



=== TEST 7: after a failed same-dialect try, the body is translated whole for a provider of another dialect
--- http_config
    FIXTURES
    ai_gateway_provider down type=openai url=$TEST_NGINX_FX/503/openai-chat/error-429-rate-limit.json/v1 fails=0;
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1;
    ai_gateway_route m down an;
--- request eval
"POST /v1/chat/completions\n" . main::body(3000)
--- response_headers
X-AI-Gateway-Provider: an
X-AI-Gateway-Attempts: 2
--- response_body_like: "chat\.completion"
--- access_log eval
[qr{MOCK POST /fx/503/openai-chat/error-429-rate-limit\.json/v1/chat/completions .*body=\{"model":"m","messages":\[\{"role":"user","content":"000000\\n000001\\n.*000374\\n"\}\]\}$}m,
 qr{MOCK POST /fx/200/anthropic-messages/response-text\.json/v1/messages .*body=\{"model":"m",.*"messages":\[\{"role":"user","content":.*"000000\\n000001\\n.*000374\\n"}m]



=== TEST 8: keep-alive: a body read on from a header buffer made for it, then the next request on the connection
--- pipelined_requests eval
["POST /v1/chat/completions\n" . main::body(3000),
 "POST /v1/chat/completions\n" . main::body(500),
 "POST /v1/chat/completions\n" . main::body(20000)]
--- response_body eval
[main::body(3000), main::body(500), main::body(20000)]



=== TEST 9: the client's credentials and hop-by-hop headers never reach the provider, whatever their case
--- http_config
    FIXTURES
    ai_gateway_provider oai type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1;
    ai_gateway_route m oai;
--- more_headers
AUTHORIZATION: Bearer sk-client-upper
X-API-KEY: sk-client-xkey
x-goog-api-key: sk-client-goog
Api-Key: sk-client-azure
ANTHROPIC-VERSION: 2023-06-01
Accept-Encoding: gzip
Cookie: session=1
--- request
POST /v1/chat/completions
{"model":"m","messages":[{"role":"user","content":"hi"}]}
--- response_body_like: "chat\.completion"
--- access_log eval
[qr{MOCK POST /fx/200/openai-chat/response-text\.json/v1/chat/completions args="" auth="" xkey="" goog="" azure="" version="" ctype="application/json" body=}]
--- no_access_log
sk-client



=== TEST 10: a translated body: the client's long strings, more than a list holds, reach the provider whole and in order
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-text.json/v1;
    ai_gateway_route m an;
--- request eval
"POST /v1/chat/completions\n" . (main::history(16))[0]
--- response_body_like: "chat\.completion"
--- access_log eval
my $want = (main::history(16))[1];
[qr{MOCK POST /fx/200/anthropic-messages/response-text\.json/v1/messages .*body=\{"model":"m",.*$want}m]
