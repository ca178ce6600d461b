package Test::Nginx::Client;

# The HTTP/1.x client of the Test::Nginx::Socket-compatible runner: writes
# a request as a series of packets on one TCP connection, reads until the
# server closes it (or an idle timeout expires), and parses what came back,
# decoding a chunked body so the checks see the payload.  No Test::More in
# here: callers turn the returned errors into test results.

use strict;
use warnings;

use base 'Exporter';

use Errno qw(EAGAIN EWOULDBLOCK EINTR);
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep);

our @EXPORT_OK = qw(send_request parse_response response_complete);


# Send the packets of one request and collect the raw response.
#
# Options: addr, port, packets (array of { value, delay_before }),
# middle_delay (seconds between packets without their own delay),
# timeout (seconds of inactivity, as in Test::Nginx: the limit applies
# between two I/O events, not to the whole exchange), shutdown (call
# shutdown(2) with this value once everything is written), stop_at_end
# (stop reading once one complete response arrived instead of waiting for
# the close: for keep-alive requests), connect_tries.
#
# Returns a hash: resp (bytes read), timed_out, error (text or undef),
# connect_failed.
sub send_request {
    my (%o) = @_;
    my ($sock, $err, $sel, @packets, $buf, $off, $res);

    # nginx may answer and close before the whole request is written (413,
    # 400): that must be a write error here, not a SIGPIPE killing prove.
    local $SIG{PIPE} = 'IGNORE';

    @packets = map { ref $_ ? {%$_} : { value => $_ } } @{ $o{packets} };
    $res = { resp => '', timed_out => 0, error => undef, connect_failed => 0 };

    $sock = connect_with_retries($o{addr}, $o{port}, $o{timeout},
                                 $o{connect_tries} || 10, \$err);
    if (!$sock) {
        $res->{connect_failed} = 1;
        $res->{error} = "Can't connect to $o{addr}:$o{port}: $err";
        return $res;
    }

    $sock->blocking(0);
    $sel = IO::Select->new($sock);
    $buf = (shift @packets)->{value};
    $buf = '' unless defined $buf;
    $off = 0;

    # Write phase: every packet in order, honouring the delays.  Reading
    # what nginx already sent can wait: the kernel buffers it.
    WRITE: while (1) {
        while ($off < length $buf) {
            my ($n, @ready);

            @ready = IO::Select->select(undef, $sel, undef, $o{timeout});
            if (!@ready) {
                $res->{timed_out} = 1;
                close $sock;
                return $res;
            }

            $n = syswrite($sock, $buf, length($buf) - $off, $off);
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                $res->{error} = "write failed: $!";
                last WRITE;
            }
            $off += $n;
        }

        my $next = shift @packets;
        last unless $next;

        my $delay = defined $next->{delay_before} ? $next->{delay_before}
                                                  : $o{middle_delay};
        sleep $delay if $delay;
        $buf = defined $next->{value} ? $next->{value} : '';
        $off = 0;
    }

    if (!defined $res->{error} && defined $o{shutdown}) {
        shutdown($sock, $o{shutdown});
    }

    # Read phase: until EOF, an error, the idle timeout, or (keep-alive
    # only) a complete response.
    while (1) {
        my ($chunk, $n, @ready);

        @ready = $sel->can_read($o{timeout});
        if (!@ready) {
            $res->{timed_out} = 1;
            last;
        }

        $n = sysread($sock, $chunk, 65536);
        if (!defined $n) {
            next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
            $res->{error} ||= "HTTP response read failure: $!";
            last;
        }
        last if $n == 0;

        $res->{resp} .= $chunk;
        last if $o{stop_at_end} && response_complete($res->{resp});
    }

    close $sock;
    return $res;
}


# nginx is already listening when the daemonising parent exits, but a
# reload or a slow machine can still refuse a connection for a moment:
# retry with a growing pause (about 3 s in all), as Test::Nginx does.
sub connect_with_retries {
    my ($addr, $port, $timeout, $tries, $errp) = @_;
    my $sock;

    for my $try (1 .. $tries) {
        $sock = IO::Socket::INET->new(
            PeerAddr => $addr,
            PeerPort => $port,
            Proto    => 'tcp',
            Type     => SOCK_STREAM,
            Timeout  => $timeout,
        );
        return $sock if $sock;

        $$errp = $! || $@;
        my $wait = 0.015 * $try * ($try + 1) / 2;
        sleep($wait > 1 ? 1 : $wait);
    }

    return undef;
}


# Whether $raw holds at least one whole response: headers and a body
# delimited by Content-Length or the last chunk.  Responses delimited by
# the close are never complete before the close.
sub response_complete {
    my ($raw) = @_;
    my ($head, $body, $pos);

    return 0 unless $raw =~ /\A(.*?\r?\n)\r?\n/s;
    $head = $1;
    $body = substr $raw, $+[0];

    return 1 if $head =~ m{\AHTTP/\S+\s+(?:1\d\d|204|304)\b};

    if ($head =~ /^Transfer-Encoding:\s*chunked\s*$/mi) {
        $pos = 0;
        while ($body =~ /\G([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r\n/gc) {
            my $size = hex $1;
            if ($size == 0) {
                return $body =~ /\G(?:[^\r\n]+\r\n)*\r\n/gc ? 1 : 0;
            }
            $pos = pos($body) + $size + 2;
            return 0 if $pos > length $body;
            pos($body) = $pos;
        }
        return 0;
    }

    if ($head =~ /^Content-Length:\s*(\d+)\s*$/mi) {
        return length($body) >= $1 ? 1 : 0;
    }

    return 0;
}


# Parse one response off the front of $raw ($name labels warnings).
#
# Returns ($res, $raw_headers, $left, $error): the HTTP::Response with a
# decoded body, the header block as received (status line included, up to
# the last CRLF before the empty line), bytes after this response (a
# pipelined answer, or junk), and an error text when the chunked encoding
# is broken or truncated (then $res is undef, as in Test::Nginx).
sub parse_response {
    my ($raw, $head_req, $name) = @_;
    my ($res, $raw_headers, $left, $code, $te, $len);

    $raw_headers = $raw =~ /\A(.*?\r\n)\r\n/s ? $1 : '';

    $res = HTTP::Response->parse($raw);
    $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        $code = undef;
    }

    return ($res, $raw_headers, undef, undef)
        if $code && ($code == 304 || $code == 101);

    $te = $res->header('Transfer-Encoding');
    $len = $res->header('Content-Length');

    if (defined $te && $te eq 'chunked') {
        my ($decoded, $err);

        ($decoded, $left, $err) = decode_chunked($res->content);
        return (undef, $raw_headers, undef, $err) if defined $err;
        $res->content($decoded);

    } elsif (defined $len && $len =~ /^\d+$/) {
        my $body = $res->content;

        if (length $body > $len) {
            $left = substr $body, $len;
            $res->content(substr $body, 0, $len);

        } elsif (length $body < $len && !$head_req) {
            warn "WARNING: " . (defined $name ? "$name - " : '')
                 . "response body truncated: $len expected, but got "
                 . length($body) . "\n";
        }
    }

    return ($res, $raw_headers, $left, undef);
}


# Decode a chunked body.  Returns ($payload, $rest_after_last_chunk,
# $error).  A body cut before its last chunk is an error, exactly as in
# Test::Nginx: a suite that reads a stream partially (--- abort) must ask
# for HTTP/1.0 so that nginx does not chunk.
sub decode_chunked {
    my ($raw) = @_;
    my $out = '';

    $raw = '' unless defined $raw;

    while (1) {
        if ($raw =~ /\G0[ \t]*(?:;[^\r\n]*)?\r\n(?:[^\r\n]+\r\n)*\r\n/gc) {
            my $rest = substr $raw, pos($raw);
            return ($out, length $rest ? $rest : undef, undef);
        }

        if ($raw =~ /\G[ \t]*([0-9A-Fa-f]+)[ \t]*(?:;[^\r\n]*)?\r\n/gc) {
            my $size = hex $1;
            my $at = pos $raw;

            if ($at + $size > length $raw) {
                return (undef, undef, "invalid chunked data received (not "
                        . "enough octets for the data section; a truncated "
                        . "stream? use HTTP/1.0 for partial reads)");
            }
            $out .= substr $raw, $at, $size;
            pos($raw) = $at + $size;

            if ($raw !~ /\G\r\n/gc) {
                return (undef, undef,
                        "invalid chunked data received (expected CRLF)");
            }
            next;
        }

        if ($raw =~ /\G(.+)/gcs) {
            return (undef, undef, "invalid chunked body received: $1");
        }

        return (undef, undef, "no last chunk found - the stream ended "
                . "early (use HTTP/1.0 for partial reads): $out");
    }
}


1;
