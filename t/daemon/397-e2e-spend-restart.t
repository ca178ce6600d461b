#!/usr/bin/perl
#
# Spend after a restart: a key's budget is counted in the state file, so
# a daemon restart keeps it; when the state file is recreated (removed,
# /dev/shm emptied) the daemon seeds each key's spend of the day, month
# and in total from SQLite, so that a spent budget stays spent.  The
# dashboard's figures (the key's live use, GET /api/v1/limits) say the
# same before and after.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

# 1 USD per million tokens of every kind: each mock answer (1000 prompt,
# 500 completion tokens) costs 1500 micro-USD.
my $gw = AgwE2E->new(state => 'size=1m', http => <<'_EOC_');
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_price gpt-4o input=1 output=1 cache_read=1 reasoning=1;
_EOC_

$gw->start_nginx;
$gw->start_daemon;

my $c = $gw->api(POST => '/api/v1/keys', { name => 'budgeted',
                                           limits => { budget_total => 0.006 } });
is($c->{status}, 201, 'key with a total budget of 0.006 USD') or diag($c->{content});
my ($secret, $id) = ($c->{json}{secret}, $c->{json}{key}{id});
is($c->{json}{key}{live}, undef, 'no live use before its first request');

# requests until the budget refuses one (each reserves its worst case)
my ($admitted, $status) = (0, 0);
for (1 .. 20) {
    $status = $gw->chat(key => $secret)->{status};
    last if $status != 200;
    $admitted++;
}
is($status, 429, "refused once the budget is spent ($admitted admitted)");
ok($admitted >= 1, 'at least one request was admitted first');

sub live { $gw->api(GET => "/api/v1/keys/$id")->{json}{live} }
sub spend_total { my $l = live(); $l ? int($l->{usage}{spend_total} * 1e6 + 0.5) : -1 }

my $spent = spend_total();
ok($spent > 1000 * $admitted, "the key's live spend: $spent micro-USD");
my $l = live();
is(int($l->{remaining}{budget_total} * 1e6 + 0.5), 6000 - $spent,
   'remaining budget = budget - spend');
ok($l->{usage}{refused_total} >= 1, 'the refusal is counted');
my ($entry) = grep { $_->{kind} eq 'key' && $_->{id} eq $id }
    @{ $gw->api(GET => '/api/v1/limits')->{json}{entries} };
ok($entry && !$entry->{static} && $entry->{name} eq 'budgeted',
   'GET /api/v1/limits lists the key');
is($gw->wait_rows("key_id = '$id' AND status = 200", $admitted, 10), $admitted,
   'its requests are stored');
$gw->wait_rows("key_id = '$id'", $admitted + 1, 10);

# --- a daemon restart: the table is in the state file --------------------
$gw->stop_daemon;
$gw->start_daemon;
is(spend_total(), $spent, 'daemon restarted: the spend is still there');
is($gw->chat(key => $secret)->{status}, 429, 'and the key still refused');
unlike($gw->daemon_log, qr/seeded the spend/, 'nothing seeded into a known file');

# --- the state file recreated: seeded from SQLite ------------------------
$gw->stop_daemon;
$gw->stop_nginx;
unlink $gw->{state_file} or die "unlink: $!";
$gw->start_nginx;
ok(-s $gw->{state_file}, 'nginx made a new state file');
$gw->start_daemon;
like($gw->daemon_log, qr/seeded the spend of 1 keys/, 'the daemon seeded it');
# what SQLite knows the key spent, every request of it before the new file
# (-1: an unknown cost, e.g. a refused request's: nothing spent)
my $stored = $gw->scalar_sql("SELECT sum(max(cost_micro_usd, 0)) FROM events WHERE key_id = '$id'");
ok($gw->scalar_sql("SELECT count(*) FROM events WHERE key_id = '$id' AND cost_micro_usd < 0") > 0,
   'the refused requests are stored with an unknown cost (-1)');
is($stored, $spent, "SQLite holds what the counters had: $stored micro-USD");
is(spend_total(), $spent, 'that spend is back in the new table');
is($gw->chat(key => $secret)->{status}, 429,
   'the spent budget still refuses the key');

# a second daemon start on that file seeds nothing more
$gw->stop_daemon;
$gw->start_daemon;
is(spend_total(), $spent, 'restarted again: not seeded twice');

$gw->check_logs;
done_testing();
