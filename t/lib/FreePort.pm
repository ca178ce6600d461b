package FreePort;

# The one way every suite, harness and script picks a loopback port for a
# server it starts (nginx, a mock, the daemon's API).
#
#     use FreePort qw(free_port free_ports);
#     my $port  = free_port();      # one port
#     my $first = free_ports(3);    # three in a row: $first .. $first + 2
#
# Two rules, each learnt from a run that failed to bind:
#
# - Never a port of the kernel's ephemeral range
#   (/proc/sys/net/ipv4/ip_local_port_range).  Asking the kernel for port 0
#   and closing the socket hands back an ephemeral port, which the kernel
#   may give to any outgoing connection (nginx to its mock, a client, a
#   scraper) before the server binds it: "bind() ... (98: Address already
#   in use)".  Ports are drawn at random below that range instead (above
#   it where the range starts low).
# - A port is claimed before it is returned: a file named after it in a
#   directory every test process shares, made atomically and holding the
#   claimer's pid.  Suites run side by side (prove -j2) and would
#   otherwise both find the same port free between the check and the bind.
#   The claims go when the process that made them exits; a claim whose
#   process is gone, or older than a day, is taken over.
#
# The port is also checked free now (bound without SO_REUSEADDR, so a
# connection lingering on it counts as in use).

use strict;
use warnings;
use File::Spec ();
use IO::Socket::INET ();

use Exporter 'import';
our @EXPORT_OK = qw(free_port free_ports port_range claim_dir);

my @claims;                     # [path, the pid that claimed it]

# the directory of claims: TEST_FREE_PORT_DIR, else one per user in TMPDIR
sub claim_dir {
    my $dir = $ENV{TEST_FREE_PORT_DIR}
              // File::Spec->catdir(File::Spec->tmpdir, "agw-test-ports-$<");
    mkdir $dir, 0700 unless -d $dir;
    die "FreePort: cannot create $dir: $!\n" unless -d $dir;
    return $dir;
}

# [first, last] of the ports drawn from: the largest stretch of
# 10000-65535 outside the ephemeral range
sub port_range {
    my ($lo, $hi) = (32768, 60999);
    if (open my $fh, '<', '/proc/sys/net/ipv4/ip_local_port_range') {
        my @r = split ' ', scalar <$fh> // '';
        ($lo, $hi) = @r if @r == 2 && $r[0] =~ /^\d+$/ && $r[1] =~ /^\d+$/;
    }
    my ($below, $above) = ($lo - 10000, 65535 - $hi);
    return $below >= $above ? (10000, $lo - 1) : ($hi + 1, 65535);
}

# the claim file appears whole, its pid in it: written under a name of
# this process's own, then linked to the port's name (link fails if a
# claim is there), so no reader ever sees a claim without its pid
sub claim {
    my ($port) = @_;
    my $dir = claim_dir();
    my $path = File::Spec->catfile($dir, $port);
    my $tmp = File::Spec->catfile($dir, ".$$");

    open my $out, '>', $tmp or die "FreePort: $tmp: $!\n";
    print $out "$$\n";
    close $out or die "FreePort: $tmp: $!\n";

    my $ok = 0;
    for (1 .. 2) {
        if (link $tmp, $path) {
            push @claims, [$path, $$];
            $ok = 1;
            last;
        }
        last unless -e $path;
        open my $fh, '<', $path or next;
        my ($pid) = (scalar <$fh> // '') =~ /^(\d+)/;
        close $fh;
        my $alive = $pid && (kill(0, $pid) || $!{EPERM});
        last if $alive && -M $path < 1;
        unlink $path;                          # stale: take it over
    }
    unlink $tmp;
    return $ok;
}

sub bindable {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                  LocalPort => $port, Proto => 'tcp',
                                  Listen => 1)
        or return 0;
    close $s;
    return 1;
}

# the first of $n consecutive ports, all free and claimed
sub free_ports {
    my ($n) = @_;
    my ($first, $last) = port_range();

    for (1 .. 1000) {
        my $p = $first + int rand($last - $first + 2 - $n);
        my @mine;
        for my $q ($p .. $p + $n - 1) {
            last unless claim($q);
            push @mine, $q;
        }
        if (@mine == $n && $n == grep { bindable($_) } @mine) {
            return $p;
        }
        release(@mine);
    }
    die "FreePort: no $n free port(s) in $first-$last\n";
}

sub free_port { return free_ports(1) }

sub release {
    my %drop = map { (File::Spec->catfile(claim_dir(), $_) => 1) } @_;
    unlink map { $_->[0] } grep { $drop{$_->[0]} } @claims;
    @claims = grep { !$drop{$_->[0]} } @claims;
}

# only the process that claimed: a forked child exiting must not drop its
# parent's claims
END {
    unlink map { $_->[0] } grep { $_->[1] == $$ } @claims;
}

1;
