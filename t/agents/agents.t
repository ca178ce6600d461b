#!/usr/bin/perl
# Real coding agents against the gateway: Claude Code (npm
# @anthropic-ai/claude-code, `claude -p`, its default tool set) speaks the
# Anthropic dialect to a route backed by an OpenAI-type or a Gemini-type
# mock provider (t/agents/mock.js, nginx's njs).  Each mock answers the
# first turn with the agent's Read tool on files holding a random marker,
# and the turn that carries the tool results with "AGW-DONE <markers>": the
# agent finishes with exit 0 and that text only when the request, the tool
# call (arguments included) and the tool result all crossed the gateway
# whole.  With two files the calls are parallel, and the OpenAI mock
# interleaves their argument fragments.  Codex (npm @openai/codex, `codex
# exec`, a custom model provider with wire_api "responses") does the same
# through the Responses passthrough to an OpenAI-type mock, its shell tool
# printing both files, and through the engine's Responses translation to
# an Anthropic-type, a Gemini-type and a chat-only (api=chat) OpenAI-type
# mock, with one parallel shell call per file.
#
# Nothing leaves the machine: HOME is a fresh directory, auto-update,
# telemetry and other non-essential traffic are off, and the agent's base
# URL is the gateway on 127.0.0.1.  AGENTS_KEEP=1 leaves nginx running and
# prints its port and the agent's environment, to try things by hand.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../agw";
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use Test::More;
use AgwNginx qw(free_port main_conf start_nginx);

my $root = abs_path("$FindBin::Bin/../..");
my $dir = "$root/t/agents";
my $module = $ENV{TEST_NGINX_AGW_MODULE}
    || "$root/build/ngx_http_ai_gateway_module.so";
my $njs = '/usr/lib/nginx/modules/ngx_http_js_module.so';
# npm's links to the platform's native binaries
my $claude = "$dir/node_modules/.bin/claude";
my $codex = "$dir/node_modules/.bin/codex";

plan skip_all => "$module is not built (make module)" unless -f $module;
plan skip_all => "$njs is missing (libnginx-mod-http-js)" unless -f $njs;

# not installed is a broken setup, not a reason to skip
if (!-x $claude || !-x $codex) {
    plan tests => 1;
    fail("the agents are not installed in t/agents: run scripts/install-deps");
    exit;
}

my $home = tempdir('agw-agents-XXXXXX', TMPDIR => 1,
                   CLEANUP => !$ENV{AGENTS_KEEP});

# what keeps Claude Code on loopback and out of the tester's own settings
my %agent_env = (
    HOME                                     => "$home/home",
    XDG_CONFIG_HOME                          => "$home/home/.config",
    CLAUDE_CONFIG_DIR                        => "$home/home/.claude",
    DISABLE_AUTOUPDATER                      => 1,
    DISABLE_TELEMETRY                        => 1,
    DISABLE_ERROR_REPORTING                  => 1,
    DISABLE_BUG_COMMAND                      => 1,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC => 1,
    CLAUDE_CODE_DISABLE_TERMINAL_TITLE       => 1,
    CLAUDE_CODE_ENABLE_TELEMETRY             => 0,
    NO_PROXY                                 => '*',
    CI                                       => 1,
);
mkdir "$home/home";

# the binaries must run at all (a machine of another architecture, a libc
# they cannot use): only then is a skip right
for my $bin ($claude, $codex) {
    my $version = do {
        local %ENV = (%ENV, %agent_env, CODEX_HOME => "$home/home");
        `timeout 60 $bin --version 2>&1`;
    };
    plan skip_all => "$bin cannot run here: $version" if $? != 0;
    diag((split /\n/, $version)[-1]);
}

my $client_key = 'sk-client-agents';
my $client_sha;
chomp($client_sha = `printf %s '$client_key' | sha256sum | cut -d' ' -f1`);
$ENV{AGW_TEST_UPSTREAM_KEY} = 'sk-upstream-secret-agents';

# the files the agent reads, each with its own marker
my $work = "$home/work";
mkdir $work;
my @markers;
for my $name (qw(one two)) {
    my $m = 'agw-marker-' . join '', map { ('a' .. 'z', 0 .. 9)[rand 36] } 1 .. 12;
    push @markers, $m;
    open my $fh, '>', "$work/$name.txt" or die $!;
    print $fh "$m\n";
    close $fh;
}
my %files = (one => "$work/one.txt", parallel => "$work/one.txt,$work/two.txt");
my %want = (one => "AGW-DONE $markers[0]",
            parallel => 'AGW-DONE ' . join ' ', sort @markers);
# one call that reads both files
$files{both} = $files{parallel};
$want{both} = $want{parallel};

my $port = free_port();
my $mock_port = free_port();
my $prefix = "$home/nginx";
mkdir $prefix;

# ROUTE => provider type (and parameters), scenario, mock handler, agent;
# Codex on another provider than OpenAI's Responses API makes parallel
# shell calls, one per file
my %routes = (
    'agw-openai-one'      => ['openai', 'one', 'chat', 'claude'],
    'agw-openai-parallel' => ['openai', 'parallel', 'chat', 'claude'],
    'agw-gemini-one'      => ['gemini', 'one', 'gemini', 'claude'],
    'agw-gemini-parallel' => ['gemini', 'parallel', 'gemini', 'claude'],
    'agw-codex'           => ['openai', 'both', 'responses', 'codex'],
    'agw-codex-anthropic' => ['anthropic', 'parallel', 'anthropic', 'codex'],
    'agw-codex-gemini'    => ['gemini', 'parallel', 'gemini', 'codex'],
    'agw-codex-chat'      => ['openai api=chat', 'parallel', 'chat', 'codex'],
);

my ($mock, $gw) = ('', '');
for my $route (sort keys %routes) {
    my ($type, $sc, $handler) = @{ $routes{$route} };
    (my $name = $route) =~ s/-/_/g;
    my $base = $type eq 'gemini' ? "/$name/v1beta" : "/$name/v1";
    $mock .= "        location /$name/ {\n"
        . "            set \$agw_files '$files{$sc}';\n"
        . "            js_content mock.$handler;\n        }\n";
    $gw .= "    ai_gateway_provider $name type=$type"
        . " url=http://127.0.0.1:$mock_port$base"
        . " key_env=AGW_TEST_UPSTREAM_KEY fails=0;\n"
        . "    ai_gateway_route $route $name:mock-model;\n";
}

my $conf = main_conf($module, $njs)
    . "    js_import mock from $dir/mock.js;\n"
    . "    log_format agw_mock escape=json 'MOCK \$uri args=\"\$args\""
    . " auth=\"\$http_authorization\" goog=\"\$http_x_goog_api_key\""
    . " ant=\"\$http_anthropic_version\$http_anthropic_beta"
    . "\$http_anthropic_dangerous_direct_browser_access\""
    . " body=\$request_body';\n"
    . "    server {\n        listen 127.0.0.1:$mock_port;\n"
    . "        access_log logs/access.log agw_mock;\n"
    . "        client_body_buffer_size 8m;\n        client_max_body_size 8m;\n"
    . $mock . "    }\n"
    . $gw
    . "    ai_gateway_key agents sha256:$client_sha;\n"
    . "    server {\n        listen 127.0.0.1:$port;\n"
    . "        access_log logs/access.log;\n"
    . "        client_max_body_size 8m;\n"
    . "        location /v1/ { ai_gateway anthropic openai; }\n"
    . "        include $root/conf/ai_gateway_upstream.conf;\n    }\n}\n";

my $pid;

END {
    local $?;    # waitpid must not become the test's exit status
    if ($pid && !$ENV{AGENTS_KEEP}) {
        kill 'TERM', $pid;
        waitpid $pid, 0;
    }
}

$pid = start_nginx($prefix, $conf, $port, $mock_port);

%agent_env = (%agent_env,
    ANTHROPIC_BASE_URL => "http://127.0.0.1:$port",
    ANTHROPIC_API_KEY  => $client_key,
);

if ($ENV{AGENTS_KEEP}) {
    diag "nginx on 127.0.0.1:$port, prefix $prefix; in $work run:";
    diag join(' ', map { "$_=$agent_env{$_}" } sort keys %agent_env)
        . " $claude -p 'Read the files' --model agw-openai-one";
    $pid = 0;
    plan skip_all => 'AGENTS_KEEP';
}

# claude -p in $work with the route as its model (the small model too, so
# that its side requests take the same route); returns exit code and output
sub claude {
    my ($route) = @_;
    local %ENV = (%ENV, %agent_env,
                  ANTHROPIC_SMALL_FAST_MODEL => $route,
                  ANTHROPIC_DEFAULT_HAIKU_MODEL => $route);
    delete @ENV{qw(http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
                   ANTHROPIC_AUTH_TOKEN CLAUDE_CODE_USE_BEDROCK
                   CLAUDE_CODE_USE_VERTEX)};
    my $out = `cd $work && timeout 180 $claude -p 'Read the files one.txt and two.txt here, then say what they hold.' --model $route 2>&1 </dev/null`;
    return ($? >> 8, $out);
}

# codex exec in $work on the route, through a custom model provider: the
# gateway's Responses endpoint (a passthrough to OpenAI-type providers).
# Whatever would reach beyond loopback (plugins and apps from GitHub,
# model discovery, updates) is off.
sub codex {
    my ($route) = @_;
    my $codex_home = "$home/home/.codex";
    mkdir $codex_home;
    open my $fh, '>', "$codex_home/config.toml" or die $!;
    print $fh <<"_EOC_";
model = "$route"
model_provider = "agw"
model_reasoning_effort = "medium"
model_reasoning_summary = "auto"
check_for_update_on_startup = false

[analytics]
enabled = false

[features]
plugins = false
remote_plugin = false
plugin_sharing = false
apps = false
in_app_updates = false
skill_search = false
skill_mcp_dependency_install = false
api_key_model_discovery = false

[model_providers.agw]
name = "ai-gateway"
base_url = "http://127.0.0.1:$port/v1"
env_key = "AGW_CLIENT_KEY"
wire_api = "responses"
_EOC_
    close $fh;

    local %ENV = (%ENV, %agent_env, CODEX_HOME => $codex_home,
                  AGW_CLIENT_KEY => $client_key);
    delete @ENV{qw(http_proxy https_proxy HTTP_PROXY HTTPS_PROXY
                   OPENAI_API_KEY OPENAI_BASE_URL)};
    my $out = `cd $work && timeout 180 $codex exec --skip-git-repo-check --dangerously-bypass-approvals-and-sandbox 'Print the files one.txt and two.txt here, then say what they hold.' 2>&1 </dev/null`;
    return ($? >> 8, $out);
}

for my $route (sort keys %routes) {
    my ($type, $sc, $handler, $agent) = @{ $routes{$route} };
    my ($rc, $out) = $agent eq 'codex' ? codex($route) : claude($route);
    my $what = ($agent eq 'codex' ? 'codex exec' : 'claude -p') . " on $type"
        . ($handler eq 'responses' ? ' Responses' : '') . " ($sc)";

    is($rc, 0, "$what: exit 0") or diag $out;
    like($out, qr/\Q$want{$sc}\E/,
         "$what: the final text names what the tool read");

    (my $name = $route) =~ s/-/_/g;
    my @seen = grep { m{^MOCK /$name/} } `cat $prefix/logs/access.log`;
    ok(scalar(grep { /\Qagw-marker-\E/ } @seen),
       "$what: the tool result reached the provider");
}

my @mock = grep { /^MOCK / } `cat $prefix/logs/access.log`;
is(scalar(grep { /\Q$client_key\E/ } @mock), 0,
   'the client key never reached a provider');

# Anthropic's gateway protocol: Claude Code calls /v1/messages?beta=true
# with its anthropic-* headers; an OpenAI or Gemini provider gets neither
my @gw = grep { m{"POST /v1/messages} } `cat $prefix/logs/access.log`;
ok(scalar(grep { m{"POST /v1/messages\?beta=true } } @gw),
   'Claude Code called /v1/messages?beta=true');
my @other = grep { !m{^MOCK /agw_codex_anthropic/} } @mock;
is(scalar(grep { /ant="[^"]/ || /args="[^"]*beta/ } @other), 0,
   'no anthropic-* header and no beta query reached an OpenAI or Gemini provider');

# Codex's reasoning effort became thinking for its first turn (Anthropic
# wants the signed block back on the tool-result turn, which a Responses
# client cannot send: thinking is off there) and a thinkingConfig for Gemini
ok(scalar(grep { m{^MOCK /agw_codex_anthropic/} && /\\"thinking\\":\{\\"type\\":\\"enabled\\"/ } @mock),
   'Codex on Anthropic: its reasoning effort as thinking');
ok(scalar(grep { m{^MOCK /agw_codex_gemini/} && /\\"thinkingConfig\\":\{/ } @mock),
   'Codex on Gemini: its reasoning effort as a thinkingConfig');

# Codex's Responses requests, translated, went to each provider's chat API
for (['agw_codex_anthropic', '/v1/messages'],
     ['agw_codex_gemini', ':streamGenerateContent'],
     ['agw_codex_chat', '/v1/chat/completions'])
{
    my ($name, $path) = @$_;
    my @seen = grep { m{^MOCK /$name/} } @mock;
    ok(@seen && !grep({ !m{^MOCK /$name\S*\Q$path\E} } @seen),
       "Codex's requests went to $name as $path")
        or diag map { substr($_, 0, 120) . "\n" } @seen;
}

my $errors = `grep -E '\\[(alert|crit|emerg)\\]' $prefix/logs/error.log`;
is($errors, '', 'no alert, crit or emerg in the error log');

done_testing();
