#!/usr/bin/perl
#
# One version everywhere: the daemon's --version, its health answer and
# the module's health answer carry the top-level VERSION file's number,
# and debian/changelog gives the packages the same.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $version = AgwE2E::slurp("$AgwE2E::ROOT/VERSION");
chomp $version;
like($version, qr/^\d+\.\d+\.\d+\S*$/, "VERSION holds a version: $version");

# the packages' version is debian/changelog's newest entry's
my ($deb) = AgwE2E::slurp("$AgwE2E::ROOT/debian/changelog") =~ /^ai-gateway \(([^)]+)\)/;
is($deb, $version, 'debian/changelog\'s newest entry has it');

my $out = `"$AgwE2E::DAEMON" --version 2>&1`;
is($?, 0, '--version exits 0');
like($out, qr/^ai-gateway-admin \Q$version\E \(/, '--version names it')
    or diag $out;

my $gw = AgwE2E->new(
    http => "    ai_gateway_provider mock type=openai url=MOCK/ok/v1;\n"
          . "    ai_gateway_route gpt-4o mock;\n",
    locations => '        location = /health { ai_gateway health; }');
$gw->start_nginx;
$gw->start_daemon;

my $r = $gw->api(GET => '/api/v1/health');
is($r->{status}, 200, 'the daemon\'s health answers');
is($r->{json}{version}, $version, 'the daemon\'s health carries it');

$r = $gw->{http_client}->get("http://127.0.0.1:$gw->{gw_port}/health");
is($r->{status}, 200, 'the module\'s health answers');
like($r->{content}, qr/"version":"\Q$version\E"/,
     'the module\'s health carries it')
    or diag $r->{content};

done_testing();
