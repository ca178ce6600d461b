#!/usr/bin/perl
#
# How a try ends, as real nginx records it and the real daemon stores and
# counts it: a whole answer cut after its 200 (a body shorter than its
# Content-Length, a stall past proxy_read_timeout) fails over and shows as
# that try's bad_gateway / timeout; a stream the provider cuts or stalls
# keeps its 200 but is stored with the class of what ended it, in the
# event and in its try alike; a client that leaves, before the answer or
# mid-stream, is stored as 499 client_closed (499 in the access log too,
# as proxy_pass logs it) and stays out of the error counts, from the
# events and from the rollups.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep);
use AgwE2E;

AgwE2E::check_prerequisites();

my $chunk = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,'
    . '"model":"up","choices":[{"index":0,"delta":{"role":"assistant",'
    . '"content":"Hel"},"finish_reason":null}]}';
my $last = 'data: {"id":"c1","object":"chat.completion.chunk","created":1,'
    . '"model":"up","choices":[{"index":0,"delta":{"content":"lo"},'
    . '"finish_reason":"stop"}]}';

# A provider no nginx mock can be: it cuts its answers short.  One child
# per connection; /slow says it has the request (a file), then waits.
my $cut_port = AgwE2E::free_port();
my $dir_for_marks;
my $cut_pid;

sub cut_server {
    my ($listen) = @_;
    local $SIG{CHLD} = 'IGNORE';
    while (my $c = $listen->accept) {
        my $pid = fork() // next;
        if ($pid) { close $c; next; }
        my $req = '';
        while ($req !~ /\r\n\r\n/s || length($req) < req_len($req)) {
            my $n = sysread($c, $req, 4096, length $req) or last;
        }
        my ($path) = $req =~ m{^POST (\S+)};
        $path //= '';
        if ($path =~ m{^/cut/}) {
            print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                . "Content-Length: 500\r\n\r\n{\"id\":\"chatcmpl-cut\",\"obj";
        } elsif ($path =~ m{^/cutstream/}) {
            print $c "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                . "Content-Length: 100000\r\n\r\n$chunk\n\n";
        } elsif ($path =~ m{^/garbage/}) {
            print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                . "Content-Length: 16\r\n\r\nthis is not json";
        } elsif ($path =~ m{^/slow/}) {
            AgwE2E::spew("$dir_for_marks/slow-arrived", '1');
            sleep 5;
        }
        close $c;
        POSIX::_exit(0);
    }
    POSIX::_exit(0);
}

sub req_len {
    my ($req) = @_;
    my ($head) = $req =~ /\A(.*?\r\n\r\n)/s or return 1e9;
    my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
    return length($head) + ($len // 0);
}

my $secret = 'sk-e2e-tries-secret-0123456789';
my $echo_port = AgwE2E::free_port();
my $gw = AgwE2E->new(
    access_log => 'E2E $request_id status=$status model=$ai_gateway_model',
    http => <<"_EOC_");
    proxy_read_timeout 1s;
    server {
        listen 127.0.0.1:$echo_port;
        location /stall/ {
            echo_read_request_body;
            default_type application/json;
            echo -n '{"id":"chatcmpl-stall",';
            echo_flush;
            echo_sleep 5;
            echo -n '"object":"chat.completion"}';
        }
        location /stallstream/ {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n '$chunk\\n\\n';
            echo_flush;
            echo_sleep 5;
            echo -n '$last\\n\\n';
        }
        location /slowstream/ {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n '$chunk\\n\\n';
            echo_flush;
            echo_sleep 0.8;
            echo -n '$last\\n\\n';
            echo_flush;
            echo_sleep 0.8;
            echo -n 'data: [DONE]\\n\\n';
        }
    }
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 fails=0;
    ai_gateway_provider cut type=openai url=http://127.0.0.1:$cut_port/cut/v1 fails=0;
    ai_gateway_provider cutstream type=openai url=http://127.0.0.1:$cut_port/cutstream/v1 fails=0;
    ai_gateway_provider garbage type=openai url=http://127.0.0.1:$cut_port/garbage/v1 fails=0;
    ai_gateway_provider slow type=openai url=http://127.0.0.1:$cut_port/slow/v1 fails=0;
    ai_gateway_provider stall type=openai url=http://127.0.0.1:$echo_port/stall/v1 fails=0;
    ai_gateway_provider stallstream type=openai url=http://127.0.0.1:$echo_port/stallstream/v1 fails=0;
    ai_gateway_provider slowstream type=openai url=http://127.0.0.1:$echo_port/slowstream/v1 fails=0;
    ai_gateway_route cutwhole cut:gpt-4o mock:gpt-4o;
    ai_gateway_route stallwhole stall:gpt-4o mock:gpt-4o;
    ai_gateway_route cutonly cut:gpt-4o;
    ai_gateway_route cutstream cutstream:gpt-4o;
    ai_gateway_route garbage garbage:gpt-4o;
    ai_gateway_route stallstream stallstream:gpt-4o;
    ai_gateway_route abortwhole slow:gpt-4o;
    ai_gateway_route abortstream slowstream:gpt-4o;
    @{[ AgwE2E::static_key('tester', $secret) ]}
_EOC_
$dir_for_marks = $gw->dir;

{
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
        LocalPort => $cut_port, Listen => 16, ReuseAddr => 1)
        or BAIL_OUT("cannot listen on $cut_port: $!");
    $cut_pid = fork() // BAIL_OUT("fork: $!");
    cut_server($listen) if $cut_pid == 0;
    close $listen;
}
END { kill 'KILL', $cut_pid if $cut_pid; }

$gw->start_nginx;
$gw->start_daemon;

sub attempts {
    my ($row) = @_;
    return [map { "$_->{provider}:$_->{status}:$_->{error_class}" }
            @{ decode_json($row->{attempt_list}) }];
}

sub event_of_model {
    my ($model) = @_;
    $gw->wait_rows("model = '$model'", 1);
    my $rows = $gw->rows("SELECT * FROM events WHERE model = '$model'");
    return @$rows == 1 ? $rows->[0] : undef;
}

# 1. A whole answer cut after its 200: the next step answers; the event
# shows the cut try as such.
my $r = $gw->chat(key => $secret, model => 'cutwhole');
is($r->{status}, 200, 'cut whole answer: the next step answered');
is($r->{headers}{'x-ai-gateway-attempts'}, 2, 'after 2 tries');
like($r->{content}, qr/"choices"/, 'with its answer');
my $ev = $gw->event($r->{id});
is_deeply(attempts($ev), ['cut:200:bad_gateway', 'mock:200:none'],
          'tries: the cut one a bad gateway, then the answer');
is($ev->{status}, 200, 'event status 200');
is($ev->{error_class}, 'none', 'no error in the end');

# 2. A whole answer that stalls past proxy_read_timeout: a timeout.
$r = $gw->chat(key => $secret, model => 'stallwhole');
is($r->{status}, 200, 'stalled whole answer: the next step answered');
$ev = $gw->event($r->{id});
is_deeply(attempts($ev), ['stall:200:timeout', 'mock:200:none'],
          'tries: the stalled one a timeout, then the answer');

# 3. Every step cut: 502 in the client's dialect, stored as such.
$r = $gw->chat(key => $secret, model => 'cutonly');
is($r->{status}, 502, 'every step cut: 502');
like($r->{content}, qr/"code":"upstream_unavailable"/, 'in OpenAI\'s shape');
$ev = $gw->event($r->{id});
is($ev->{status}, 502, 'event status 502');
is($ev->{error_class}, 'bad_gateway', 'error class bad_gateway');
is_deeply(attempts($ev), ['cut:200:bad_gateway'], 'its one try');

# 3b. A whole 200 that cannot be read: 502, and its try says why.
$r = $gw->chat(key => $secret, model => 'garbage');
is($r->{status}, 502, 'unreadable answer: 502');
$ev = $gw->event($r->{id});
is($ev->{error_class}, 'bad_gateway', 'error class bad_gateway');
is_deeply(attempts($ev), ['garbage:200:bad_gateway'],
          'its try: the 200 that could not be read');

# 4. A stream the provider cuts: 200 on the wire, bad_gateway in the
# event and in its try.
$r = $gw->chat(key => $secret, model => 'cutstream', stream => 1);
is($r->{status}, 200, 'cut stream: started');
unlike($r->{content}, qr/\[DONE\]/, 'and not ended cleanly');
$ev = $gw->event($r->{id});
is($ev->{error_class}, 'bad_gateway', 'cut stream: bad_gateway');
is_deeply(attempts($ev), ['cutstream:200:bad_gateway'],
          'its try says the same');

# 5. A stream that stalls past proxy_read_timeout: a timeout, in the
# event and in its try.
$r = $gw->chat(key => $secret, model => 'stallstream', stream => 1);
is($r->{status}, 200, 'stalled stream: started');
unlike($r->{content}, qr/\[DONE\]/, 'and not ended cleanly');
$ev = $gw->event($r->{id});
is($ev->{status}, 200, 'stalled stream: status 200 as sent');
is($ev->{error_class}, 'timeout', 'stalled stream: timeout');
is_deeply(attempts($ev), ['stallstream:200:timeout'],
          'its try says the same');

# 6. A client that leaves while the provider thinks: 499, client_closed,
# 499 in the access log.
my $body = '{"model":"abortwhole","messages":[{"role":"user","content":"hi"}]}';
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                              PeerPort => $gw->{gw_port}) or die $!;
print $s "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    . "Authorization: Bearer $secret\r\n"
    . "Content-Type: application/json\r\nContent-Length: "
    . length($body) . "\r\n\r\n$body";
ok(AgwE2E::wait_until(sub { -e "$dir_for_marks/slow-arrived" }, 5),
   'the provider has the request');
close $s;
$ev = event_of_model('abortwhole');
is($ev->{status}, 499, 'client gone before the answer: 499');
is($ev->{error_class}, 'client_closed', 'class client_closed');
is_deeply(attempts($ev), ['slow:499:client_closed'], 'its try too');
ok(AgwE2E::wait_until(sub {
       $gw->access_log =~ /^E2E \S+ status=499 model=abortwhole$/m }, 3),
   'access log: 499, as proxy_pass logs it')
    or diag($gw->access_log);

# 7. A client that leaves mid-stream: client_closed, not bad_gateway.
$body = '{"model":"abortstream","stream":true,'
    . '"messages":[{"role":"user","content":"hi"}]}';
$s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                           PeerPort => $gw->{gw_port}) or die $!;
print $s "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
    . "Authorization: Bearer $secret\r\n"
    . "Content-Type: application/json\r\nContent-Length: "
    . length($body) . "\r\n\r\n$body";
my $got = '';
while ($got !~ /data: /) {
    sysread($s, $got, 4096, length $got) or last;
}
like($got, qr/data: \{/, 'the stream began');
close $s;
$ev = event_of_model('abortstream');
is($ev->{status}, 499, 'client gone mid-stream: 499');
is($ev->{error_class}, 'client_closed', 'class client_closed');
is_deeply(attempts($ev), ['slowstream:200:client_closed'],
          'its try: the provider\'s 200, ended by the client');

# 8. Error counts: the client aborts are no errors, the stalls are, in
# the exact sums (events) and in the rollups alike.
sub usage_by_model {
    my $u = $gw->api(GET => '/api/v1/usage?group_by=model&from=0');
    is($u->{status}, 200, 'usage by model') or diag($u->{content});
    return ($u->{json}{source},
            { map { ($_->{group} => $_->{errors}) } @{ $u->{json}{rows} } });
}

for my $mode ('events', 'rollups') {
    if ($mode eq 'rollups') {
        $gw->stop_daemon;
        local $ENV{AGW_ADMIN_USAGE_EXACT_MAX} = 0;
        $gw->start_daemon;
    }
    my ($source, $errors) = usage_by_model();
    is($source, $mode, "usage from the $mode");
    is($errors->{abortwhole}, 0, "$mode: a client gone before the answer is no error");
    is($errors->{abortstream}, 0, "$mode: a client gone mid-stream is no error");
    is($errors->{stallstream}, 1, "$mode: a stalled stream is one");
    is($errors->{cutonly}, 1, "$mode: a 502 is one");
    is($errors->{cutwhole}, 0, "$mode: a failover that answered is none");
}

$gw->check_logs;
done_testing();
