#!/usr/bin/perl
#
# Dynamic keys end to end: real nginx with the gateway module, a mock
# upstream, and the admin daemon on the same state file.  A key created
# through the API works in nginx at once (no reload), a model allow-list
# holds, a revoked or expired key stops working, static keys from
# nginx.conf work beside them, and with the daemon stopped nginx keeps
# serving from the last snapshot.

use strict;
use warnings;

use Test::More;
use HTTP::Tiny;
use JSON::PP;
use Digest::SHA qw(sha256_hex);
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use FindBin;
use POSIX ();

my $root = abs_path("$FindBin::Bin/../..");
my $bin = $ENV{AGW_ADMIN_BIN} // "$root/build/ai-gateway-admin";
my $module = $ENV{TEST_NGINX_AGW_MODULE}
             // "$root/build/ngx_http_ai_gateway_module.so";
my $nginx = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';

plan skip_all => "$bin not built" unless -x $bin;
plan skip_all => "$module not built" unless -f $module;
plan skip_all => "no $nginx" unless -x $nginx;

my $dir = tempdir(CLEANUP => !$ENV{KEEP});
my $state = "$dir/state";
my $token = 'adm-' . ('fedcba9876543210' x 2);
my $static = 'sk-static-ops-0123456789';
my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10);

use lib "$FindBin::Bin/../lib";
use FreePort qw(free_port);

sub slurp {
    open my $fh, '<:raw', $_[0] or return '';
    local $/;
    return scalar <$fh>;
}

my ($gw_port, $up_port) = (free_port(), free_port());

mkdir "$dir/logs";
open my $conf, '>', "$dir/nginx.conf" or die;
print $conf <<"CONF";
load_module $module;
worker_processes 2;
error_log $dir/logs/error.log info;
pid $dir/logs/nginx.pid;
@{[ $> == 0 ? 'user root;' : '' ]}
env MOCK_KEY;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;

    ai_gateway_state $state size=1m;
    ai_gateway_provider mock type=openai url=http://127.0.0.1:$up_port key_env=MOCK_KEY;
    ai_gateway_route gpt-4o mock:gpt-4o;
    ai_gateway_route gpt-4o-mini mock:gpt-4o-mini;
    ai_gateway_key ops sha256:${\ sha256_hex($static)};

    server {
        listen 127.0.0.1:$up_port;
        location / {
            default_type application/json;
            return 200 '{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}';
        }
    }

    server {
        listen 127.0.0.1:$gw_port;
        location /v1/ {
            ai_gateway openai;
        }
        include $root/conf/ai_gateway_upstream.conf;
    }
}
CONF
close $conf;

{
    local $ENV{MOCK_KEY} = 'sk-upstream-mock';
    my $out = `$nginx -p $dir -c $dir/nginx.conf 2>&1`;
    plan skip_all => "nginx does not start with the module: $out"
        if $? != 0;
}

my $daemon = start_daemon();
my $base;

sub start_daemon {
    my $log = "$dir/daemon.log";
    unlink $log;

    local $ENV{AGW_ADMIN_LISTEN} = '127.0.0.1:0';
    local $ENV{AGW_ADMIN_TOKEN} = $token;

    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', $log or die;
        open STDERR, '>>', $log or die;
        exec $bin, '--db', "$dir/gateway.db", '--state', $state;
        die "exec: $!";
    }

    for (1 .. 100) {
        if (slurp($log) =~ /API listening on (\S+)/) {
            $base = "http://$1";
            return $pid;
        }
        select undef, undef, undef, 0.1;
    }

    kill 'KILL', $pid;
    waitpid $pid, 0;
    BAIL_OUT("daemon did not start:\n" . slurp($log));
}

sub stop_daemon {
    return unless $daemon;
    kill 'TERM', $daemon;
    waitpid $daemon, 0;
    $daemon = undef;
}

END {
    stop_daemon();
    if (-f "$dir/logs/nginx.pid") {
        my $pid = slurp("$dir/logs/nginx.pid");
        chomp $pid;
        kill 'QUIT', $pid if $pid;
        for (1 .. 50) {
            last unless kill 0, $pid;
            select undef, undef, undef, 0.1;
        }
    }
}

sub api {
    my ($method, $path, $body) = @_;
    my $r = $http->request($method, "$base$path", {
        headers => { Authorization => "Bearer $token",
                     'Content-Type' => 'application/json' },
        defined $body ? (content => $json->encode($body)) : () });
    $r->{json} = eval { $json->decode($r->{content}) };
    return $r;
}

# One chat completion through nginx; returns the status.
sub chat {
    my ($key, $model) = @_;
    my $r = $http->request(POST => "http://127.0.0.1:$gw_port/v1/chat/completions", {
        headers => { Authorization => "Bearer $key",
                     'Content-Type' => 'application/json' },
        content => $json->encode({ model => $model // 'gpt-4o',
                                   messages => [{ role => 'user',
                                                  content => 'hi' }] }) });
    return $r->{status};
}

# Many requests, so that every worker (not just the one that happened to
# reload) is seen to agree.
sub chat_all {
    my ($key, $model) = @_;
    my %st;
    $st{ chat($key, $model) }++ for 1 .. 8;
    return join ',', sort keys %st;
}

is(chat_all($static), '200', 'static key from nginx.conf works');
is(chat_all('sk-agw-unknown'), '401', 'unknown key refused');

my $c = api(POST => '/api/v1/keys', { name => 'dyn', models => ['gpt-4o'] });
is($c->{status}, 201, 'key created through the API')
    or diag($c->{content});
my $secret = $c->{json}{secret};
my $id = $c->{json}{key}{id};

is(chat_all($secret), '200', 'new key works in nginx at once, no reload');
is(chat_all($secret, 'gpt-4o-mini'), '403', 'its model allow-list holds');
is(chat_all($static), '200', 'static key still works beside it');

my $p = api(PATCH => "/api/v1/keys/$id", { active => JSON::PP::false });
is($p->{status}, 200, 'deactivated');
is(chat_all($secret), '401', 'inactive key refused at once');
api(PATCH => "/api/v1/keys/$id", { active => JSON::PP::true });
is(chat_all($secret), '200', 'reactivated');

my $d = api(DELETE => "/api/v1/keys/$id");
is($d->{status}, 200, 'revoked');
is(chat_all($secret), '401', 'revoked key refused at once');

my $e = api(POST => '/api/v1/keys', { name => 'short-lived',
                                      expires_at => time + 2 });
my $short = $e->{json}{secret};
is(chat_all($short), '200', 'key with an expiry works before it');
sleep 3;
is(chat_all($short), '401', 'and not after it, with no daemon action');

my $cfg = api(GET => '/api/v1/config');
is($cfg->{status}, 200, 'config as nginx published it');
ok($cfg->{json}{loaded}, 'published by the module');
my ($mock) = grep { $_->{name} eq 'mock' } @{ $cfg->{json}{providers} };
ok($mock, 'provider listed');
is($mock->{health}{state}, 'ok', 'with its live health from the state');
cmp_ok($mock->{health}{requests} // 0, '>', 0, 'and request count');
is_deeply([sort map { $_->{model} } @{ $cfg->{json}{routes} }],
          ['gpt-4o', 'gpt-4o-mini'], 'routes');
is_deeply([map { $_->{name} } @{ $cfg->{json}{static_keys} }], ['ops'],
          'static key names');
unlike($cfg->{content}, qr/sk-upstream-mock|\Q$static\E/,
       'no upstream or client secret in it');

my $k = api(POST => '/api/v1/keys', { name => 'survivor' });
my $survivor = $k->{json}{secret};
is(chat_all($survivor), '200', 'another key works');

stop_daemon();
is(chat_all($survivor), '200', 'daemon stopped: the last snapshot serves');
is(chat_all($static), '200', 'and static keys too');

unlike(slurp("$dir/daemon.log"), qr/Sanitizer|runtime error/,
       'daemon log has no sanitizer report');

my $log = slurp("$dir/logs/error.log");
unlike($log, qr/\Q$secret\E|\Q$survivor\E/, 'no client secret in the nginx log');
unlike($log, qr/\[(alert|emerg|crit)\]/, 'no alert in the nginx log');

done_testing();
