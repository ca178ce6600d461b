#!/usr/bin/perl
#
# The admin daemon's management API, end to end: a real daemon on a temp
# state file and a temp database, spoken to over HTTP.  Covers auth (login,
# cookie flags, CSRF, token, failed-login limit), every endpoint's happy
# path and malformed input, keys (secret shown once, only its hash stored,
# snapshot file and generation on every change), backup and restore.

use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use JSON::PP;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use File::Spec;
use IO::Socket::INET;
use Cwd qw(abs_path);
use FindBin;
use POSIX ();

my $root = abs_path("$FindBin::Bin/../..");
my $bin = $ENV{AGW_ADMIN_BIN} // "$root/build/ai-gateway-admin";

plan skip_all => "$bin not built (make daemon)" unless -x $bin;
plan skip_all => 'sqlite3 command not installed'
    unless system('sqlite3 -version >/dev/null 2>&1') == 0;

my $dir = tempdir(CLEANUP => !$ENV{KEEP});
my $db = "$dir/gateway.db";
my $state = "$dir/state";
my $password = 'correct horse battery staple';
my $token = 'adm-' . ('0123456789abcdef' x 2);
my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10, max_redirect => 0);

my ($pid, $base, $log) = start_daemon();

# --- helpers -------------------------------------------------------------

sub start_daemon {
    my $log = "$dir/daemon.log";

    local $ENV{AGW_ADMIN_LISTEN} = '127.0.0.1:0';
    local $ENV{AGW_ADMIN_PASSWORD} = $password;
    local $ENV{AGW_ADMIN_TOKEN} = $token;
    local $ENV{AGW_ADMIN_LOGIN_MAX_FAILS} = 5;
    local $ENV{AGW_ADMIN_LOGIN_WINDOW} = 60;
    local $ENV{AGW_ADMIN_USAGE_EXACT_MAX} = 25;    # rollups past 25 events
    local $ENV{AGW_ADMIN_RESTORE_MAX} = 4 << 20;

    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', $log or die;
        open STDERR, '>>', $log or die;
        exec $bin, '--db', $db, '--state', $state, '--create-state';
        die "exec $bin: $!";
    }

    for (1 .. 100) {
        if (open my $fh, '<', $log) {
            local $/;
            my $text = <$fh>;
            if ($text =~ /API listening on (\S+)/) {
                return ($pid, "http://$1", $log);
            }
        }
        last if waitpid($pid, POSIX::WNOHANG()) == $pid;
        select undef, undef, undef, 0.1;
    }

    kill 'KILL', $pid;
    waitpid $pid, 0;
    BAIL_OUT("daemon did not start:\n" . slurp($log));
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<:raw', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub req {
    my ($method, $path, %o) = @_;
    my %h = %{ $o{headers} // {} };
    my %args = (headers => \%h);

    if (exists $o{json}) {
        $args{content} = ref $o{json} ? $json->encode($o{json}) : $o{json};
        $h{'Content-Type'} //= 'application/json';
    } elsif (exists $o{body}) {
        $args{content} = $o{body};
    }

    $h{Authorization} = "Bearer $token" if $o{token};
    if ($o{session}) {
        $h{Cookie} = "agw_session=$o{session}{cookie}";
        $h{'X-CSRF-Token'} //= $o{session}{csrf}
            if $method ne 'GET' && !$o{no_csrf};
    }

    my $r = $http->request($method, "$base$path", \%args);
    $r->{json} = eval { $json->decode($r->{content}) }
        if ($r->{headers}{'content-type'} // '') =~ m{application/json};
    return $r;
}

sub is_error {
    my ($r, $status, $code, $re, $name) = @_;
    is($r->{status}, $status, "$name: status $status")
        or diag($r->{content});
    is($r->{json}{error}{code}, $code, "$name: code $code");
    like($r->{json}{error}{message} // '', $re, "$name: message");
}

sub alive {
    my $r = req(GET => '/api/v1/health');
    ok($r->{status} == 200 && $r->{json}{ok}, "daemon still answers ($_[0])");
}

sub snapshot {
    return $json->decode(slurp("$state.keys.json"));
}

sub generation {
    return req(GET => '/api/v1/health')->{json}{keys_generation};
}

sub login {
    my $r = req(POST => '/api/v1/login',
                json => { username => 'admin', password => $password });
    my ($cookie) = ($r->{headers}{'set-cookie'} // '') =~ /agw_session=(\w+)/;
    return { cookie => $cookie, csrf => $r->{json}{csrf_token}, r => $r };
}

END {
    if ($pid) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

# --- health and headers ----------------------------------------------------

subtest 'health needs no auth and reports the ring' => sub {
    my $r = req(GET => '/api/v1/health');
    is($r->{status}, 200, 'health 200');
    ok($r->{json}{ok}, 'ok');
    ok($r->{json}{db}{ok}, 'db ok');
    cmp_ok($r->{json}{ring}{capacity}, '>', 0, 'ring capacity');
    ok(exists $r->{json}{ring}{fill} && exists $r->{json}{ring}{dropped},
       'fill and dropped');
    ok(exists $r->{json}{last_drain_at}, 'last drain time');

    for my $h (['content-security-policy', qr/script-src 'self'/],
               ['content-security-policy', qr/frame-ancestors 'none'/],
               ['x-frame-options', qr/^DENY$/],
               ['x-content-type-options', qr/^nosniff$/],
               ['referrer-policy', qr/^no-referrer$/])
    {
        like($r->{headers}{$h->[0]} // '', $h->[1], "$h->[0] header");
    }
    unlike($r->{headers}{'content-security-policy'} // '', qr/unsafe-inline/,
           'no inline script allowed');

    my $e = req(GET => '/api/v1/nope');
    is_error($e, 404, 'not_found', qr{/api/v1/nope}, 'unknown endpoint');
    like($e->{headers}{'x-frame-options'} // '', qr/DENY/,
         'errors carry the security headers too');

    $e = req(PUT => '/api/v1/keys', token => 1);
    is_error($e, 405, 'method_not_allowed', qr/PUT/, 'wrong method');
    like($e->{headers}{allow} // '', qr/GET.*POST/, 'Allow header');
};

# --- authentication --------------------------------------------------------

subtest 'everything but health needs a session or the token' => sub {
    for my $p (qw(/api/v1/session /api/v1/keys /api/v1/usage /api/v1/logs
                  /api/v1/logs/1 /api/v1/config /api/v1/backup
                  /api/v1/stream /api/v1/keys/k_x))
    {
        is_error(req(GET => $p), 401, 'unauthorized', qr/authentication/,
                 "GET $p");
    }
    is_error(req(POST => '/api/v1/keys', json => { name => 'x' }), 401,
             'unauthorized', qr/authentication/, 'POST keys');
    is_error(req(POST => '/api/v1/restore', body => 'x'), 401,
             'unauthorized', qr/authentication/, 'POST restore');
    is_error(req(GET => '/api/v1/keys',
                 headers => { Authorization => 'Bearer wrong-token-xxxxxxxx' }),
             401, 'unauthorized', qr/invalid admin token/, 'bad token');
    is_error(req(GET => '/api/v1/keys',
                 headers => { Cookie => 'agw_session=' . ('0' x 64) }),
             401, 'unauthorized', qr/session/, 'unknown session');

    my $r = req(GET => '/api/v1/session', token => 1);
    is($r->{status}, 200, 'token: session 200');
    is($r->{json}{auth}, 'token', 'token auth reported');
};

subtest 'login: bad and good, cookie flags, CSRF token' => sub {
    is_error(req(POST => '/api/v1/login',
                 json => { username => 'admin', password => 'nope' }),
             401, 'invalid_credentials', qr/wrong username or password/,
             'wrong password');
    is_error(req(POST => '/api/v1/login',
                 json => { username => 'root', password => $password }),
             401, 'invalid_credentials', qr/wrong/, 'wrong user');
    is_error(req(POST => '/api/v1/login', json => '{"username":"admin"'),
             400, 'bad_request', qr/not valid JSON/, 'bad JSON');
    is_error(req(POST => '/api/v1/login',
                 json => { username => 'admin', password => $password,
                           remember => JSON::PP::true }),
             400, 'bad_request', qr/unknown field "remember"/,
             'unknown field');
    is_error(req(POST => '/api/v1/login',
                 json => { username => 'admin', password => 1234 }),
             400, 'bad_request', qr/"password" must be a string/,
             'wrong type');
    is_error(req(POST => '/api/v1/login', json => { username => 'admin' }),
             400, 'bad_request', qr/missing field "password"/, 'missing');

    my $s = login();
    is($s->{r}{status}, 200, 'good login 200') or diag($s->{r}{content});
    my $c = $s->{r}{headers}{'set-cookie'} // '';
    like($c, qr/agw_session=\w{32,}/, 'session cookie set');
    like($c, qr/;\s*HttpOnly/i, 'HttpOnly');
    like($c, qr/;\s*SameSite=Strict/i, 'SameSite=Strict');
    like($c, qr/;\s*Path=\//, 'Path=/');
    like($c, qr/;\s*Max-Age=\d+/, 'expiry');
    like($s->{csrf} // '', qr/^[0-9a-f]{64}$/, 'CSRF token in the body');
    unlike(slurp($log), qr/\Q$password\E/, 'password never logged');

    my $r = req(GET => '/api/v1/session', session => $s);
    is($r->{status}, 200, 'session works');
    is($r->{json}{csrf_token}, $s->{csrf}, 'session returns the CSRF token');

    # state changes with the cookie need the CSRF token and a same Origin
    is_error(req(POST => '/api/v1/keys', session => $s, no_csrf => 1,
                 json => { name => 'csrf-test' }),
             403, 'csrf', qr/X-CSRF-Token/, 'cookie POST without CSRF token');
    is_error(req(POST => '/api/v1/keys', session => $s,
                 headers => { 'X-CSRF-Token' => 'f' x 64 },
                 json => { name => 'csrf-test' }),
             403, 'csrf', qr/X-CSRF-Token/, 'wrong CSRF token');
    is_error(req(POST => '/api/v1/keys', session => $s,
                 headers => { Origin => 'https://evil.example' },
                 json => { name => 'csrf-test' }),
             403, 'csrf', qr/Origin/, 'foreign Origin');
    my ($hostport) = $base =~ m{//(.*)};
    $r = req(POST => '/api/v1/keys', session => $s,
             headers => { Origin => "http://$hostport" },
             json => { name => 'csrf-test' });
    is($r->{status}, 201, 'cookie + CSRF token + own Origin: created')
        or diag($r->{content});

    # logout ends the session
    $r = req(POST => '/api/v1/logout', session => $s);
    is($r->{status}, 204, 'logout 204');
    like($r->{headers}{'set-cookie'} // '', qr/Max-Age=0/, 'cookie cleared');
    is(req(GET => '/api/v1/session', session => $s)->{status}, 401,
       'session gone after logout');
};

# --- keys ------------------------------------------------------------------

my ($key, $secret);

subtest 'create a key: secret once, only its hash stored, published' => sub {
    my $gen0 = generation();
    my $r = req(POST => '/api/v1/keys', token => 1,
                json => { name => 'team-a', models => ['gpt-4o', 'claude-*'],
                          expires_at => time + 3600 });
    is($r->{status}, 201, 'created') or diag($r->{content});
    $key = $r->{json}{key};
    $secret = $r->{json}{secret};
    like($secret, qr/^sk-agw-[A-Za-z0-9_-]{43}$/, 'secret returned');
    like($key->{id}, qr/^k_[0-9a-f]{16}$/, 'id');
    is($r->{headers}{location}, "/api/v1/keys/$key->{id}", 'Location');
    is_deeply($key->{models}, ['gpt-4o', 'claude-*'], 'models');
    ok($key->{active} && $key->{usable}, 'active and usable');
    is($key->{prefix}, substr($secret, 0, 11), 'prefix shows the start only');

    my $g = req(GET => "/api/v1/keys/$key->{id}", token => 1);
    is($g->{status}, 200, 'get by id');
    unlike($g->{content}, qr/\Q$secret\E/, 'secret not shown again');
    unlike(req(GET => '/api/v1/keys', token => 1)->{content},
           qr/\Q$secret\E/, 'nor in the list');

    my $disk = slurp($db) . slurp("$db-wal");
    unlike($disk, qr/\Q$secret\E/, 'secret absent from the database');
    like($disk, qr/${\ sha256_hex($secret)}/, 'its SHA-256 is there');

    my $snap = snapshot();
    unlike(slurp("$state.keys.json"), qr/\Q$secret\E/,
           'secret absent from the snapshot');
    my ($k) = grep { $_->{id} eq $key->{id} } @{ $snap->{keys} };
    ok($k, 'key in the snapshot');
    is($k->{hash}, sha256_hex($secret), 'snapshot has the hash');
    is_deeply($k->{models}, ['gpt-4o', 'claude-*'], 'snapshot models');
    ok($k->{active}, 'snapshot active');
    cmp_ok(generation(), '>', $gen0, 'generation bumped');
    is($snap->{generation}, generation(), 'snapshot generation = state');
    is((stat "$state.keys.json")[2] & 07777, 0644,
       'snapshot readable by unprivileged nginx workers');
    unlike(slurp($log), qr/\Q$secret\E/, 'secret never logged');
};

subtest 'key input is validated' => sub {
    my @bad = (
        ['{"name":', qr/not valid JSON/, 'bad JSON'],
        ['', qr/empty/, 'empty body'],
        ['[]', qr/JSON object/, 'array body'],
        ['{"name":"x","colour":"red"}', qr/unknown field "colour"/,
         'unknown field'],
        ['{"name":7}', qr/"name" must be a string/, 'name not a string'],
        ['{"name":"x","models":"gpt-4o"}', qr/"models" must be an array/,
         'models not an array'],
        ['{"name":"x","models":[1]}', qr/"models" must be an array of strings/,
         'model not a string'],
        ['{"name":"x","active":"yes"}', qr/"active" must be a boolean/,
         'active not a boolean'],
        ['{"name":"x","expires_at":1.5}', qr/"expires_at" must be an integer/,
         'expiry not an integer'],
        ['{"name":"x","expires_at":-1}', qr/expires_at/, 'negative expiry'],
        ['{"name":"x","expires_at":1}', qr/in the past/, 'expiry in the past'],
        ['{"models":[]}', qr/missing field "name"/, 'name missing'],
        ['{"name":""}', qr/empty/, 'empty name'],
        ['{"name":"' . ('n' x 64) . '"}', qr/longer than 63/, 'long name'],
        ['{"name":"a","name":"b"}', qr/not valid JSON.*duplicate/,
         'duplicate member'],
    );
    for my $b (@bad) {
        is_error(req(POST => '/api/v1/keys', token => 1, json => $b->[0]),
                 400, 'bad_request', $b->[1], $b->[2]);
    }
    is_error(req(POST => '/api/v1/keys', token => 1,
                 json => { name => 'team-a' }),
             409, 'conflict', qr/team-a/, 'duplicate name');

    my $huge = '{"name":"' . ('x' x 200_000) . '"}';
    is_error(req(POST => '/api/v1/keys', token => 1, json => $huge),
             413, 'too_large', qr/over the limit/, 'huge body');
    # no Content-Length: counted as it arrives
    my ($hostport) = $base =~ m{//(.*)};
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 5)
        or die "connect: $!";
    my $chunk = 'x' x 8192;
    print $sock "POST /api/v1/keys HTTP/1.1\r\nHost: $hostport\r\n"
                . "Authorization: Bearer $token\r\n"
                . "Transfer-Encoding: chunked\r\n\r\n"
                . ("2000\r\n$chunk\r\n" x 10) . "0\r\n\r\n";
    my $answer = '';
    while (my $line = <$sock>) { $answer .= $line; last if $answer =~ /\}\}/ }
    like($answer, qr{^HTTP/1\.1 413 .*"too_large"}s, 'huge chunked body: 413');
    alive('after malformed keys input');

    is_error(req(GET => '/api/v1/keys/k_doesnotexist', token => 1), 404,
             'not_found', qr/k_doesnotexist/, 'unknown id');
    is_error(req(GET => '/api/v1/keys?include_revoked=maybe', token => 1),
             400, 'bad_request', qr/true or false/, 'bad query value');
    is_error(req(GET => '/api/v1/keys?colour=1', token => 1), 400,
             'bad_request', qr/unknown query parameter "colour"/,
             'unknown query parameter');
};

subtest 'update and revoke reach the snapshot' => sub {
    my $gen = generation();
    my $r = req(PATCH => "/api/v1/keys/$key->{id}", token => 1,
                json => { models => ['gpt-4o-mini'], active => JSON::PP::false });
    is($r->{status}, 200, 'patched') or diag($r->{content});
    is_deeply($r->{json}{models}, ['gpt-4o-mini'], 'models changed');
    ok(!$r->{json}{active} && !$r->{json}{usable}, 'inactive');
    is($r->{json}{name}, 'team-a', 'name kept');
    my ($k) = grep { $_->{id} eq $key->{id} } @{ snapshot()->{keys} };
    ok($k && !$k->{active}, 'snapshot: inactive');
    is_deeply($k->{models}, ['gpt-4o-mini'], 'snapshot: models');
    cmp_ok(generation(), '>', $gen, 'generation bumped on update');

    is_error(req(PATCH => "/api/v1/keys/$key->{id}", token => 1, json => {}),
             400, 'bad_request', qr/nothing to update/, 'empty patch');
    is_error(req(PATCH => "/api/v1/keys/$key->{id}", token => 1,
                 json => { secret => 'x' }),
             400, 'bad_request', qr/unknown field "secret"/, 'unknown field');
    is_error(req(PATCH => "/api/v1/keys/$key->{id}", token => 1,
                 json => { active => 1 }),
             400, 'bad_request', qr/"active" must be a boolean/, 'wrong type');
    is_error(req(PATCH => '/api/v1/keys/k_nope', token => 1,
                 json => { active => JSON::PP::true }),
             404, 'not_found', qr/k_nope/, 'patch unknown key');

    $gen = generation();
    $r = req(DELETE => "/api/v1/keys/$key->{id}", token => 1);
    is($r->{status}, 200, 'revoked');
    cmp_ok($r->{json}{revoked_at}, '>', 0, 'revoked_at set');
    ok(!(grep { $_->{id} eq $key->{id} } @{ snapshot()->{keys} }),
       'revoked key left the snapshot');
    cmp_ok(generation(), '>', $gen, 'generation bumped on revoke');
    is(req(DELETE => "/api/v1/keys/$key->{id}", token => 1)->{status}, 200,
       'revoking twice is fine');
    is_error(req(PATCH => "/api/v1/keys/$key->{id}", token => 1,
                 json => { active => JSON::PP::true }),
             409, 'conflict', qr/revoked/, 'revoked key cannot come back');

    $r = req(POST => '/api/v1/keys', token => 1, json => { name => 'team-a' });
    is($r->{status}, 201, 'name reusable once revoked');

    my @names = map { $_->{name} }
                @{ req(GET => '/api/v1/keys?include_revoked=false',
                       token => 1)->{json}{keys} };
    ok(!(grep { $_ eq 'team-a' && 0 } @names), 'list without revoked');
    is(scalar(grep { $_ eq 'team-a' } @names), 1, 'one live team-a');
};

subtest 'concurrent key changes leave one consistent snapshot' => sub {
    my @kids;
    for my $c (1 .. 4) {
        my $pid = fork() // die "fork: $!";
        if ($pid == 0) {
            my $ok = 1;
            for my $i (1 .. 5) {
                my $r = req(POST => '/api/v1/keys', token => 1,
                            json => { name => "conc-$c-$i" });
                $ok &&= $r->{status} == 201;
                $ok &&= req(DELETE => "/api/v1/keys/$r->{json}{key}{id}",
                            token => 1)->{status} == 200 if $i % 2;
            }
            POSIX::_exit($ok ? 0 : 1);
        }
        push @kids, $pid;
    }
    my $fails = 0;
    for (@kids) { waitpid $_, 0; $fails++ if $? }
    is($fails, 0, 'every create and revoke succeeded');

    my %live = map { $_->{id} => 1 }
               grep { $_->{name} =~ /^conc-/ }
               @{ req(GET => '/api/v1/keys?include_revoked=false',
                      token => 1)->{json}{keys} };
    is(scalar keys %live, 8, 'eight left live');
    my $snap = snapshot();
    is_deeply([sort grep { $live{$_} } map { $_->{id} } @{ $snap->{keys} }],
              [sort keys %live], 'the snapshot has exactly those');
    is($snap->{generation}, generation(), 'and the last generation');
    opendir my $dh, $dir or die;
    is_deeply([grep { /\.tmp\./ } readdir $dh], [], 'no temp file left');
};

# --- usage, logs, config, stream --------------------------------------------

sub add_events {
    my @rows = @_;
    my $sql = "BEGIN;\n";
    for my $e (@rows) {
        # every NOT NULL column of the drain's table (db.c); id is the
        # API's "seq", set here so that expectations can name it
        my %e = (id => $e->{seq}, ring_id => 1, ttfb_ms => -1,
                 attempts => 1, attempt_list => '[]', stream => 0,
                 cached_tokens => 0, cache_write_tokens => 0,
                 reasoning_tokens => -1, bytes_in => 100, bytes_out => 200,
                 client_addr => '127.0.0.1', req_body_truncated => 0,
                 resp_body_truncated => 0,
                 request_id => "r$e->{seq}", key_id => 'k_1', route => '',
                 upstream_model => $e->{model}, dialect => 'openai',
                 cache_status => '', error_class => 'none', %$e);
        my @cols = sort keys %e;
        $sql .= sprintf "INSERT INTO events (%s) VALUES (%s);\n",
            join(',', @cols),
            join(',', map { $e{$_} =~ /^-?\d+$/ ? $e{$_} : "'$e{$_}'" } @cols);
    }
    $sql .= "COMMIT;\n";
    open my $p, '|-', 'sqlite3', '-bail', $db or die;
    print $p ".timeout 5000\n$sql";
    close $p or die "sqlite3 failed";
}

my $t0 = (int(time / 3600) - 2) * 3600;    # an hour boundary, in the past

subtest 'usage summaries' => sub {
    add_events(
        map {
            my $i = $_;
            { seq => 1000 + $i, time_ms => ($t0 + $i * 60) * 1000,
              latency_ms => $i * 10, status => $i % 5 ? 200 : 502,
              prompt_tokens => 10, completion_tokens => 5,
              cached_tokens => $i % 2, cost_micro_usd => 1500,
              key_name => $i % 2 ? 'alpha' : 'beta',
              key_id => $i % 2 ? 'alpha' : 'beta',
              model => $i < 10 ? 'gpt-4o' : 'claude',
              provider => $i < 10 ? 'openai' : 'anthropic' }
        } 1 .. 20);

    my $q = "from=$t0&to=" . ($t0 + 7200);
    my $r = req(GET => "/api/v1/usage?$q&group_by=model", token => 1);
    is($r->{status}, 200, 'by model') or diag($r->{content});
    my %by = map { $_->{group} => $_ } @{ $r->{json}{rows} };
    is($by{'gpt-4o'}{requests}, 9, 'gpt-4o requests');
    is($by{claude}{requests}, 11, 'claude requests');
    is($r->{json}{totals}{requests}, 20, 'total requests');
    is($r->{json}{totals}{errors}, 4, 'errors (502s)');
    is($r->{json}{totals}{prompt_tokens}, 200, 'prompt tokens');
    is($r->{json}{totals}{completion_tokens}, 100, 'completion tokens');
    is($r->{json}{totals}{cached_tokens}, 10, 'cached tokens');
    is($r->{json}{totals}{reasoning_tokens}, 0, 'unknown (-1) adds as 0');
    ok(abs($r->{json}{totals}{cost_usd} - 0.03) < 1e-9, 'cost in USD');
    is($r->{json}{totals}{latency_p50_ms}, 100, 'p50 latency');
    is($r->{json}{totals}{latency_p95_ms}, 190, 'p95 latency');
    is($r->{json}{source}, 'events', 'exact, from the events');

    $r = req(GET => "/api/v1/usage?$q&group_by=key", token => 1);
    %by = map { $_->{group} => $_ } @{ $r->{json}{rows} };
    is($by{alpha}{requests}, 10, 'by key');
    $r = req(GET => "/api/v1/usage?$q&group_by=provider", token => 1);
    %by = map { $_->{group} => $_ } @{ $r->{json}{rows} };
    is($by{anthropic}{requests}, 11, 'by provider');

    $r = req(GET => "/api/v1/usage?$q&group_by=time&bucket=minute",
             token => 1);
    is(scalar @{ $r->{json}{rows} }, 20, 'one minute bucket per event');
    is($r->{json}{rows}[0]{time}, $t0 + 60, 'buckets oldest first');
    $r = req(GET => "/api/v1/usage?$q&group_by=time&bucket=hour", token => 1);
    is($r->{json}{rows}[0]{requests}, 20, 'hour bucket');

    is_error(req(GET => "/api/v1/usage?group_by=colour", token => 1), 400,
             'bad_request', qr/group_by/, 'bad group_by');
    is_error(req(GET => "/api/v1/usage?from=10&to=5", token => 1), 400,
             'bad_request', qr/before/, 'from after to');
    is_error(req(GET => "/api/v1/usage?from=abc", token => 1), 400,
             'bad_request', qr/"from" must be an integer/, 'from not a number');
    is_error(req(GET => "/api/v1/usage?from=0&to=99999999&group_by=time"
                        . "&bucket=minute", token => 1),
             400, 'bad_request', qr/buckets/, 'too many buckets');
};

subtest 'request logs' => sub {
    my $r = req(GET => "/api/v1/logs?from=$t0&limit=5", token => 1);
    is($r->{status}, 200, 'logs') or diag($r->{content});
    is(scalar @{ $r->{json}{items} }, 5, 'a page of 5');
    is($r->{json}{items}[0]{seq}, 1020, 'newest first');
    ok(defined $r->{json}{next_cursor}, 'next cursor');

    my @seen;
    my $cursor;
    for (1 .. 10) {
        my $p = req(GET => "/api/v1/logs?from=$t0&limit=7"
                           . ($cursor ? "&cursor=$cursor" : ''), token => 1);
        push @seen, map { $_->{seq} } @{ $p->{json}{items} };
        $cursor = $p->{json}{next_cursor} // last;
    }
    is_deeply(\@seen, [reverse 1001 .. 1020], 'cursor paging sees all once');

    $r = req(GET => "/api/v1/logs?from=$t0&offset=18", token => 1);
    is_deeply([map { $_->{seq} } @{ $r->{json}{items} }], [1002, 1001],
              'offset paging');

    $r = req(GET => "/api/v1/logs?errors_only=true&model=claude", token => 1);
    is_deeply([map { $_->{seq} } @{ $r->{json}{items} }], [1020, 1015, 1010],
              'filters: errors_only + model');
    $r = req(GET => "/api/v1/logs?key=alpha&provider=openai&status=200",
             token => 1);
    is_deeply([map { $_->{seq} } @{ $r->{json}{items} }],
              [1009, 1007, 1003, 1001], 'filters: key + provider + status');

    $r = req(GET => '/api/v1/logs/1007', token => 1);
    is($r->{status}, 200, 'detail');
    is($r->{json}{model}, 'gpt-4o', 'detail model');
    is($r->{json}{latency_ms}, 70, 'detail latency');
    ok(exists $r->{json}{request_body}, 'detail has the body field');

    is_error(req(GET => '/api/v1/logs/999999', token => 1), 404,
             'not_found', qr/999999/, 'unknown seq');
    is_error(req(GET => '/api/v1/logs/abc', token => 1), 400,
             'bad_request', qr/sequence number/, 'seq not a number');
    is_error(req(GET => '/api/v1/logs?limit=100000', token => 1), 400,
             'bad_request', qr/"limit"/, 'limit too big');
    is_error(req(GET => '/api/v1/logs?cursor=5.5&offset=5', token => 1), 400,
             'bad_request', qr/not both/, 'cursor and offset');
};

subtest 'config as nginx published it, without secrets' => sub {
    my $r = req(GET => '/api/v1/config', token => 1);
    is($r->{status}, 200, 'config without a published file');
    ok(!$r->{json}{loaded}, 'loaded: false');
    is_deeply($r->{json}{providers}, [], 'no providers yet');

    open my $fh, '>', "$state.config.json" or die;
    print $fh $json->encode({
        providers => [{ name => 'openai', type => 'openai',
                        url => 'https://api.openai.com', weight => 1,
                        fails => 3, cooldown_ms => 30000,
                        api_key => 'sk-leak-me' }],
        routes => [{ model => 'gpt-4o',
                     steps => [{ provider => 'openai', model => 'gpt-4o',
                                 weight => 1 }] }],
        static_keys => [{ name => 'ops', models => [] }],
    });
    close $fh;

    $r = req(GET => '/api/v1/config', token => 1);
    ok($r->{json}{loaded}, 'loaded: true');
    is($r->{json}{providers}[0]{name}, 'openai', 'provider');
    is($r->{json}{providers}[0]{cooldown_ms}, 30000, 'provider settings');
    ok(exists $r->{json}{providers}[0]{health}{state}, 'health merged in');
    is($r->{json}{routes}[0]{steps}[0]{provider}, 'openai', 'routes');
    is($r->{json}{static_keys}[0]{name}, 'ops', 'static key names');
    unlike($r->{content}, qr/sk-leak-me/, 'secret-looking field dropped');
};

# The first two events of the live stream: (content type, [decoded data]).
sub stream_events {
    my ($buf, $type) = ('', '');
    HTTP::Tiny->new(timeout => 5)->request(GET => "$base/api/v1/stream",
        { headers => { Authorization => "Bearer $token" },
          data_callback => sub {
              $buf .= $_[0];
              $type = $_[1]{headers}{'content-type'};
              die "enough\n" if $buf =~ /\n\n.*\n\n/s;
          } });
    my @data = map { eval { $json->decode($_) } // {} }
               $buf =~ /^event: summary\ndata: (\{.*\})\n\n/mg;
    return ($type, \@data);
}

subtest 'live summary stream' => sub {
    my ($type, $ev) = stream_events();
    like($type, qr{^text/event-stream}, 'event stream');
    is(scalar @$ev, 2, 'a summary now, another a second later');
    is($ev->[0]{window_s}, 3600, 'last hour');
    ok(exists $ev->[0]{requests} && exists $ev->[0]{ring}{dropped},
       'totals + ring');
    is($ev->[0]{last_seq}, 1020, 'newest event seq');
    cmp_ok($ev->[1]{time}, '>', $ev->[0]{time}, 'paced by the second');
};

# --- backup and restore -----------------------------------------------------

subtest 'backup download and restore round trip' => sub {
    my $r = req(GET => '/api/v1/backup', token => 1);
    is($r->{status}, 200, 'backup 200');
    is($r->{headers}{'content-type'}, 'application/vnd.sqlite3', 'type');
    like($r->{headers}{'content-disposition'} // '', qr/attachment/,
         'attachment');
    is(substr($r->{content}, 0, 16), "SQLite format 3\0", 'a SQLite file');
    my $backup = $r->{content};

    open my $fh, '>:raw', "$dir/backup.db" or die;
    print $fh $backup;
    close $fh;
    is(`sqlite3 $dir/backup.db 'PRAGMA integrity_check'`, "ok\n",
       'backup passes integrity_check');
    like(`sqlite3 $dir/backup.db 'SELECT count(*) FROM events'`, qr/^20$/,
         'backup holds the events');

    my $k = req(POST => '/api/v1/keys', token => 1,
                json => { name => 'after-backup' });
    is($k->{status}, 201, 'a key created after the backup');
    ok((grep { $_->{name} eq 'after-backup' } @{ snapshot()->{keys} }),
       'in the snapshot');
    my $gen = generation();

    $r = req(POST => '/api/v1/restore', token => 1, body => $backup,
             headers => { 'Content-Type' => 'application/vnd.sqlite3' });
    is($r->{status}, 200, 'restored') or diag($r->{content});
    is($r->{json}{events}, 20, 'restored event count');
    ok(!(grep { $_->{name} eq 'after-backup' }
         @{ req(GET => '/api/v1/keys', token => 1)->{json}{keys} }),
       'key made after the backup is gone');
    ok(!(grep { $_->{name} eq 'after-backup' } @{ snapshot()->{keys} }),
       'and left the snapshot');
    cmp_ok(generation(), '>', $gen, 'generation bumped by restore');

    is_error(req(POST => '/api/v1/restore', token => 1, body => 'x' x 4096),
             400, 'bad_request', qr/not a SQLite database/, 'not SQLite');
    system('sqlite3', "$dir/other.db", 'CREATE TABLE t(a); INSERT INTO t VALUES(1);');
    is_error(req(POST => '/api/v1/restore', token => 1,
                 body => slurp("$dir/other.db")),
             400, 'bad_request', qr/not an ai-gateway database/,
             'SQLite, but not our schema');
    is_error(req(POST => '/api/v1/restore', token => 1,
                 body => substr($backup, 0, 100)),
             400, 'bad_request', qr/SQLite database/, 'truncated upload');
    # refused on its announced length, before a byte of it is stored: send
    # the headers only and read the answer
    my ($hostport) = $base =~ m{//(.*)};
    my $sock = IO::Socket::INET->new(PeerAddr => $hostport, Timeout => 5)
        or die "connect: $!";
    print $sock "POST /api/v1/restore HTTP/1.1\r\nHost: $hostport\r\n"
                . "Authorization: Bearer $token\r\n"
                . "Content-Length: " . (5 << 20) . "\r\n\r\n";
    my $answer = '';
    while (my $line = <$sock>) { $answer .= $line; last if $answer =~ /\}\}/ }
    like($answer, qr{^HTTP/1\.1 413 }, 'upload over the restore limit: 413');
    like($answer, qr/"too_large".*over the limit of 4194304/,
         'before the body is sent');
    alive('after bad restores');
    is(req(GET => '/api/v1/usage?from=' . $t0, token => 1)->{json}{totals}
       {requests}, 20, 'data intact after refused restores');
};

# --- events through the real ring --------------------------------------------

subtest 'events produced into the ring reach logs, usage and the stream' => sub {
    my $tool = "$root/build/agw-ringtool";
    plan skip_all => "$tool not built" unless -x $tool;

    my $recent = 'from=' . (time - 600);
    my $before = req(GET => "/api/v1/usage?$recent", token => 1)->{json};
    is($before->{totals}{requests}, 0, 'nothing in the last 10 minutes yet');
    is($before->{source}, 'events', 'few events: exact');
    my $out = `$tool produce $state 30 --keys 3 --tag ring 2>&1`;
    like($out, qr/produced=30 dropped=0/, 'produced 30 events') or diag $out;

    my $r;
    for (1 .. 50) {
        $r = req(GET => '/api/v1/logs?key=key-1&limit=100', token => 1);
        last if @{ $r->{json}{items} } == 10;
        select undef, undef, undef, 0.1;
    }
    is(scalar @{ $r->{json}{items} }, 10, 'drained: key-1 has its 10 events');
    like($r->{json}{items}[0]{request_id}, qr/^ring-\d+$/, 'request ids');
    is($r->{json}{items}[0]{provider}, 'openai', 'provider');

    my $u = req(GET => "/api/v1/usage?$recent&group_by=key", token => 1)
            ->{json};
    is($u->{source}, 'rollups', 'past the exact limit: rollups');
    is($u->{totals}{requests}, 30, 'usage counts them');
    is($u->{totals}{errors}, 1, 'and the 502');
    is($u->{totals}{latency_p50_ms}, 250, 'p50 as a histogram bound');
    my $tm = req(GET => "/api/v1/usage?$recent&group_by=time&bucket=minute",
                 token => 1)->{json};
    my $sum = 0;
    $sum += $_->{requests} for @{ $tm->{rows} };
    is($sum, 30, 'minute buckets from the rollups add up');
    ok(!(grep { $_->{time} % 60 } @{ $tm->{rows} }), 'aligned to minutes');
    my %by = map { $_->{group} => $_ } @{ $u->{rows} };
    is($by{'key-0'}{prompt_tokens}, 100, 'tokens per key');
    ok(abs($by{'key-2'}{cost_usd} - 70e-6) < 1e-12, 'cost per key');

    my (undef, $ev) = stream_events();
    is($ev->[0]{requests}, 30, 'stream: last hour from the rollups');
    is($ev->[0]{errors}, 1, 'stream: the one 502');
    is($ev->[0]{prompt_tokens}, 300, 'stream: tokens');
    is($ev->[0]{latency_p50_ms}, 250, 'stream: p50 as a histogram bound');

    my $h = req(GET => '/api/v1/health')->{json};
    is($h->{ring}{fill}, 0, 'ring drained');
    cmp_ok($h->{last_drain_at}, '>=', time - 5, 'last drain time is recent');
};

# --- failed-login limit (last: it locks this address out) -------------------

subtest 'failed logins are rate-limited' => sub {
    my @st = map {
        req(POST => '/api/v1/login',
            json => { username => 'admin', password => "guess$_" })->{status}
    } 1 .. 5;
    is_deeply(\@st, [(401) x 5], 'five failures');
    my $r = req(POST => '/api/v1/login',
                json => { username => 'admin', password => 'guess6' });
    is_error($r, 429, 'rate_limited', qr/too many failed logins/, 'sixth');
    like($r->{headers}{'retry-after'} // '', qr/^\d+$/, 'Retry-After');
    is(login()->{r}{status}, 429, 'even the right password waits');
    alive('after the lockout');
};

subtest 'clean shutdown' => sub {
    kill 'TERM', $pid;
    my $t = time;
    waitpid $pid, 0;
    my $status = $?;
    $pid = undef;
    is($status, 0, 'exit status 0 after SIGTERM');
    cmp_ok(time - $t, '<', 10, 'stops promptly');
    my $text = slurp($log);
    unlike($text, qr/AddressSanitizer|runtime error|LeakSanitizer/,
           'no sanitizer report');
    unlike($text, qr/\Q$password\E|\Q$token\E|\Q$secret\E/,
           'no secret in the log');
};

done_testing();
