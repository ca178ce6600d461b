#!/usr/bin/perl
#
# The ports the suites give the servers they start (t/lib/FreePort.pm and
# every harness built on it).  A CI run failed when nginx could not bind a
# port the harness had taken from the kernel's ephemeral range: such a
# port can go to any outgoing connection before the server binds it.
# Checked: no picker returns an ephemeral port, none returns a port twice
# in a process, two processes picking at once never share one, a
# process's claims go when it exits, and a dead process's claim is taken
# over.

use strict;
use warnings;
use Test::More;
use FindBin;
use File::Temp qw(tempdir);
use POSIX ();
use lib "$FindBin::Bin/lib", "$FindBin::Bin/agw", "$FindBin::Bin/daemon/lib";

my $claims = tempdir(CLEANUP => 1);
$ENV{TEST_FREE_PORT_DIR} = $claims;

require FreePort;
require AgwNginx;
require AgwE2E;
require Test::Nginx::Util;

my ($lo, $hi) = (32768, 60999);
if (open my $fh, '<', '/proc/sys/net/ipv4/ip_local_port_range') {
    ($lo, $hi) = split ' ', scalar <$fh>;
}
my @range = FreePort::port_range();
ok($range[1] < $lo || $range[0] > $hi,
   "the range drawn from ($range[0]-$range[1]) is outside the ephemeral "
   . "one ($lo-$hi)");

my %pickers = (
    'FreePort::free_port'   => \&FreePort::free_port,
    'AgwNginx::free_port'   => \&AgwNginx::free_port,
    'AgwE2E::free_port'     => \&AgwE2E::free_port,
    'Test::Nginx gen_rand_port' =>
        sub { Test::Nginx::Util::gen_rand_port(1000, {}) },
);
my %seen;
for my $name (sort keys %pickers) {
    my @ports = map { $pickers{$name}->() } 1 .. 40;
    my @ephemeral = grep { $_ >= $lo && $_ <= $hi } @ports;
    is("@ephemeral", '', "$name: no port in the ephemeral range");
    my @twice = grep { $seen{$_}++ } @ports;
    is("@twice", '', "$name: no port given twice in one process");
}

my $first = FreePort::free_ports(3);
ok(-e "$claims/$_", "free_ports(3): port $_ claimed")
    for $first .. $first + 2;

# two processes at once, each taking 200 ports: no port in both
my @kids;
for my $k (0, 1) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my @p = map { FreePort::free_port() } 1 .. 200;
        open my $fh, '>', "$claims/kid$k" or POSIX::_exit(1);
        print $fh "@p\n";
        close $fh;
        # stay until the other has picked too: a claim lasts as long as
        # its process
        for (1 .. 500) {
            last if -e "$claims/kid" . (1 - $k);
            select undef, undef, undef, 0.01;
        }
        exit 0;             # runs END: this child's own claims go
    }
    push @kids, $pid;
}
waitpid $_, 0 for @kids;
my @got = map { open my $fh, '<', "$claims/kid$_" or die; [split ' ', <$fh>] }
          0, 1;
is(scalar @{$got[$_]}, 200, "process $_ got its 200 ports") for 0, 1;
my %one = map { $_ => 1 } @{$got[0]};
my @both = grep { $one{$_} } @{$got[1]};
is("@both", '', 'no port went to both processes');
my @left = grep { -e "$claims/$_" } @{$got[0]}, @{$got[1]};
is("@left", '', "the processes' claims went when they exited");
ok(-e "$claims/$first", "a child's exit left its parent's claims");

# a claim whose process is gone is taken over; a live one is not
my $dead = fork // die;
POSIX::_exit(0) if $dead == 0;
waitpid $dead, 0;
my ($stale, $live) = ($range[0] + 7, $range[0] + 8);
unlink "$claims/$stale", "$claims/$live";
open my $fh, '>', "$claims/$stale" or die;
print $fh "$dead\n";
close $fh;
open $fh, '>', "$claims/$live" or die;
print $fh "$$\n";
close $fh;
ok(FreePort::claim($stale), "a dead process's claim is taken over");
ok(!FreePort::claim($live), "a live process's claim is not");

done_testing;
