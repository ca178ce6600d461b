#!/usr/bin/perl
# The official SDKs (npm openai, @anthropic-ai/sdk, @google/genai) refused
# by a key's concurrency limit wait and retry, then get their answer:
# t/sdk/retry-limits.mjs holds one call of the key at its own mock
# provider, and checks the SDK's call is refused with the gateway's 429,
# retried no sooner than Retry-After, and answered.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../agw", "$FindBin::Bin/../lib";
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Test::More;
use AgwNginx qw(free_port main_conf start_nginx);
use AgwSdk qw(sdk_setup);

my $root = Cwd::abs_path("$FindBin::Bin/../..");
my $env = sdk_setup($root);
my ($sdk, $module, $echo) = @$env{qw(sdk module echo)};
my $client_key = $env->{client_key};
my $client_sha = $env->{client_sha};

my $port = free_port();
my $mock_port = free_port();
my $prefix = tempdir('agw-retry-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $mock = "http://127.0.0.1:$mock_port";

my $conf = main_conf($module, $echo)
    . "    ai_gateway_provider oai type=openai url=$mock/openai/v1"
    . " key_env=AGW_TEST_UPSTREAM_KEY fails=0;\n"
    . "    ai_gateway_provider ant type=anthropic url=$mock/anthropic/v1"
    . " key_env=AGW_TEST_UPSTREAM_KEY fails=0;\n"
    . "    ai_gateway_provider gem type=gemini url=$mock/gemini/v1beta"
    . " key_env=AGW_TEST_UPSTREAM_KEY fails=0;\n"
    . "    ai_gateway_route openai-slow oai:up-openai-model;\n"
    . "    ai_gateway_route anthropic-slow ant:up-anthropic-model;\n"
    . "    ai_gateway_route gemini-slow gem:up-gemini-model;\n"
    . "    ai_gateway_key sdk sha256:$client_sha concurrent=1;\n"
    . "    server {\n        listen 127.0.0.1:$port;\n"
    . "        location /v1/ { ai_gateway openai anthropic; }\n"
    . "        location /v1beta/ { ai_gateway gemini; }\n"
    . "        include $root/conf/ai_gateway_upstream.conf;\n    }\n}\n";

my $pid;

END {
    local $?;
    if ($pid) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

$pid = start_nginx($prefix, $conf, $port);

$ENV{AGW_GATEWAY} = "http://127.0.0.1:$port";
$ENV{AGW_CLIENT_KEY} = $client_key;
$ENV{AGW_MOCK_PORT} = $mock_port;

my @out = `cd $sdk && timeout 60 node retry-limits.mjs 2>&1`;
my $rc = $?;
my $n = 0;
for my $line (@out) {
    if ($line =~ /^(not )?ok - (.*)$/) {
        ok(!$1, $2);
        $n++;
    } else {
        diag $line;
    }
}
ok($rc == 0 && $n > 0, "retry-limits.mjs ran to the end ($n checks)");

# the gateway's side: four refusals by the concurrency limit, logged
my @refused = grep { /key "sdk" refused by its concurrent limit/ }
              `cat $prefix/logs/error.log`;
is(scalar @refused, 4, 'the gateway refused one call per SDK');

my $errors = `grep -E '\\[(alert|crit|emerg)\\]' $prefix/logs/error.log`;
is($errors, '', 'no alert, crit or emerg in the error log');

done_testing();
