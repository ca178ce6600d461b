#!/usr/bin/perl
#
# Slow clients against the admin daemon (slowloris): a request that
# trickles in is cut off once AGW_ADMIN_REQUEST_TIMEOUT has passed, however
# steadily its bytes come, and connections held open from a few addresses
# leave room for everyone else.  The live stream, once asked for, is not
# cut.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use AgwE2E;

AgwE2E::check_prerequisites();

$SIG{PIPE} = 'IGNORE';

sub held {
    my ($gw, $from, $text) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $gw->{api_port},
                                  LocalAddr => $from, Proto => 'tcp',
                                  Timeout => 5)
        or die "connect from $from: $!";
    syswrite $s, $text;
    return $s;
}

# Sends one more byte every 0.2 s (unless $quiet) until the server closes
# or $secs pass; true if it closed.
sub cut_within {
    my ($s, $secs, $quiet) = @_;
    my $sel = IO::Select->new($s);
    my $end = time + $secs;
    while (time < $end) {
        return 1 unless $quiet || defined syswrite($s, 'X');
        next unless $sel->can_read(0.2);
        my $n = sysread($s, my $buf, 4096);
        return 1 if !$n;
    }
    return 0;
}

my $quick = AgwE2E->new;
{
    local $ENV{AGW_ADMIN_REQUEST_TIMEOUT} = 2;
    $quick->start_daemon('--create-state');
}

subtest 'a request that trickles in is cut off' => sub {
    my $s = held($quick, '127.0.0.1',
                 "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
    ok(cut_within($s, 20), 'headers one byte at a time: cut, though they kept coming');

    $s = held($quick, '127.0.0.1',
              "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              . "Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{");
    ok(cut_within($s, 20), 'a login body one byte at a time: cut');

    $s = held($quick, '127.0.0.1',
              "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    ok(cut_within($s, 20, 1), 'a kept-alive connection idle after its request: cut');

    my $r = HTTP::Tiny->new(timeout => 10)->get(
        "http://127.0.0.1:$quick->{api_port}/api/v1/health");
    is($r->{status}, 200, 'a prompt client is served');
};

subtest 'the live stream outlives the request timeout' => sub {
    my $s = held($quick, '127.0.0.1',
                 "GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 . "Authorization: Bearer $AgwE2E::TOKEN\r\n\r\n");
    my $sel = IO::Select->new($s);
    my ($buf, $late, $ended) = ('', '', 0);
    my ($start, $end) = (time, time + 6);
    while (time < $end) {
        next unless $sel->can_read(0.5);
        my $n = sysread($s, my $chunk, 65536);
        if (!$n) {
            $ended = 1;
            last;
        }
        $buf .= $chunk;
        $late .= $chunk if time - $start > 3;    # past the 2 s timeout
    }
    ok(!$ended, 'the stream is still open after 6 s');
    like($late, qr/event: summary/, 'and sends after the timeout');
};

# Default limits: 32 connections from each of two addresses, each holding
# half a request line.  Before, 64 filled the daemon.
my $gw = AgwE2E->new;
$gw->start_daemon('--create-state');

subtest 'connections held from a few addresses leave room for others' => sub {
    my @held = map { my $from = $_;
                     map { held($gw, $from, 'GET /api/v1/hea') } 1 .. 32 }
               qw(127.0.0.3 127.0.0.4);
    my $r = HTTP::Tiny->new(timeout => 10, local_address => '127.0.0.2')->get(
        "http://127.0.0.1:$gw->{api_port}/api/v1/health");
    is($r->{status}, 200, 'another client is served while they are held')
        or diag($r->{content});
    my $open = grep { !IO::Select->new($_)->can_read(0)
                      || sysread($_, my $b, 1) } @held;
    cmp_ok($open, '<', 64, "one address holds only its share ($open of 64 open)");
    close $_ for @held;
};

subtest 'clean log' => sub {
    $_->stop_daemon for $quick, $gw;
    unlike($_->daemon_log, qr/Sanitizer|runtime error/, 'no sanitizer report')
        for $quick, $gw;
};

done_testing();
