#!/usr/bin/perl
#
# /api/v1/logs at a size where a wrong plan shows: 25,000 events written
# straight into the database, then every filter (alone, in pairs, with a
# time range) paged to the end with next_cursor and compared with what
# SQL says the answer is: every matching row once, newest first by time
# (ties by seq), none other.  Times are not in seq order and come three
# to a millisecond, so the cursor must hold both.  A pair of filters that
# is rare among the rows of the first one makes a page stop early (the
# walk is bounded) and go on from there.  No timing is asserted: the plans
# are, with EXPLAIN QUERY PLAN (an index for every filter, no scan, no
# sort), and scripts/bench-logs measures the time.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

# the daemon alone, on a state file of its own: no nginx here
my $gw = AgwE2E->new;
my $db = $gw->{db};
my @daemon = ('--create-state', '--state-size', '1m', '--retention', '0');

sub sql {
    my ($q) = @_;
    my $out = `sqlite3 -cmd ".timeout 5000" "$db" "$q" 2>&1`;
    die "sqlite3: $out" if $? != 0;
    return $out;
}

sub logs { $gw->api(GET => "/api/v1/logs?$_[0]") }

# the schema as the daemon makes it, then the rows
$gw->start_daemon(@daemon);
$gw->stop_daemon;

my $n = 25000;
my $t0 = 1_700_000_000_000;
sql(<<"SQL");
BEGIN;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
INSERT INTO events (ring_id, seq, time_ms, request_id, key_id, key_name,
  dialect, model, route, provider, upstream_model, status, error_class,
  cache_status, stream, attempts, attempt_list, latency_ms, ttfb_ms,
  prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens,
  reasoning_tokens, cost_micro_usd, bytes_in, bytes_out, client_addr,
  req_body, resp_body, req_body_truncated, resp_body_truncated)
SELECT 1, i, $t0 + (i * 7 % $n) / 3 * 1000, 'r' || i,
  'k' || (i % 2), 'key-' || (i % 2), 'openai', 'm' || (i % 5), '',
  'p' || (i % 3), 'm' || (i % 5),
  CASE WHEN i % 1000 = 0 THEN 503 WHEN i % 7 = 0 THEN 429
       WHEN i % 11 = 0 THEN 499 ELSE 200 END,
  CASE WHEN i % 11 = 0 AND i % 7 <> 0 AND i % 1000 <> 0 THEN 'client_closed'
       WHEN i % 13 = 0 THEN 'stream_truncated' ELSE 'none' END, '', 0, 1, '[]', 10, 5, 1, 1, 0, 0, 0, 1, 10, 20, '127.0.0.1',
  NULL, NULL, 0, 0
FROM s;
COMMIT;
SQL
is(sql('SELECT count(*) FROM events') + 0, $n, "$n events stored");

$gw->start_daemon(@daemon);

# what errors_only means: the rollups' rule (a client that left, 499, is
# not an error; a 200 whose stream broke is)
my $err = "((status >= 400 OR status <= 0 OR error_class <> 'none')"
          . " AND status <> 499 AND error_class <> 'client_closed')";

my $mid = ($t0 / 1000) + 3000;
my @cases = (
    ['',                               '1'],
    ['key=k0',                         "key_id = 'k0'"],
    ['model=m3',                       "model = 'm3'"],
    ['provider=p1',                    "provider = 'p1'"],
    ['status=429',                     'status = 429'],
    ['errors_only=true',               $err],
    ["from=$mid&to=" . ($mid + 2000),
     'time_ms >= ' . $mid * 1000 . ' AND time_ms < ' . ($mid + 2000) * 1000],
    ["model=m3&from=$mid",             "model = 'm3' AND time_ms >= " . $mid * 1000],
    ['model=m0&provider=p0',           "model = 'm0' AND provider = 'p0'"],
    ['errors_only=1&provider=p2',      "provider = 'p2' AND $err"],
    # 25 rows among the 12,500 of k0, a page of 50: pages stop early and
    # go on
    ['key=k0&status=503',              "key_id = 'k0' AND status = 503", 50],
);

my $early = 0;

for my $c (@cases) {
    my ($q, $where, $size) = @$c;
    my @want = split /\n/, sql("SELECT id FROM events WHERE $where"
                               . ' ORDER BY time_ms DESC, id DESC');
    my $limit = $size // (@want > 2000 ? 500 : 7);
    my (@got, $cursor, $pages, $bad);
    for ($pages = 0; $pages < 10000; $pages++) {
        my $r = logs("limit=$limit" . ($q ? "&$q" : '')
                     . ($cursor ? "&cursor=$cursor" : ''));
        if ($r->{status} != 200) {
            $bad = $r->{content};
            last;
        }
        push @got, map { $_->{seq} } @{ $r->{json}{items} };
        $cursor = $r->{json}{next_cursor};
        $early++ if defined $cursor && @{ $r->{json}{items} } < $limit;
        last unless defined $cursor;
    }
    ok(!$bad, "'$q': every page answered") or diag($bad);
    is(scalar @got, scalar @want, "'$q': " . scalar(@want) . ' rows');
    is_deeply(\@got, \@want, "'$q': each once, newest first")
        if @got == @want;
}

ok($early > 0, 'a rare pair of filters: pages stop early, and go on');

# offset within its bound, and what is refused
my $all = logs('limit=20')->{json}{items};
my $off = logs('limit=5&offset=15')->{json}{items};
is_deeply([map { $_->{seq} } @$off], [map { $_->{seq} } @$all[15 .. 19]],
          'offset skips rows');
is(logs('offset=10001')->{status}, 400, 'offset past 10000 refused');
is(logs('cursor=12')->{status}, 400, 'a cursor not made by the API refused');
is(logs('cursor=1.2&offset=1')->{status}, 400, 'cursor and offset refused');

# the plans: each filter's query walks its index, no scan, no sort
my %plan = (
    ''                => [1, 'events_time'],
    "key_id = 'k0'"   => [1, 'events_key'],
    "model = 'm3'"    => [1, 'events_model'],
    "provider = 'p1'" => [1, 'events_provider'],
    'status = 429'    => [1, 'events_status'],
    $err              => [1, 'events_errors'],
);
for my $where (sort keys %plan) {
    my $p = sql('EXPLAIN QUERY PLAN SELECT id, time_ms FROM events'
                . ' WHERE time_ms >= 0 AND time_ms < 1800000000000'
                . ($where ? " AND $where" : '')
                . ' AND (time_ms, id) < (1700000005000, 99)'
                . ' ORDER BY time_ms DESC, id DESC');
    like($p, qr/USING (COVERING )?INDEX $plan{$where}[1]\b/,
         "'$where' uses $plan{$where}[1]");
    unlike($p, qr/\bSCAN\b|TEMP B-TREE/, "'$where': no scan, no sort")
        or diag($p);
}

$gw->stop_daemon;
unlike($gw->daemon_log, qr/Sanitizer|runtime error/, 'daemon log clean');

done_testing();
