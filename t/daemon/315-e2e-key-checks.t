#!/usr/bin/perl
#
# Keys made through the API, checked against what nginx loaded (the
# configuration it publishes beside the state file), and their usage
# attributed by key id, not by name:
#   - a key whose models name no route nginx has (and there is no "*"
#     route) could never be used for them: refused with 400, on create and
#     on update; a prefix ("gpt-4o-*") is fine when a route starts with it;
#     once nginx loads a "*" route, anything goes;
#   - a key may not take the name of a static key (ai_gateway_key), whose
#     events carry that name too: 409;
#   - a name reused by a new key after the old one was revoked (allowed)
#     does not bring the old key's history with it: usage by key (exact
#     and from the rollups) and the logs' key filter keep the two apart.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $static = 'sk-e2e-static-ops-0123456789';
my $routes = <<"_EOC_";
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_route gpt-4o-mini mock:gpt-4o-mini;
    @{[ AgwE2E::static_key('ops', $static) ]}
_EOC_
my $gw = AgwE2E->new(http => $routes);

$gw->start_nginx;
$gw->start_daemon;

sub create { $gw->api(POST => '/api/v1/keys', { @_ }) }

# --- models against the routes nginx loaded ------------------------------

my $r = create(name => 'a', models => ['gpt-5']);
is($r->{status}, 400, 'a model with no route: 400');
like($r->{json}{error}{message} // '', qr/models\[0\] "gpt-5" matches no route/,
     'the message names the entry');

$r = create(name => 'a', models => ['gpt-4o', 'claude-*']);
is($r->{status}, 400, 'a prefix no route starts with: 400');
like($r->{json}{error}{message} // '', qr/models\[1\] "claude-\*"/,
     'the message names the entry');

$r = create(name => 'a', models => ['gpt-4o', 'gpt-4o-*']);
is($r->{status}, 201, 'a model and a prefix that routes have: 201')
    or diag($r->{content});
my $a = $r->{json}{key}{id};

$r = $gw->api(PATCH => "/api/v1/keys/$a", { models => ['nope'] });
is($r->{status}, 400, 'update to a model with no route: 400');
is_deeply($gw->api(GET => "/api/v1/keys/$a")->{json}{models},
          ['gpt-4o', 'gpt-4o-*'], 'the key is unchanged');

$r = create(name => 'everything', models => []);
is($r->{status}, 201, 'no models (every model): 201');

# --- names of static keys -------------------------------------------------

$r = create(name => 'ops');
is($r->{status}, 409, "the name of a static key: 409");
like($r->{json}{error}{message} // '', qr/static key/, 'says why');
$r = $gw->api(PATCH => "/api/v1/keys/$a", { name => 'ops' });
is($r->{status}, 409, 'renaming to it: 409');
is($gw->api(GET => "/api/v1/keys/$a")->{json}{name}, 'a', 'name unchanged');

# --- usage by key id, with a reused name ------------------------------------

my $old = create(name => 'team')->{json};
is($gw->chat(key => $old->{secret})->{status}, 200, "old 'team' key works")
    for 1 .. 3;
is($gw->api(DELETE => "/api/v1/keys/$old->{key}{id}")->{status}, 200,
   'old key revoked');
my $new = create(name => 'team')->{json};
ok($new->{key}{id} && $new->{key}{id} ne $old->{key}{id},
   'a new key reuses the name');
is($gw->chat(key => $new->{secret})->{status}, 200, "new 'team' key works")
    for 1 .. 2;
is($gw->chat(key => $static)->{status}, 200, 'static key works');

is($gw->wait_rows("key_name IN ('team', 'ops')", 6), 6, 'six events stored');

sub by_key {
    my $u = $gw->api(GET => '/api/v1/usage?group_by=key')->{json};
    return ($u->{source}, { map { ($_->{key_id} // '') => $_ } @{ $u->{rows} } });
}

for my $pass (1, 2) {
    my ($source, $by) = by_key();
    is($source, $pass == 1 ? 'events' : 'rollups', "usage from the $source");
    is($by->{ $old->{key}{id} }{requests}, 3, "$source: the old key's 3");
    is($by->{ $new->{key}{id} }{requests}, 2, "$source: the new key's 2");
    is($by->{ $new->{key}{id} }{group}, 'team', "$source: shown by name");
    is($by->{ops}{requests}, 1, "$source: the static key's 1");
    is($by->{ops}{group}, 'ops', "$source: static key by name");

    last if $pass == 2;
    # every range past this count is summed from the rollups
    $gw->stop_daemon;
    local $ENV{AGW_ADMIN_USAGE_EXACT_MAX} = 1;
    $gw->start_daemon;
}

my $logs = $gw->api(GET => '/api/v1/logs?key=team')->{json}{items};
is(scalar @$logs, 2, "logs of key 'team': the live key's two");
ok(!(grep { $_->{key_id} ne $new->{key}{id} } @$logs), 'none of the old');
$logs = $gw->api(GET => "/api/v1/logs?key=$old->{key}{id}")->{json}{items};
is(scalar @$logs, 3, "logs of the old key's id: its three");
$logs = $gw->api(GET => '/api/v1/logs?key=ops')->{json}{items};
is(scalar @$logs, 1, 'logs of the static key by name');

# --- a "*" route takes any model ---------------------------------------------

$gw->{http} = $routes . "    ai_gateway_route * mock;\n";
$gw->reload_nginx;
ok(AgwE2E::wait_until(sub {
       $gw->api(GET => '/api/v1/config')->{content} =~ /"model":\s*"\*"/ }, 10),
   'nginx published the "*" route');
$r = create(name => 'b', models => ['gpt-5']);
is($r->{status}, 201, 'with a "*" route any model is accepted')
    or diag($r->{content});

$gw->check_logs;

done_testing();
