package Test::Nginx::TcpServer;

# The --- tcp_listen mock of the Test::Nginx::Socket-compatible runner: a
# child process that accepts one connection, reads the query, waits, sends
# the scripted reply (any bytes: a truncated response, garbage, nothing)
# and closes, or keeps the connection open.  For upstream behaviour an
# nginx mock cannot produce.

use strict;
use warnings;

use IO::Socket::INET ();
use IO::Socket::UNIX ();
use POSIX ();
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(sleep);

# Start the server.  Options: target (port, or a path ending in .sock),
# reply (string, array of strings sent one by one, or code called with the
# query and returning either), reply_delay, shutdown (0, 1 or 2, applied on
# accept), shutdown_delay, no_close, query_len (read until that many bytes;
# otherwise one read), query_file (where the query is written as it
# arrives).  Returns { pid, sock } or dies with the reason.
sub start {
    my (%o) = @_;
    my ($sock, $err, $pid);

    for my $try (1 .. 30) {
        if ($o{target} =~ /^\d+$/) {
            $sock = IO::Socket::INET->new(LocalHost => '127.0.0.1',
                                          LocalPort => $o{target},
                                          Proto => 'tcp', Reuse => 1,
                                          Listen => 5);
        } elsif ($o{target} =~ /\.sock$/) {
            unlink $o{target} if -e $o{target};
            $sock = IO::Socket::UNIX->new(Local => $o{target},
                                          Type => SOCK_STREAM, Listen => 5);
        } else {
            die "bad tcp_listen target: $o{target}\n";
        }
        last if $sock;

        $err = $!;
        last unless $err =~ /address already in use/i;
        sleep 0.1;
    }
    die "failed to create the tcp listening socket: $err\n" unless $sock;

    $pid = fork();
    die "fork() failed: $!\n" unless defined $pid;

    if ($pid == 0) {
        # Whatever happens, the child must never return into the test
        # script, run its END blocks or print a test summary.
        eval { serve($sock, \%o) };
        warn "tcp_listen server: $@" if $@;
        POSIX::_exit(0);
    }

    return { pid => $pid, sock => $sock, target => $o{target} };
}

# The child's side: one connection, as the options script it.
sub serve {
    my ($sock, $o) = @_;
    my ($client, $query, $reply, $no_read, $no_write);

    local $SIG{PIPE} = 'IGNORE';

    $client = $sock->accept() until $client;
    $query = '';

    if (defined $o->{shutdown}) {
        sleep $o->{shutdown_delay} if $o->{shutdown_delay};
        $client->shutdown($o->{shutdown});
        $no_read = $o->{shutdown} != 1;
        $no_write = $o->{shutdown} != 0;
    }

    until ($no_read) {
        my $buf = '';
        my $ok = $client->recv($buf, 4096);
        last if !defined $ok || $buf eq '';    # error or EOF
        $query .= $buf;
        if ($o->{query_file} && open my $out, '>', $o->{query_file}) {
            binmode $out;
            print $out $query;
            close $out;
        }
        last if !$o->{query_len} || length $query >= $o->{query_len};
    }

    sleep $o->{reply_delay} if $o->{reply_delay};

    $reply = $o->{reply};
    $reply = $reply->($query) if ref $reply eq 'CODE';
    if (!$no_write && defined $reply) {
        for my $part (ref $reply eq 'ARRAY' ? @$reply : ($reply)) {
            $client->send($part);
        }
    }

    sleep 1 while $o->{no_close};

    close $client;
}

sub stop {
    my ($srv) = @_;

    return unless $srv;
    kill 'KILL', $srv->{pid};
    waitpid($srv->{pid}, 0);
    close $srv->{sock};
    unlink $srv->{target} if $srv->{target} =~ /\.sock$/;
}

1;
