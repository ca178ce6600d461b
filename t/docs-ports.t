#!/usr/bin/perl
# The addresses the documents give are the ones the programs use: every
# 127.0.0.1:PORT or localhost:PORT in the README, docs/ and scripts/run is
# the gateway's (conf/nginx.conf), the demo upstream's
# (conf/demo-upstream.conf) or the admin daemon's default (AGW_DAEMON_LISTEN
# in admin-daemon/daemon.h), and scripts/run starts the daemon there.
# (The dashboard was once given as 8089 here and 8090 there.)

use strict;
use warnings;
use Test::More;
use FindBin;
use Cwd qw(abs_path);

my $root = abs_path("$FindBin::Bin/..");

sub slurp {
    open my $fh, '<', "$root/$_[0]" or die "$_[0]: $!";
    local $/;
    return <$fh>;
}

my ($gateway) = slurp('conf/nginx.conf') =~ /^\s*listen\s+127\.0\.0\.1:(\d+);/m;
my ($demo) = slurp('conf/demo-upstream.conf') =~ /^\s*listen\s+127\.0\.0\.1:(\d+);/m;
my ($admin) = slurp('admin-daemon/daemon.h')
    =~ /#define\s+AGW_DAEMON_LISTEN\s+"127\.0\.0\.1:(\d+)"/;

ok($gateway && $demo && $admin, "ports found: gateway $gateway, demo $demo, "
   . "daemon $admin");

my %known = ($gateway => 'gateway', $demo => 'demo upstream',
             $admin => 'admin daemon');

my @files = ('README.md', 'admin-daemon/README.md', 'scripts/run',
             map { s{^\Q$root/\E}{}r } glob "$root/docs/*.md");
my @wrong;

for my $f (@files) {
    my $n = 0;
    for my $line (split /\n/, slurp($f)) {
        $n++;
        while ($line =~ /\b(?:127\.0\.0\.1|localhost):(\d+)/g) {
            push @wrong, "$f:$n: port $1" unless $known{$1};
        }
    }
}

is_deeply(\@wrong, [], 'every local address in the documents is a program\'s')
    or diag join "\n", @wrong;

my $run = slurp('scripts/run');
like($run, qr/--listen 127\.0\.0\.1:\Q$admin\E\b/,
     'scripts/run starts the daemon on its default port');
like($run, qr/Dashboard and admin API: http:\/\/127\.0\.0\.1:\Q$admin\E\//,
     'scripts/run prints that address');

done_testing();
