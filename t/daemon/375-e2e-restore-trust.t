#!/usr/bin/perl
#
# A restore upload is untrusted until checked, and a restore never brings
# a revoked key back, with real nginx checking the keys:
#   - a backup carrying a trigger that un-revokes keys, a view, or an
#     extra table is refused (400): only the gateway's own schema;
#   - a backup whose key rows nginx could not use (a bad hash, models that
#     are not a list) is refused, and the live database stays as it was;
#   - restoring an honest backup taken before a key was revoked keeps the
#     key revoked (nginx refuses it), and the keys made since are gone;
#   - a backup from before the logs indexes existed is accepted and gets
#     them;
#   - a bad key row put into the live database by hand no longer stops
#     every later key change: revoking another key still works in nginx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;

AgwE2E::check_prerequisites();

my $gw = AgwE2E->new(http => <<"_EOC_");
    ai_gateway_provider mock type=openai url=MOCK/ok/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
_EOC_

$gw->start_nginx;
$gw->start_daemon;

my $dir = $gw->dir;
my $n = 0;

sub key {
    my $r = $gw->api(POST => '/api/v1/keys', { name => $_[0] });
    is($r->{status}, 201, "key $_[0] created") or diag($r->{content});
    return $r->{json};
}

sub works { $gw->chat(key => $_[0]{secret})->{status} }

sub backup {
    my $r = $gw->{http_client}->get("http://127.0.0.1:$gw->{api_port}/api/v1/backup",
        { headers => { Authorization => "Bearer $AgwE2E::TOKEN" } });
    die "backup: $r->{status}" unless $r->{status} == 200;
    my $path = "$dir/backup-" . ++$n . '.db';
    AgwE2E::spew($path, $r->{content});
    return $path;
}

sub tamper {
    my ($path, $sql) = @_;
    system('sqlite3', $path, $sql) == 0 or die "sqlite3 $sql";
    return $path;
}

sub restore {
    my ($path) = @_;
    my $r = $gw->{http_client}->post("http://127.0.0.1:$gw->{api_port}/api/v1/restore",
        { headers => { Authorization => "Bearer $AgwE2E::TOKEN",
                       'Content-Type' => 'application/vnd.sqlite3' },
          content => AgwE2E::slurp($path) });
    $r->{json} = eval { JSON::PP->new->decode($r->{content}) };
    return $r;
}

my $victim = key('victim');
is(works($victim), 200, 'victim key works in nginx');

# --- a schema that is not ours ----------------------------------------------

my %bad = (
    'a trigger that un-revokes keys' =>
        'CREATE TRIGGER keep AFTER UPDATE OF revoked_at ON api_keys BEGIN'
        . ' UPDATE api_keys SET revoked_at = 0, active = 1'
        . ' WHERE id = NEW.id; END;',
    'a view' => 'CREATE VIEW v AS SELECT 1;',
    'an extra table' => 'CREATE TABLE extra (x);',
    'an index of its own' => 'CREATE INDEX mine ON events (bytes_in);',
    'a table changed' =>
        'DROP TABLE drain_meta; CREATE TABLE drain_meta (k, v);',
    'a key with a bad hash' =>
        "UPDATE api_keys SET hash = 'not-a-hash' WHERE name = 'victim';",
    'a key whose models are not a list' =>
        "UPDATE api_keys SET models = '{\"a\":1}' WHERE name = 'victim';",
    'a key whose name is a blob' =>
        "UPDATE api_keys SET name = x'41' WHERE name = 'victim';",
    'a key whose name holds a newline' =>
        "UPDATE api_keys SET name = 'a' || char(10) || 'b'"
        . " WHERE name = 'victim';",
);

for my $what (sort keys %bad) {
    my $r = restore(tamper(backup(), $bad{$what}));
    is($r->{status}, 400, "$what: refused") or diag($r->{content});
}

is($gw->scalar_sql("SELECT count(*) FROM sqlite_master WHERE type IN"
                   . " ('trigger', 'view') OR name IN ('extra', 'mine')"), 0,
   'the live database has none of it');
ok(!(grep { /not-a-hash/ } $gw->scalar_sql('SELECT hash FROM api_keys')),
   'nor the bad hash');

my $r = $gw->api(DELETE => "/api/v1/keys/$victim->{key}{id}");
is($r->{status}, 200, 'revoking still works after the refused uploads');
is(works($victim), 401, 'and the revoked key is refused by nginx');

# --- an honest backup taken before a revocation --------------------------------

my $before_rev = key('before');
my $old = backup();
is($gw->api(DELETE => "/api/v1/keys/$before_rev->{key}{id}")->{status}, 200,
   'revoked after the backup');
is(works($before_rev), 401, 'refused by nginx');
my $since = key('since');

$r = restore($old);
is($r->{status}, 200, 'the backup is restored') or diag($r->{content});
cmp_ok($r->{json}{revocations_kept} // 0, '>=', 1, 'revocations carried over');
isnt($gw->api(GET => "/api/v1/keys/$before_rev->{key}{id}")->{json}{revoked_at},
     0, 'the key revoked since the backup is still revoked');
is(works($before_rev), 401, 'and nginx still refuses it');
is($gw->api(GET => "/api/v1/keys/$since->{key}{id}")->{status}, 404,
   'the key made since the backup is gone');
is(works($since), 401, 'and nginx refuses it');

# --- a backup from before the logs indexes -------------------------------------

$r = restore(tamper(backup(), 'DROP INDEX events_model; DROP INDEX events_errors;'));
is($r->{status}, 200, 'a backup without the newer indexes is accepted')
    or diag($r->{content});
is($gw->scalar_sql("SELECT count(*) FROM sqlite_master WHERE name IN"
                   . " ('events_model', 'events_errors')"), 2,
   'and gets them');

# --- a bad row in the live database -------------------------------------------

my $bad = key('bad-row');
my $other = key('other');
is(works($other), 200, 'another key works');
system('sqlite3', '-cmd', '.timeout 5000', $gw->{db},
       "UPDATE api_keys SET hash = 'xx' WHERE id = '$bad->{key}{id}'") == 0
    or die 'sqlite3';
$r = $gw->api(DELETE => "/api/v1/keys/$other->{key}{id}");
is($r->{status}, 200, 'with a bad row in the database, revoking still works')
    or diag($r->{content});
is(works($other), 401, 'nginx refuses the revoked key');
like($gw->daemon_log, qr/left out/, 'the bad row is logged, left out');

$gw->check_logs;

done_testing();
