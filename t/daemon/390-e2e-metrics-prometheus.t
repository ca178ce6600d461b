#!/usr/bin/perl
#
# A real Prometheus (Debian's prometheus package) scrapes the gateway's
# `ai_gateway_metrics` location while known requests go through two
# workers: several keys, models and client dialects, and a route whose
# first provider fails (a failover each time).  PromQL then finds exactly
# the requests, tokens and cost that were sent; `promtool check metrics`
# finds nothing to say about the page; the counters survive nginx -s
# reload; and every metric the Grafana dashboard (contrib/grafana/) uses is
# on the page, each of its queries answered by Prometheus.  The admin
# daemon is never started: the metrics need none.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use AgwE2E;

AgwE2E::check_prerequisites();

my $PROMETHEUS = $ENV{AGW_PROMETHEUS} // '/usr/bin/prometheus';
my $PROMTOOL = $ENV{AGW_PROMTOOL} // '/usr/bin/promtool';
plan skip_all => "no $PROMETHEUS (apt-get install prometheus)"
    unless -x $PROMETHEUS && -x $PROMTOOL;

my $JSON = JSON::PP->new->utf8;
my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);
my %key = (alice => 'sk-e2e-metrics-alice-0123456789',
           bob => 'sk-e2e-metrics-bob-0123456789');

my $gw = AgwE2E->new(workers => 2, no_request_id => 1,
                     access_log => 'COST $ai_gateway_cost',
                     locations => '        location = /metrics { ai_gateway_metrics; }',
                     http => <<"_EOC_");
    ai_gateway_price gpt-4o input=2.5 output=10 cache_read=1.25;
    ai_gateway_price gpt-4o-mini input=0.15 output=0.6;
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider broken type=openai url=MOCK/e500/v1 key_env=AGW_E2E_UPSTREAM_KEY fails=0;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_route mini mock:gpt-4o-mini;
    ai_gateway_route fallback broken:gpt-4o mock:gpt-4o;
    @{[ AgwE2E::static_key('alice', $key{alice}) ]}
    @{[ AgwE2E::static_key('bob', $key{bob}) ]}
_EOC_

$gw->start_nginx;
my $base = "http://127.0.0.1:$gw->{gw_port}";
ok(AgwE2E::wait_until(sub { $http->get("$base/metrics")->{status} == 200 }, 5),
   'nginx answers /metrics');

# Prometheus: its own configuration, data and port, scraping every second
my $dir = $gw->dir;
my $pport = AgwE2E::free_port();
AgwE2E::spew("$dir/prometheus.yml", <<"_EOC_");
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: ai-gateway
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:$gw->{gw_port}']
_EOC_

my $prom = fork // die "fork: $!";
if ($prom == 0) {
    open STDOUT, '>', "$dir/prometheus.log";
    open STDERR, '>&', \*STDOUT;
    exec $PROMETHEUS, "--config.file=$dir/prometheus.yml",
         "--storage.tsdb.path=$dir/prometheus-data",
         "--web.listen-address=127.0.0.1:$pport", '--log.level=warn'
        or POSIX::_exit(127);
}

END {
    if ($prom) {
        kill 'TERM', $prom;
        waitpid $prom, 0;
    }
}

ok(AgwE2E::wait_until(sub {
       ($http->get("http://127.0.0.1:$pport/-/ready")->{status} // 0) == 200
   }, 30), 'prometheus is ready')
    or BAIL_OUT('prometheus did not start: ' . AgwE2E::slurp("$dir/prometheus.log"));

# A PromQL query at the current time: { 'label=value,...' => value }, or
# undef when it failed (the error in $@).
sub query {
    my ($q) = @_;
    my $r = $http->get("http://127.0.0.1:$pport/api/v1/query?query="
                       . URI_escape($q));
    my $j = eval { $JSON->decode($r->{content}) };
    if (!$j || $j->{status} ne 'success') {
        $@ = $r->{content};
        return undef;
    }
    my %out;
    for my $s (@{ $j->{data}{result} }) {
        my $m = $s->{metric};
        $out{ join ',', map { "$_=$m->{$_}" } sort keys %$m } = $s->{value}[1];
    }
    return \%out;
}

sub URI_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-_.~])/sprintf '%%%02X', ord $1/ge;
    return $s;
}

# one number of a query without labels in its answer, or undef
sub value {
    my $r = query(@_);
    return $r && keys %$r == 1 ? (values %$r)[0] : undef;
}

ok(AgwE2E::wait_until(sub { (value('up{job="ai-gateway"}') // 0) == 1 }, 30),
   'prometheus scrapes the gateway');

# The requests: 8 in all, 4 for each key
my @sent = ([alice => 'gpt-4o'], [alice => 'gpt-4o'], [alice => 'gpt-4o'],
            [alice => 'gpt-4o', 'anthropic'], [bob => 'mini'], [bob => 'mini'],
            [bob => 'fallback'], [bob => 'fallback']);
my $answered = 0;
for my $s (@sent) {
    my ($k, $model, $anthropic) = @$s;
    my $r = $gw->chat(key => $key{$k}, model => $model,
                      $anthropic ? (anthropic => 1) : ());
    $answered++ if $r->{status} == 200;
}
is($answered, scalar @sent, 'every request answered 200');

# the cost the gateway logged for each, summed: what Prometheus must find
# (a worker logs a request just after its last byte: wait for all 8)
my @costs;
AgwE2E::wait_until(sub {
    @costs = AgwE2E::slurp("$dir/logs/access.log") =~ /^COST (\d+\.\d+)$/mg;
    @costs == @sent }, 10);
is(scalar @costs, scalar @sent, 'every request logged its cost');
my $cost = 0;
$cost += $_ for @costs;
ok($cost > 0, "the requests cost $cost USD");

ok(AgwE2E::wait_until(sub {
       (value('sum(ai_gateway_requests_total)') // 0) == @sent }, 30),
   'a scrape after the last request reached Prometheus')
    or diag(explain(query('ai_gateway_requests_total')));

is_deeply(query('sum by (key) (ai_gateway_requests_total)'),
          { 'key=alice' => 4, 'key=bob' => 4 }, 'requests by key');
is_deeply(query('sum by (model) (ai_gateway_requests_total)'),
          { 'model=gpt-4o' => 4, 'model=mini' => 2, 'model=fallback' => 2 },
          'requests by model (the route)');
is_deeply(query('sum by (dialect, endpoint) (ai_gateway_requests_total)'),
          { 'dialect=openai,endpoint=chat' => 7,
            'dialect=anthropic,endpoint=messages' => 1 },
          'requests by client dialect and endpoint');
is_deeply(query('sum by (provider, status) (ai_gateway_requests_total)'),
          { 'provider=mock,status=2xx' => 8 },
          'every request was served by the mock, 2xx');

# the mock's usage (AgwE2E::mock_usage): 1000 in (400 cached), 500 out
# (200 reasoning), on each request
my $u = AgwE2E::mock_usage();
is_deeply(query('sum by (type) (ai_gateway_tokens_total)'),
          { 'type=input' => 8 * $u->{prompt_tokens},
            'type=output' => 8 * $u->{completion_tokens},
            'type=cached' => 8 * $u->{prompt_tokens_details}{cached_tokens},
            'type=cache_write' => 0,
            'type=reasoning'
                => 8 * $u->{completion_tokens_details}{reasoning_tokens} },
          'tokens by type');
my $got = value('sum(ai_gateway_cost_usd_total)');
ok(defined $got && abs($got - $cost) < 1e-9,
   "the cost is the one logged ($got, $cost)");
$got = value('sum(ai_gateway_cost_usd_total{key="bob",model="mini"})');
ok(defined $got && abs($got - 2 * (1000 * 0.15 + 500 * 0.6) / 1e6) < 1e-9,
   "bob's mini requests: cached input at the input price ($got)");

is(value('sum(ai_gateway_tries_total)'), 10, 'tries: one more per failover');
is(value('sum(ai_gateway_failovers_total{model="fallback"})'), 2,
   'failovers of the fallback route');
is(value('ai_gateway_provider_failures_total{provider="broken"}'), 2,
   "the broken provider's failures");
is(value('sum(ai_gateway_request_duration_seconds_count)'), 8,
   'every request in the duration histogram');
is(value('sum(ai_gateway_time_to_first_byte_seconds_count)'), 8,
   'and in the time-to-first-byte one');
is(value('sum(ai_gateway_metrics_folded_total)'), 0, 'nothing folded');

# promtool's linter on the page as served
my $page = $http->get("$base/metrics")->{content};
AgwE2E::spew("$dir/metrics.txt", $page);
my $lint = `"$PROMTOOL" check metrics < "$dir/metrics.txt" 2>&1`;
is($? >> 8, 0, 'promtool check metrics passes');
is($lint, '', 'and has nothing to say') or diag($page);

# The Grafana dashboard: every metric its expressions name is on the page,
# and Prometheus answers every expression (variables set to match all)
my $dash = $JSON->decode(AgwE2E::slurp("$AgwE2E::ROOT/contrib/grafana/ai-gateway.json"));
my @exprs = map { $_->{expr} } map { @{ $_->{targets} // [] } }
            @{ $dash->{panels} };
push @exprs, map { ref $_->{query} ? $_->{query}{query} : () }
    @{ $dash->{templating}{list} };
ok(@exprs > 10, scalar(@exprs) . ' expressions in the dashboard');

my %on_page = map { $_ => 1 } $page =~ /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/mg;
my (%used, @missing);
for my $e (@exprs) {
    for my $name (metric_names($e)) {
        $used{$name} = 1;
        push @missing, $name unless $on_page{$name};
    }
}
is_deeply(\@missing, [], 'every metric the dashboard uses is on the page');
ok(keys %used >= 12, 'the dashboard uses ' . keys(%used) . ' metrics');

# rates need two samples in their window: wait for a few more scrapes
my $scrapes = value('count_over_time(up{job="ai-gateway"}[1m])') // 0;
AgwE2E::wait_until(sub {
    (value('count_over_time(up{job="ai-gateway"}[1m])') // 0) >= $scrapes + 3
}, 30);
for my $e (@exprs) {
    next if $e =~ /^label_values\(/;    # Grafana's, not PromQL
    (my $q = $e) =~ s/\$__rate_interval/1m/g;
    $q =~ s/\$__range/1h/g;
    $q =~ s/=~"\$\w+"/=~".*"/g;
    my $r = query($q);
    # no request failed: the error panels have no series, and must parse
    ok($r && ($e =~ /4xx\|5xx/ || keys %$r), "Prometheus answers: $e")
        or diag($@);
}

# nginx -s reload: new workers, and the counters where they were
sub workers {
    my $master = $gw->{nginx_pid};
    return sort grep {
        AgwE2E::slurp("/proc/$_/stat") =~ /^\d+ \(nginx\) [^Z] $master /
    } map { m{/proc/(\d+)$} ? $1 : () } glob '/proc/[0-9]*';
}

my @before = workers();
$gw->reload_nginx;
my @after;
ok(AgwE2E::wait_until(sub {
       @after = workers();
       @after && !grep({ my $w = $_; grep { $_ == $w } @after } @before)
   }, 10), "new workers (@after) replaced the old ones (@before)");

sub page_sum {
    my ($name) = @_;
    my $sum = 0;
    $sum += $_ for $http->get("$base/metrics")->{content}
        =~ /^\Q$name\E\{[^}]*\} (\S+)$/mg;
    return $sum;
}

is(page_sum('ai_gateway_requests_total'), 8, 'the new workers serve the counts of the old');

my $r = $gw->chat(key => $key{alice}, model => 'gpt-4o');
is($r->{status}, 200, 'a request after the reload');
ok(AgwE2E::wait_until(sub {
       (value('sum(ai_gateway_requests_total)') // 0) == 9 }, 30),
   'Prometheus sees it added to the counts from before the reload');
is(value('sum(resets(ai_gateway_requests_total[5m]))'), 0,
   'no counter reset in Prometheus');

$gw->check_logs;
unlike(AgwE2E::slurp("$dir/prometheus.log"), qr/level=error/,
       'prometheus logged no error');

done_testing();


# Metric names in a PromQL expression: what is left once strings, label
# matchers, ranges, by/without lists, function calls and keywords are out.
sub metric_names {
    my ($e) = @_;
    $e =~ s/\blabel_values\(\s*([^,)]+).*\)/$1/;    # Grafana's variables
    $e =~ s/"(?:[^"\\]|\\.)*"//g;
    $e =~ s/\{[^}]*\}//g;
    $e =~ s/\[[^\]]*\]//g;
    $e =~ s/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)//g;
    $e =~ s/\b[a-zA-Z_]\w*\s*\(/(/g;
    my %kw = map { $_ => 1 } qw(and or unless bool offset);
    return grep { !$kw{$_} } $e =~ /\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b/g;
}
