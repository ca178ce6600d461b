# Budgets under concurrency: hundreds of requests at once against a key
# whose budget holds about ten reservations.  A request is admitted only
# if what is spent plus what is reserved in flight plus its own worst case
# stays within the budget, so the spend can never pass it (the mock's use
# is within every reservation), and every count is exact: the answers the
# clients got, the table's admitted and refused, the spend, nothing left
# reserved or in flight.  A concurrency limit is held the same way.
#
# The requests overlap: the mock answers after 3 s, and curl sends them
# all at once (--parallel).  The same race between worker processes is
# t/unit/test_limits_concurrency.c's.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwLimits;

no_shuffle();
worker_connections(2048);

our $N = 200;

# Sends $N requests at once with the key; the status of each.
sub burst {
    my ($secret, $model) = @_;
    my $url = "http://127.0.0.1:" . Test::Nginx::Util::server_port()
              . "/v1/chat/completions";
    my @codes = `curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max $N \\
        -H 'Authorization: Bearer $secret' \\
        -H 'Content-Type: application/json' \\
        -d '{"model":"$model","messages":[]}' \\
        -w '%{http_code}\\n' @{[ map { ('-o', '/dev/null', $url) } 1 .. $N ]}`;
    chomp @codes;
    return @codes;
}

sub tally {
    my %n;
    $n{$_}++ for @_;
    return \%n;
}

limits_blocks(<<'_EOC_', <<'_EOC2_');
    ai_gateway_provider slow type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/slow/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route m slow;
    ai_gateway_price m input=0 output=1000;
_EOC_
    location /v1/ { ai_gateway openai; }
_EOC2_

# the bursts are curl's own HTTP/1.1 requests, which a listener of the
# HTTP/2 mode (h2c) would not take
add_block_preprocessor(sub { $_[0]->set_value(no_http2 => 1) });

run_tests();

__DATA__

=== TEST 1: hundreds of requests at once against a budget of about ten reservations
--- init
# a reservation: 4096 output tokens at 1000 micro-USD; the mock's answer
# spends 3 of them
my $r = 4096 * 1000;
my $budget = int(10.5 * $r);
main::publish_keys(['sk-burst', 'k-burst', { budget_total => $budget }]);
# the snapshot is loaded by the first request that sees it moved
main::burst('sk-nobody', 'm');
my $n = main::tally(main::burst('sk-burst', 'm'));
my $e = main::limits_of('key', 'k-burst');
my $ok = $n->{200} || 0;
main::diag(join " ", map { "$_=$n->{$_}" } sort keys %$n);
main::is($ok + ($n->{429} || 0), $main::N, 'every request admitted or refused');
main::ok($ok >= 10, 'at least the ten reservations the budget holds');
main::is($e->{requests}, $ok, 'the table counted every admitted request');
main::is($e->{refused}, $n->{429}, 'and every refusal');
main::is($e->{spend_total}, $ok * 3000, 'the spend is exactly what they used');
main::ok($e->{spend_total} <= $budget, 'never past the budget');
main::is($e->{reserved_cost}, 0, 'nothing left reserved');
main::is($e->{concurrent}, 0, 'nothing left in flight');
--- request
GET /v1/models
--- error_code: 401



=== TEST 2: a concurrency limit: at most five in flight, the others refused at once, all counted
--- init
main::publish_keys(['sk-conc', 'k-conc', { concurrent => 5 }]);
main::burst('sk-nobody', 'm');
my $n = main::tally(main::burst('sk-conc', 'm'));
my $e = main::limits_of('key', 'k-conc');
my $ok = $n->{200} || 0;
main::diag(join " ", map { "$_=$n->{$_}" } sort keys %$n);
main::is($ok + ($n->{429} || 0), $main::N, 'every request admitted or refused');
main::ok($ok >= 5, 'five at least');
main::ok($ok < $main::N / 2, 'most refused while five are in flight');
main::is($e->{requests}, $ok, 'the table counted every admitted request');
main::is($e->{refused}, $n->{429}, 'and every refusal');
main::is($e->{concurrent}, 0, 'every slot given back');
--- request
GET /v1/models
--- error_code: 401



=== TEST 3: a client that leaves mid-request gives its slot and its reservation back
--- init
main::publish_keys(['sk-gone', 'k-gone', { concurrent => 1, budget_total => 5000000 }]);
main::burst('sk-nobody', 'm');
# the mock answers after 3 s; the client gives up after 1
system("curl -s -o /dev/null --max-time 1 -H 'Authorization: Bearer sk-gone' "
       . "-H 'Content-Type: application/json' -d '{\"model\":\"m\",\"messages\":[]}' "
       . "http://127.0.0.1:" . Test::Nginx::Util::server_port()
       . "/v1/chat/completions");
my $e;
for (1 .. 100) {
    $e = main::limits_of('key', 'k-gone');
    last if $e && $e->{concurrent} == 0;
    select undef, undef, undef, 0.1;
}
main::is($e && $e->{concurrent}, 0, 'the slot is free once nginx saw the client go');
main::is($e && $e->{reserved_cost}, 0, 'nothing left reserved');
main::is($e && $e->{requests}, 1, 'it was admitted');
--- more_headers
Authorization: Bearer sk-gone
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- error_code: 200
--- timeout: 10
