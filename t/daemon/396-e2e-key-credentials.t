#!/usr/bin/perl
#
# A dynamic key's own provider credential, end to end: set through the
# admin API (write-only), sealed with AES-256-GCM in SQLite and in the
# keys snapshot, opened by nginx, and sent instead of the provider's key
# on that key's requests to that provider only.  The secret never shows
# in clear: not in nginx's error or access log, the daemon's log, the
# events, the database file (and its WAL), a backup, the snapshot, the
# state file, an API answer or an error body.  A key's whole policy goes
# through the API and the snapshot; bad values get clear 400s.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AgwE2E;
use JSON::PP;

AgwE2E::check_prerequisites();

my $own = 'sk-own-account-' . join('', map { ('a'..'z')[rand 26] } 1 .. 24);
my $up = $AgwE2E::UPSTREAM_KEY;
my $pport = AgwE2E::free_port();

# Two providers that each accept one key only: "own" the key's own
# secret, "plain" the gateway's provider key.  A 200 proves which key came.
my $ok = AgwE2E::ngx_quote(AgwE2E::fixture('openai-chat/response-text.json'));
my $no = AgwE2E::ngx_quote('{"error":{"message":"bad key","type":'
    . '"invalid_request_error","param":null,"code":"invalid_api_key"}}');

my $gw = AgwE2E->new(state => 'size=1m',
    access_log => '$remote_addr "$request" $status $ai_gateway_key_name '
                . '$ai_gateway_provider "$http_authorization"',
    http => <<"_EOC_");
    ai_gateway_provider own type=openai url=http://127.0.0.1:$pport/own/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_provider plain type=openai url=http://127.0.0.1:$pport/plain/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o own:gpt-4o;
    ai_gateway_route gpt-4o-mini plain:gpt-4o-mini;
    ai_gateway_cooldown fails=1000 time=1s;
    @{[ AgwE2E::static_key('ops', 'sk-e2e-static-0123456789') ]}

    server {
        listen 127.0.0.1:$pport;
        access_log off;
        default_type application/json;
        location /own/v1/chat/completions {
            if (\$http_authorization = "Bearer $own") { return 200 $ok; }
            return 401 $no;
        }
        location /plain/v1/chat/completions {
            if (\$http_authorization = "Bearer $up") { return 200 $ok; }
            return 401 $no;
        }
    }
_EOC_

$gw->start_nginx;
$gw->start_daemon;

my $dir = $gw->dir;
my $keyfile = "$dir/state.credentials.key";
ok(-f $keyfile, 'the daemon made its credentials key beside the state file');
is((stat $keyfile)[2] & 07777, 0600, 'mode 0600');

# nginx reads the credentials key at configuration: a reload now that
# the daemon made it, and the old workers (without it) gone
my $master = $gw->nginx_pid;
my @old = grep { /^\d+$/ } map { s/\s+//gr } `ps -o pid= --ppid $master`;
ok(@old, 'workers before the reload: ' . join ' ', @old);
$gw->reload_nginx;
ok(AgwE2E::wait_until(sub { !grep { kill 0, $_ } @old }, 10),
   'the old workers are gone');

my %all;        # every API answer, for the final grep
sub api { my $r = $gw->api(@_); $all{"$_[0] $_[1]"} .= $r->{content}; $r }

# --- the policy through the API ------------------------------------------

my $c = api(POST => '/api/v1/keys', {
    name => 'byok', models => ['gpt-4o', 'gpt-4o-mini'],
    limits => { requests_per_minute => 600, budget_day => 2.5,
                budget_total => 100 },
    max_output_tokens => 4096, max_output => 'refuse',
    budget_stream => 'finish', system_prompt => 'Answer in French.',
    default_model => 'gpt-4o-mini',
    credentials => [{ provider => 'own', secret => $own }] });
is($c->{status}, 201, 'key with a policy and a credential created')
    or diag($c->{content});
my ($secret, $id) = ($c->{json}{secret}, $c->{json}{key}{id});
my $k = $c->{json}{key};
is($k->{limits}{requests_per_minute}, 600, 'limit shown');
is($k->{limits}{budget_day}, 2.5, 'budget shown in USD');
is($k->{limits}{concurrent}, 0, 'limits not given are 0 (none)');
is($k->{max_output}, 'refuse', 'max_output');
is($k->{budget_stream}, 'finish', 'budget_stream');
is($k->{system_prompt}, 'Answer in French.', 'system_prompt');
is($k->{default_model}, 'gpt-4o-mini', 'default_model');
is_deeply($k->{credentials}, [{ provider => 'own' }],
          'credentials: the provider only');

my $plainkey = api(POST => '/api/v1/keys', { name => 'nobyok' });
my $other = $plainkey->{json}{secret};

# --- the credential reaches only this key's requests to "own" -------------

is($gw->chat(key => $secret, model => 'gpt-4o')->{status}, 200,
   'the key\'s request to "own" carries its own secret');
is($gw->chat(key => $secret, model => 'gpt-4o-mini')->{status}, 200,
   'its request to another provider carries that provider\'s key');
is($gw->chat(key => $other, model => 'gpt-4o-mini')->{status}, 200,
   'another key: the provider key');
isnt($gw->chat(key => $other, model => 'gpt-4o')->{status}, 200,
     'another key never gets the credential ("own" refuses the provider key)');
isnt($gw->chat(key => 'sk-e2e-static-0123456789', model => 'gpt-4o')->{status},
     200, 'nor does a static key');

# --- the snapshot and the database hold it sealed only ---------------------

my $snap = AgwE2E::slurp("$dir/state.keys.json");
like($snap, qr/"credentials":\[\{"provider":"own","sealed":"v1\.[0-9a-f]{16}\.[0-9a-f]+"\}\]/,
     'the snapshot carries the credential sealed');
like($snap, qr/"budget_day":2500000/, 'and the policy, budgets in micro-USD');
my $stored = $gw->rows("SELECT policy FROM api_key_policy WHERE key_id = '$id'");
like($stored->[0]{policy} // '', qr/"sealed":"v1\./, 'SQLite holds it sealed');

# --- updates: limits member by member, credentials by provider ------------

my $p = api(PATCH => "/api/v1/keys/$id", { limits => { concurrent => 3 } });
is($p->{status}, 200, 'PATCH a limit');
is($p->{json}{limits}{concurrent}, 3, 'changed');
is($p->{json}{limits}{requests_per_minute}, 600, 'the others kept');
is_deeply($p->{json}{credentials}, [{ provider => 'own' }], 'credential kept');
is($gw->chat(key => $secret, model => 'gpt-4o')->{status}, 200,
   'the credential still works after an unrelated change');

# restore of our own backup: the credential still opens
my $b = $gw->{http_client}->get("http://127.0.0.1:$gw->{api_port}/api/v1/backup",
    { headers => { Authorization => "Bearer $AgwE2E::TOKEN" } });
is($b->{status}, 200, 'backup');
my $backup = $b->{content};
my $rs = $gw->{http_client}->post("http://127.0.0.1:$gw->{api_port}/api/v1/restore",
    { headers => { Authorization => "Bearer $AgwE2E::TOKEN",
                   'Content-Type' => 'application/vnd.sqlite3' },
      content => $backup });
is($rs->{status}, 200, 'restored') or diag($rs->{content});
is(eval { JSON::PP->new->decode($rs->{content}) }->{credentials_sealed_elsewhere}, 0, 'its credentials are all sealed with this daemon\'s key');
$all{restore} = $rs->{content};
is($gw->chat(key => $secret, model => 'gpt-4o')->{status}, 200,
   'after a restore the credential still reaches "own"');

# --- clear 400s, and they never echo a secret -----------------------------

my %bad = (
    'unknown limit' => [{ limits => { rpm => 1 } }, qr/limits\.rpm/],
    'negative budget' => [{ limits => { budget_day => -1 } }, qr/budget_day.*USD/],
    'count not an integer' => [{ limits => { concurrent => 1.5 } }, qr/concurrent/],
    'limits not an object' => [{ limits => 5 }, qr/"limits" must be an object/],
    'max_output' => [{ max_output => 'cut' }, qr/clamp.*refuse/],
    'budget_stream' => [{ budget_stream => 'stop' }, qr/end.*finish/],
    'max_output_tokens' => [{ max_output_tokens => -1 }, qr/max_output_tokens/],
    'empty system prompt' => [{ system_prompt => '' }, qr/system_prompt/],
    'default model not allowed' => [{ default_model => 'claude-3' }, qr/default_model/],
    'models leaving out the default model' => [{ models => ['gpt-4o'] },
                                                qr/"default_model" "gpt-4o-mini" is not among/],
    'unknown provider' => [{ credentials => [{ provider => 'nope', secret => 'x' }] },
                           qr/no provider "nope"/],
    'secret with a space' => [{ credentials => [{ provider => 'own',
                                                  secret => "$own x" }] },
                              qr/space or a control/],
    'credential with another member' => [{ credentials => [{ provider => 'own',
                                         secret => $own, note => $own }] },
                                         qr/credentials\[0\] must be/],
    'provider twice' => [{ credentials => [{ provider => 'own', secret => 'a' },
                                           { provider => 'own', secret => 'b' }] },
                         qr/given twice/],
);
for my $name (sort keys %bad) {
    my ($body, $re) = @{ $bad{$name} };
    my $r = api(PATCH => "/api/v1/keys/$id", $body);
    is($r->{status}, 400, "400: $name");
    like($r->{json}{error}{message} // '', $re, "  names it: $name")
        or diag($r->{content});
}

# removed: the key falls back to the provider's key, which "own" refuses
$p = api(PATCH => "/api/v1/keys/$id",
         { credentials => [{ provider => 'own', secret => undef }] });
is($p->{status}, 200, 'credential removed (secret null)');
is_deeply($p->{json}{credentials}, [], 'none left');
isnt($gw->chat(key => $secret, model => 'gpt-4o')->{status}, 200,
     'its requests to "own" no longer carry it');
unlike(AgwE2E::slurp("$dir/state.keys.json"), qr/"sealed"/,
       'and the snapshot no longer holds it');

# --- never in clear anywhere ----------------------------------------------

$all{list} = api(GET => '/api/v1/keys')->{content};
$all{get} = api(GET => "/api/v1/keys/$id")->{content};
$all{logs} = api(GET => '/api/v1/logs?limit=200')->{content};
$gw->wait_rows("key_id = '$id'", 5, 10);

my %places = (
    'nginx error log' => $gw->error_log,
    'nginx access log' => $gw->access_log,
    'daemon log' => $gw->daemon_log,
    'events' => join("\n", map { join ' ', map { $_ // '' } %$_ }
                           @{ $gw->rows('SELECT * FROM events') }),
    'database file' => AgwE2E::slurp($gw->{db}),
    'database WAL' => AgwE2E::slurp("$gw->{db}-wal"),
    'backup' => $backup,
    'snapshot' => $snap,
    'state file' => AgwE2E::slurp($gw->{state_file}),
    'API answers and error bodies' => join("\n", values %all),
);
my $part = substr($own, 15, 12);        # any part of it, not the prefix
for my $where (sort keys %places) {
    unlike($places{$where}, qr/\Q$part\E/, "no part of the secret in the $where");
}
ok(length $places{'nginx access log'} > 0 && length $places{'database file'} > 0,
   'the logs and the database were there to look at');

$gw->check_logs;

# --- the key elsewhere (the packages keep it in /var/lib, off the tmpfs
# of the state file): ai_gateway_credentials_key and --credentials-key --

my $gw2;
my $mk = sub {
    my ($mode) = @_;
    $gw2 = AgwE2E->new(state => 'size=1m', http => <<"_EOC_");
    ai_gateway_provider own type=openai url=http://127.0.0.1:$pport/own/v1 key_env=AGW_E2E_UPSTREAM_KEY;
    ai_gateway_route gpt-4o own:gpt-4o;
    ai_gateway_credentials_key CREDKEY;
_EOC_
};
$mk->();
my $elsewhere = $gw2->dir . '/keep/credentials.key';
mkdir $gw2->dir . '/keep' or die;
$gw2->{http} =~ s/CREDKEY/$elsewhere/;

# a key file others may read is refused, naming the directive
AgwE2E::spew($elsewhere, ('ab' x 32) . "\n");
chmod 0644, $elsewhere;
$gw2->write_conf;
my ($okt, $out) = $gw2->nginx_cmd('-t');
ok(!$okt && $out =~ /ai_gateway_credentials_key: .*mode 0600/,
   'nginx -t refuses a credentials key others may read') or diag($out);
unlink $elsewhere;

# the daemon makes it there first, nginx reads it there
$gw2->start_daemon('--credentials-key', $elsewhere);
is((stat $elsewhere)[2] & 07777, 0600, 'the daemon made the key where told, 0600');
ok(!-e $gw2->{state_file} . '.credentials.key', 'and none beside the state file');
$gw2->start_nginx;
my $k2 = $gw2->api(POST => '/api/v1/keys', { name => 'byok2',
    credentials => [{ provider => 'own', secret => $own }] });
is($k2->{status}, 201, 'a key with a credential');
is($gw2->chat(key => $k2->{json}{secret}, model => 'gpt-4o')->{status}, 200,
   'its request carries the credential opened with the key from there');

# the first daemon's backup restored here: its credential was sealed with
# another key, which the answer and the log say (nginx disables that key)
my $rs2 = $gw2->{http_client}->post("http://127.0.0.1:$gw2->{api_port}/api/v1/restore",
    { headers => { Authorization => "Bearer $AgwE2E::TOKEN",
                   'Content-Type' => 'application/vnd.sqlite3' },
      content => $backup });
is($rs2->{status}, 200, 'another daemon\'s backup restores') or diag($rs2->{content});
is(eval { JSON::PP->new->decode($rs2->{content}) }->{credentials_sealed_elsewhere}, 1,
   'the answer counts the key whose credential was sealed elsewhere');
like($gw2->daemon_log, qr/1 keys have credentials sealed with another credentials key/,
     'and the log says so');
my $off = $gw2->chat(key => $secret, model => 'gpt-4o');
is($off->{status}, 401, 'nginx refuses that key itself (disabled)...');
like($off->{content}, qr/Incorrect API key provided/,
     '...rather than send its requests with the provider\'s key');
like($gw2->error_log, qr/its credential for provider "own" cannot be opened \(sealed under another credentials key/,
     'nginx\'s log names the key and why');

# no credentials key to be had: credentials refused (503), the rest works
$gw2->stop_daemon;
$gw2->start_daemon('--credentials-key', $gw2->dir . '/missing-dir/credentials.key');
like($gw2->daemon_log, qr/cannot create the credentials key .*missing-dir/,
     'the daemon says it has no credentials key');
my $nokey = $gw2->api(POST => '/api/v1/keys', { name => 'byok3',
    credentials => [{ provider => 'own', secret => $own }] });
is($nokey->{status}, 503, 'a credential cannot be stored: 503');
unlike($nokey->{content}, qr/\Q$part\E/, 'the answer does not echo it');
is($gw2->api(POST => '/api/v1/keys', { name => 'plain3' })->{status}, 201,
   'keys without credentials are still made');
$gw2->check_logs;

done_testing();
