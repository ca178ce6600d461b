# The benchmark scripts still run: scripts/bench-translate --smoke times
# every case once (and scripts/bench-json --smoke the JSON cases),
# scripts/bench with BENCH_SMOKE=1 sends one request of
# every row through both paths and one short paced stream.  Asserts only
# that they finish and print well-formed rows (numbers are never checked:
# no timed asserts); a row the gateway answers with an error is "skipped"
# by scripts/bench, which fails here.
use strict;
use warnings;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use lib dirname(__FILE__) . '/../lib';
use FreePort ();

my $top = abs_path(dirname(__FILE__) . '/../..');
chdir $top or die;

plan skip_all => 'needs wrk, python3 and the echo module'
    unless `sh -c "command -v wrk"` && `sh -c "command -v python3"`
        && -f '/usr/lib/nginx/modules/ngx_http_echo_module.so';


my $out = `scripts/bench-translate --smoke 2>&1`;
is($?, 0, 'bench-translate --smoke exits 0') or diag $out;
my ($small, $agent) = split /^agent-sized.*$/m, $out, 2;
my @small = $small =~ /^(\w+ <- \w+) +[\d.]+ +[\d.]+ +\d+$/mg;
is(scalar(@small), 16, 'a small row for each pair of the four dialects')
    or diag $out;
my @pairs = ($agent // '') =~ /^(\w+ <- \w+)((?: +[\d.]+ +(?:\d+|n\/a)){3})$/mg;
is(scalar(@pairs) / 2, 16,
   "an agent-sized row for each pair of the four dialects")
    or diag $out;
like($out, qr/^responses <- responses /m, 'the Responses row is there');

$out = `scripts/bench-json --smoke 2>&1`;
is($?, 0, 'bench-json --smoke exits 0') or diag $out;
my @json = $out =~ /^\S.*? {2,}[\d.]+ +\d+$/mg;
is(scalar(@json), 10, 'five JSON rows, with SIMD and without') or diag $out;

# three free ports in a row: the gateway, its mock, the paced mock
my $port = FreePort::free_ports(3);
$out = `BENCH_SMOKE=1 BENCH_PORT=$port BENCH_LATENCY_EVENTS=2 BENCH_LATENCY_REQUESTS=1 scripts/bench 1 1 1 2>&1`;
is($?, 0, 'bench (smoke) exits 0') or diag $out;
unlike($out, qr/skipped|non-2xx/, 'no row is skipped for an error answer')
    or diag $out;
my @rows = $out =~ /^(.+?) +smoke: plain (\d+), gateway 200$/mg;
is(scalar(@rows) / 2, 26, 'every row answered through the gateway')
    or diag $out;
is(scalar(grep { $_ eq '200' } @rows[grep { $_ % 2 } 0 .. $#rows]), 26,
   'and through plain proxy_pass') or diag $out;
like($out, qr/^openai -> openai +first event +-?\d+ +-?\d+ \|/m,
     'the stream latency is measured') or diag $out;
like($out, qr/^ +per event( +[-+]?\d+){2} \|( +[-+]?\d+){2} \|( +[-+]?\d+){2} +2$/m,
     'for every event the paced mock sent') or diag $out;

done_testing;
