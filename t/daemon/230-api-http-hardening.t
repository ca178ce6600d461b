#!/usr/bin/perl
#
# The admin daemon's HTTP layer under hostile input, against a real daemon:
# stored bytes that are not UTF-8, control bytes in a path (log lines),
# paths that are neither the API nor the dashboard, foreign Host names
# (DNS rebinding), parallel password guesses, and a live stream that
# outlives its session.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time);
use AgwE2E;

AgwE2E::check_prerequisites();

my $password = 'hardening-pw-0123456';
my $json = JSON::PP->new->utf8->canonical;

# A daemon with a password (AgwE2E gives it the admin token) and no nginx.
sub daemon {
    my (%env) = @_;
    my $gw = AgwE2E->new;
    AgwE2E::spew($gw->dir . '/pw', "$password\n");
    local $ENV{AGW_ADMIN_PASSWORD_FILE} = $gw->dir . '/pw';
    local $ENV{AGW_ADMIN_LOGIN_MAX_FAILS} = 5;
    local $ENV{AGW_ADMIN_LOGIN_WINDOW} = 60;
    # 30 parallel logins from one address: the limiter answers, not the
    # connection limit
    local $ENV{AGW_ADMIN_MAX_CONNECTIONS_PER_ADDRESS} = 64;
    local @ENV{keys %env} = values %env;
    $gw->start_daemon('--create-state');
    return $gw;
}

my $gw = daemon();
my $port = $gw->{api_port};
my $base = "http://127.0.0.1:$port";

# One request on its own connection, written byte for byte (any Host, any
# path); from => a local source address.  {status, head, body, json}.
sub raw {
    my ($method, $path, %o) = @_;
    my %h = %{ $o{headers} // {} };
    my $host = exists $h{Host} ? delete $h{Host} : "127.0.0.1:$port";
    my $body = $o{body} // '';
    my $req = "$method $path HTTP/1.1\r\n"
              . (defined $host ? "Host: $host\r\n" : '')
              . "Connection: close\r\n"
              . join('', map { "$_: $h{$_}\r\n" } sort keys %h)
              . (length $body ? 'Content-Length: ' . length($body) . "\r\n"
                                . "Content-Type: application/json\r\n" : '')
              . "\r\n$body";
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $o{port} // $port,
                                  LocalAddr => $o{from} // '127.0.0.1',
                                  Proto => 'tcp', Timeout => 10)
        or die "connect: $!";
    print $s $req;
    local $/;
    my $resp = <$s> // '';
    my ($head, $rest) = split /\r\n\r\n/, $resp, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my $r = { status => $status // 0, head => $head // '',
              body => $rest // '' };
    $r->{json} = eval { $json->decode($r->{body}) }
        if $r->{head} =~ m{^Content-Type: application/json}mi;
    return $r;
}

sub login {
    my ($gw, %o) = @_;
    my $r = HTTP::Tiny->new(timeout => 10, local_address => $o{from})
        ->request(POST => "http://127.0.0.1:$gw->{api_port}/api/v1/login",
                  { headers => { 'Content-Type' => 'application/json' },
                    content => $json->encode({ username => 'admin',
                        password => $o{password} // $password }) });
    my ($cookie) = ($r->{headers}{'set-cookie'} // '') =~ /agw_session=(\w+)/;
    my $body = eval { $json->decode($r->{content}) } // {};
    return { status => $r->{status}, cookie => $cookie,
             csrf => $body->{csrf_token} };
}

sub sql {
    my ($gw, $sql) = @_;
    open my $p, '|-', 'sqlite3', '-bail', $gw->{db} or die;
    print $p ".timeout 5000\n$sql\n";
    close $p or die "sqlite3 failed";
}

# --- item: stored text that is not UTF-8 -----------------------------------

subtest 'stored bytes that are not UTF-8 are served, replaced by U+FFFD' => sub {
    my $t = int(time) * 1000 - 60000;
    # as nginx stored them before it refused such names: a model of the
    # bytes FF FE 61 62, a key name of a lone C3
    sql($gw, "INSERT INTO events (id, ring_id, seq, time_ms, request_id,"
        . " key_id, key_name, dialect, model, route, provider, upstream_model,"
        . " status, error_class, cache_status, stream, attempts, attempt_list,"
        . " latency_ms, ttfb_ms, prompt_tokens, completion_tokens,"
        . " cached_tokens, cache_write_tokens, reasoning_tokens,"
        . " cost_micro_usd, bytes_in, bytes_out, client_addr,"
        . " req_body_truncated, resp_body_truncated) VALUES (1, 1, 1, $t,"
        . " 'r1', 'k_1', CAST(X'C3' AS TEXT), 'gemini',"
        . " CAST(X'FFFE6162' AS TEXT), '', 'p', CAST(X'FFFE6162' AS TEXT),"
        . " 400, 'invalid_request', '', 0, 1, '[]', 5, -1, 1, 2, 0, 0, -1,"
        . " 0, 10, 20, '127.0.0.1', 0, 0);");

    my $r = $gw->api(GET => '/api/v1/logs');
    is($r->{status}, 200, 'a logs page holding the row: 200')
        or diag($r->{content});
    is($r->{json}{items}[0]{model}, "\x{FFFD}\x{FFFD}ab",
       'the model, invalid bytes replaced');
    is($r->{json}{items}[0]{key}, "\x{FFFD}", 'the key name too');

    $r = $gw->api(GET => '/api/v1/logs/1');
    is($r->{status}, 200, 'the row itself: 200') or diag($r->{content});

    my $from = int(time) - 3600;
    for my $g (qw(model key)) {
        $r = $gw->api(GET => "/api/v1/usage?from=$from&group_by=$g");
        is($r->{status}, 200, "usage by $g: 200") or diag($r->{content});
    }
    is($r->{json}{totals}{requests}, 1, 'and counted');
};

subtest 'an error message naming bytes that are not UTF-8 is still JSON' => sub {
    my $r = raw(GET => '/api/v1/nope%FF%FE');
    is($r->{status}, 404, '404, not 500') or diag($r->{body});
    is($r->{json}{error}{code}, 'not_found', 'the not_found error');
    like($r->{json}{error}{message}, qr{/api/v1/nope\x{FFFD}\x{FFFD}},
         'the path, invalid bytes replaced');
};

subtest 'control bytes in a path cannot forge daemon log lines' => sub {
    # a database that cannot be opened makes the API log the request line
    rename $gw->{db}, "$gw->{db}.away" or die "rename: $!";
    my $r = raw(GET => '/api/v1/keys/x%0D%0A2020-01-01T00:00:00Z%20'
                       . 'ai-gateway-admin:%20forged%1B[31m',
                headers => { Authorization => "Bearer $AgwE2E::TOKEN" });
    rename "$gw->{db}.away", $gw->{db} or die "rename: $!";
    is($r->{status}, 503, 'the request failed (database away)')
        or diag($r->{body});
    my $log = $gw->daemon_log;
    unlike($log, qr/^2020-01-01T00:00:00Z ai-gateway-admin: forged/m,
           'no line forged');
    unlike($log, qr/\e/, 'no escape byte in the log');
    like($log, qr{/api/v1/keys/x\\r\\n2020-01-01T00:00:00Z}, 'CR LF shown escaped');
};

# --- item: unknown paths ------------------------------------------------

subtest 'only the dashboard and the API answer; anything else is 404' => sub {
    for my $p (qw(/metrics /logs /keys/k_1 /admin/ /.env /api /api/
                  /api/v2/keys /api/v1))
    {
        my $r = raw(GET => $p);
        is($r->{status}, 404, "GET $p: 404");
        unlike($r->{body}, qr/<html/i, "GET $p: not the dashboard's page");
    }
    like(raw(GET => '/api/v1/nope')->{json}{error}{code}, qr/^not_found$/,
         'under /api/: a JSON error');
    my $r = raw(GET => '/');
    is($r->{status}, 200, '/ is the dashboard');
    like($r->{head}, qr{^Content-Type: text/html}mi, 'as HTML');
    is(raw(GET => '/index.html')->{status}, 200, '/index.html too');
    is(raw(GET => '/favicon.svg')->{status}, 200, 'and its files');
};

# --- item: Host check (DNS rebinding) ------------------------------------

subtest 'a request for a host name not of this daemon is refused' => sub {
    for my $h ("evil.example:$port", 'evil.example', "localhost.evil.example:$port",
               "127.0.0.1.nip.io:$port", "[::1].evil.example")
    {
        my $r = raw(GET => '/api/v1/health', headers => { Host => $h });
        is($r->{status}, 421, "Host: $h: 421") or diag($r->{body});
        is($r->{json}{error}{code}, 'misdirected', 'a JSON error')
            if $r->{status} == 421;
        is(raw(GET => '/', headers => { Host => $h })->{status}, 421,
           "Host: $h: no dashboard either");
    }
    my $r = raw(POST => '/api/v1/login',
                headers => { Host => "rebind.example:$port" },
                body => $json->encode({ username => 'admin',
                                        password => $password }));
    is($r->{status}, 421, 'login through a rebound name: 421');

    for my $h ("127.0.0.1:$port", "localhost:$port", 'LOCALHOST', "[::1]:$port",
               '127.0.0.1', "localhost.:$port")
    {
        is(raw(GET => '/api/v1/health', headers => { Host => $h })->{status},
           200, "Host: $h: 200");
    }
};

# --- item: login limiter under parallel guesses ----------------------------

subtest 'parallel wrong passwords: only the allowed number is tried' => sub {
    my @kids;
    for my $i (1 .. 30) {
        pipe my $rd, my $wr or die;
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            close $rd;
            print $wr login($gw, from => '127.0.0.5',
                            password => "guess$i")->{status};
            close $wr;
            POSIX::_exit(0);
        }
        close $wr;
        push @kids, [$pid, $rd];
    }
    my %st;
    for my $k (@kids) {
        my $fh = $k->[1];
        local $/;
        $st{ <$fh> // 'none' }++;
        waitpid $k->[0], 0;
    }
    is($st{401} // 0, 5, 'five guesses checked (401)') or diag(explain \%st);
    is($st{429} // 0, 25, 'the other 25 refused unchecked (429)');
    is(login($gw, from => '127.0.0.5')->{status}, 429,
       'the right password waits too');
    is(login($gw, from => '127.0.0.6')->{status}, 200,
       'another address logs in');
    is(login($gw, from => '127.0.0.6', password => 'x')->{status}, 401,
       'a wrong password there: 401');
};

# --- item: the live stream and its session ---------------------------------

# Opens the stream with a session cookie; returns the socket once the first
# summary arrived.
sub open_stream {
    my ($gw, $cookie) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $gw->{api_port},
                                  Proto => 'tcp', Timeout => 10)
        or die "connect: $!";
    print $s "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             . "Cookie: agw_session=$cookie\r\nConnection: close\r\n\r\n";
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $end = time + 10;
    while ($buf !~ /event: summary/ && time < $end) {
        $sel->can_read(1) or next;
        sysread($s, $buf, 65536, length $buf) or last;
    }
    return ($s, $buf);
}

# Reads until the server ends the stream or $secs pass; true if it ended.
sub stream_ends_within {
    my ($s, $secs) = @_;
    my $sel = IO::Select->new($s);
    my $end = time + $secs;
    while (time < $end) {
        $sel->can_read(0.5) or next;
        my $n = sysread($s, my $chunk, 65536);
        return 1 if !$n;
    }
    return 0;
}

subtest 'the live stream ends at logout' => sub {
    my $l = login($gw);
    is($l->{status}, 200, 'logged in');
    my ($s, $first) = open_stream($gw, $l->{cookie});
    like($first, qr/event: summary/, 'the stream sends');
    my $r = raw(POST => '/api/v1/logout',
                headers => { Cookie => "agw_session=$l->{cookie}",
                             'X-CSRF-Token' => $l->{csrf} });
    is($r->{status}, 204, 'logout');
    ok(stream_ends_within($s, 10), 'the stream ends with the session');
};

subtest 'the live stream ends when its session expires' => sub {
    my $short = daemon(AGW_ADMIN_SESSION_TTL => 3);
    my $l = login($short);
    is($l->{status}, 200, 'logged in for 3 s');
    my ($s, $first) = open_stream($short, $l->{cookie});
    like($first, qr/event: summary/, 'the stream sends');
    ok(stream_ends_within($s, 15), 'the stream ends when the session does');
    $short->stop_daemon;
};

subtest 'clean log' => sub {
    $gw->stop_daemon;
    unlike($gw->daemon_log, qr/Sanitizer|runtime error/, 'no sanitizer report');
};

done_testing();
