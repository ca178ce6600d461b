#!/usr/bin/perl
# What the shipped configuration (conf/nginx.conf: scripts/run, the image,
# the packages) promises beyond `nginx -t`: an agent's request body stays
# in memory.  With nginx's default client_body_buffer_size (16k) every
# body over 20 KB went to a temp file and was read back by the gateway
# (docs/configuration.md, ai_gateway_max_body_size).

use strict;
use warnings;
use Test::More;
use FindBin;
use Cwd qw(abs_path);

my $root = abs_path("$FindBin::Bin/..");

open my $fh, '<', "$root/conf/nginx.conf" or die "conf/nginx.conf: $!";
my $conf = do { local $/; <$fh> };
$conf =~ s/#[^\n]*//g;

my %unit = ('' => 1, k => 1024, K => 1024, m => 1 << 20, M => 1 << 20);
my ($n, $u) = $conf =~ /^\s*client_body_buffer_size\s+(\d+)([kKmM]?)\s*;/m;

ok(defined $n, 'conf/nginx.conf sets client_body_buffer_size');
cmp_ok(($n // 0) * $unit{$u // ''}, '>=', 256 * 1024,
       'it holds an agent-sized body (at least 256k)');

# set where the gateway's locations inherit it: in their server, before
# any location, or in http
my ($server) = $conf =~ /\n\s*server\s*\{(.*?)\n\s*location\s+\/v1\//s;
ok(defined $server
   && $server =~ /client_body_buffer_size/
   || $conf =~ /^http\s*\{[^{]*client_body_buffer_size/m,
   'the /v1/ location inherits it');

done_testing();
