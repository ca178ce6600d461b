#!/usr/bin/perl
# The official SDKs (npm openai, @anthropic-ai/sdk, @google/genai) against
# the gateway: one nginx with the module and the fixture-replaying mock
# providers of t/agw/AgwFixtures.pm, then each t/sdk/*.mjs client script
# against each provider type (openai, azure, anthropic, gemini;
# responses-sdk.mjs, the SDK's client.responses: openai, anthropic, gemini
# and chat, an OpenAI-type provider declared api=chat).  The scripts print "ok - ..." / "not ok - ..." lines; each becomes a test here.
#
# Every scenario is a model name TYPE-SCENARIO routed to a provider of that
# type whose URL replays one capture (see %scenarios).  SDK_KEEP=1 leaves
# nginx running and prints its port, to try things by hand.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../agw", "$FindBin::Bin/../lib";
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use POSIX ();
use Test::More;
use AgwNginx qw(free_port main_conf start_nginx);

my $root;

# before AgwFixtures (and the AgwTest it loads) default them from the cwd
BEGIN {
    $root = Cwd::abs_path("$FindBin::Bin/../..");
    $ENV{TEST_NGINX_AGW_MODULE} ||= "$root/build/ngx_http_ai_gateway_module.so";
}

use AgwFixtures qw(fixture_mock cut_reply);
use AgwTest qw(free_port);
use AgwSdk qw(sdk_setup);

# the client key the SDKs send, and the provider key the mock must receive
my $env = sdk_setup($root);
my ($sdk, $module, $echo) = @$env{qw(sdk module echo)};
my $client_key = $env->{client_key};
my $client_sha = $env->{client_sha};

# SCENARIO => [status, capture] for each provider dialect
my %oai = (
    text           => [200, 'openai-chat/response-text.json'],
    stream         => [200, 'openai-chat/stream-include-usage.chunks.sse'],
    tools          => [200, 'openai-chat/response-parallel-tool-calls.json'],
    'tools-stream' => [200, 'openai-chat/stream-tool-calls.sse'],
    e429           => [429, 'openai-chat/error-429-rate-limit.json'],
    e400           => [400, 'openai-chat/error-400-unsupported-parameter.json'],
    after          => [200, 'openai-chat/response-text.json'],
);
my %scenarios = (
    openai => \%oai,
    azure  => { %oai,
        stream => [200, 'openai-chat/stream-reasoning-usage-azure.chunks.sse'] },
    anthropic => {
        text           => [200, 'anthropic-messages/response-text.json'],
        stream         => [200, 'anthropic-messages/stream-text.sse'],
        tools          => [200, 'anthropic-messages/response-tool-use.json'],
        'tools-stream' => [200, 'anthropic-messages/stream-tool-use.sse'],
        e429           => [429, 'anthropic-messages/error-429-rate-limit.json'],
        e400           => [400, 'anthropic-messages/error-400-invalid-request.json'],
        e529           => [529, 'anthropic-messages/error-529-overloaded.json'],
        thinking       => [200, 'anthropic-messages/stream-thinking.chunks.sse'],
        after          => [200, 'anthropic-messages/response-after-tool-result.json'],
    },
    gemini => {
        text           => [200, 'gemini/response-text-thoughts.json'],
        stream         => [200, 'gemini/stream-text-usage.chunks.sse'],
        tools          => [200, 'gemini/response-function-call.json'],
        'tools-stream' => [200, 'gemini/stream-function-call.chunks.sse'],
        e429           => [429, 'gemini/error-429-resource-exhausted.json'],
        e400           => [400, 'gemini/error-400-api-key-invalid.json'],
        thinking       => [200, 'gemini/response-thought-part.json'],
        after          => [200, 'gemini/response-after-function-response.json'],
    },
);

# responses-sdk.mjs: OpenAI's Responses API passed through (type openai),
# and an OpenAI-compatible provider with the chat API only (api=chat)
$scenarios{responses} = {
    text   => [200, 'openai-responses/response-text.documented.json'],
    stream => [200, 'openai-responses/stream-text.chunks.sse'],
    tools  => [200, 'openai-responses/response-function-call.documented.json'],
    after  => [200, 'openai-responses/response-text.documented.json'],
};
$scenarios{chat} = \%oai;
my %provider = (responses => 'openai', chat => 'openai api=chat');

my $port = free_port();
my $mock_port = free_port();
my $prefix = tempdir('agw-sdk-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{SDK_KEEP});

my $gw = '';
for my $type (sort keys %scenarios) {
    my $extra = $type eq 'azure' ? ' api_version=2024-10-21' : '';
    for my $sc (sort keys %{ $scenarios{$type} }) {
        my ($status, $file) = @{ $scenarios{$type}{$sc} };
        (my $name = "$type-$sc") =~ s/-/_/g;
        my $base = "http://127.0.0.1:$mock_port/fx/$status/$file";
        $base .= $type eq 'gemini' ? '/v1beta' : $type eq 'azure' ? '' : '/v1';
        my $ptype = $provider{$type} // $type;
        $gw .= "    ai_gateway_provider $name type=$ptype url=$base"
            . " key_env=AGW_TEST_UPSTREAM_KEY fails=0$extra;\n"
            . "    ai_gateway_route $type-$sc $name:up-$type-model;\n";
    }
}

# A provider whose stream dies: the start of a capture, then the connection
# closes short of its Content-Length (cut_reply); path /cut/DIR/FILE/...
my %cut = (openai => ['openai-chat/stream-include-usage.chunks.sse', 3000],
           anthropic => ['anthropic-messages/stream-text.sse', 900],
           gemini => ['gemini/stream-text-usage.chunks.sse', 1000]);
$cut{azure} = $cut{openai};
my $cut_port = free_port();
my $cut_sock = IO::Socket::INET->new(LocalAddr => "127.0.0.1:$cut_port",
                                     Listen => 16, ReuseAddr => 1)
    or die "cannot listen on $cut_port: $!";
my $cut_pid = fork // die "fork: $!";
if ($cut_pid == 0) {
    local $SIG{PIPE} = 'IGNORE';
    while (my $c = $cut_sock->accept) {
        my $q = '';
        while ($q !~ /\r\n\r\n/) {
            my $buf;
            last unless $c->sysread($buf, 65536);
            $q .= $buf;
        }
        my ($file) = $q =~ m{^POST /cut/([^/]+/[^/]+)/};
        my ($entry) = grep { $_->[0] eq ($file // '') } values %cut;
        $c->syswrite($entry ? cut_reply(@$entry)
                     : "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        close $c;
    }
    POSIX::_exit(0);
}
close $cut_sock;
for my $type (sort keys %cut) {
    my $base = "http://127.0.0.1:$cut_port/cut/$cut{$type}[0]";
    $base .= $type eq 'gemini' ? '/v1beta' : $type eq 'azure' ? '' : '/v1';
    my $extra = $type eq 'azure' ? ' api_version=2024-10-21' : '';
    $gw .= "    ai_gateway_provider ${type}_cut type=$type url=$base"
        . " key_env=AGW_TEST_UPSTREAM_KEY fails=0$extra;\n"
        . "    ai_gateway_route $type-cut ${type}_cut:up-$type-model;\n";
}

# Anthropic's count_tokens answer, as documented: {"input_tokens": N}
my $count_port = free_port();
$gw .= "    server {\n        listen 127.0.0.1:$count_port;\n"
    . "        location = /v1/messages/count_tokens {\n"
    . "            echo_read_request_body;\n"
    . "            default_type application/json;\n"
    . "            echo -n '{\"input_tokens\":14}';\n        }\n    }\n"
    . "    ai_gateway_provider anthropic_count type=anthropic"
    . " url=http://127.0.0.1:$count_port/v1 key_env=AGW_TEST_UPSTREAM_KEY;\n"
    . "    ai_gateway_route anthropic-count anthropic_count:up-anthropic-model;\n";

my $conf = main_conf($module, $echo)
    . fixture_mock($mock_port, "$root/t/fixtures")
    . $gw
    . "    ai_gateway_key sdk sha256:$client_sha;\n"
    . "    server {\n        listen 127.0.0.1:$port;\n"
    . "        access_log logs/access.log;\n"
    . "        location /v1/ { ai_gateway openai anthropic; }\n"
    . "        location /v1beta/ { ai_gateway gemini; }\n"
    . "        include $root/conf/ai_gateway_upstream.conf;\n    }\n}\n";

my $pid;

END {
    local $?;    # waitpid must not become the test's exit status
    for my $child ($pid, $cut_pid) {
        next if !$child || $ENV{SDK_KEEP};
        kill 'TERM', $child;
        waitpid $child, 0;
    }
}

$pid = start_nginx($prefix, $conf, $port, $mock_port);

if ($ENV{SDK_KEEP}) {
    diag "nginx on 127.0.0.1:$port, prefix $prefix, key $client_key";
    $pid = 0;
    plan skip_all => 'SDK_KEEP';
}

$ENV{AGW_GATEWAY} = "http://127.0.0.1:$port";
$ENV{AGW_CLIENT_KEY} = $client_key;

my @scripts = @ARGV ? @ARGV : sort glob "$sdk/*-sdk.mjs";
for my $script (@scripts) {
    (my $label = $script) =~ s{.*/}{};
    my @types = $label eq 'responses-sdk.mjs'
        ? qw(openai anthropic gemini chat) : qw(openai azure anthropic gemini);
    for my $type (@types) {
        my @out = `cd $sdk && timeout 30 node $script $type 2>&1`;
        my $rc = $?;
        my $n = 0;
        for my $line (@out) {
            if ($line =~ /^(not )?ok - (.*)$/) {
                ok(!$1, "$label $type: $2");
                $n++;
            } else {
                diag "$label $type: $line";
            }
        }
        ok($rc == 0 && $n > 0, "$label $type: ran to the end ($n checks)");
    }
}

my @mock = grep { /^MOCK / } `cat $prefix/logs/access.log`;
ok(@mock > 0, 'the mock providers were reached');
is(scalar(grep { /\Q$client_key\E/ } @mock), 0,
   'the client key never reached a provider');
is(scalar(grep { !/\Q$ENV{AGW_TEST_UPSTREAM_KEY}\E/ } @mock), 0,
   'every try carried the provider key');

# the SDKs' tool-result turns ("after" scenario) reached each provider
# dialect with the call and its result paired
my @after = grep { /-sdk-turn\)/ } @mock;
for my $sdk (qw(openai anthropic gemini)) {
    my $id = { openai => 'call_sdk_1', anthropic => 'toolu_sdk_1',
               gemini => '' }->{$sdk};
    my ($to_anthropic) = grep { /response-after-tool-result/ && /\Q($sdk-sdk-turn)\E/ } @after;
    like($to_anthropic // '',
         qr{"type":"tool_use","id":"([^"]*\Q$id\E[^"]*)","name":"get_weather".*"type":"tool_result","tool_use_id":"\1"},
         "$sdk SDK tool turn to anthropic: tool_use and tool_result paired");
    my ($to_gemini) = grep { /response-after-function-response/ && /\Q($sdk-sdk-turn)\E/ } @after;
    like($to_gemini // '',
         # (Gemini to Gemini keeps the SDK's own key order)
         qr{"functionCall":\{(?:"name":"get_weather","args":\{"location":"SF"\}|"args":\{"location":"SF"\},"name":"get_weather")\}.*"functionResponse":\{(?:"name":"get_weather","response":\{"temp":18\}|"response":\{"temp":18\},"name":"get_weather")\}},
         "$sdk SDK tool turn to gemini: functionResponse named after its call");
    my ($to_openai) = grep { m{/openai-chat/response-text\.json/v1/chat} && /\Q($sdk-sdk-turn)\E/ } @after;
    like($to_openai // '',
         qr{"tool_calls":\[\{"id":"([^"]*\Q$id\E[^"]*)","type":"function","function":\{"name":"get_weather".*"role":"tool","tool_call_id":"\1"},
         "$sdk SDK tool turn to openai: tool_calls and the tool message paired");
}

# the Responses SDK's function_call_output turn reached each translated
# provider with the call and its output paired
{
    my @turn = grep { /\Q(responses-sdk-turn)\E/ } @mock;
    my ($to_anthropic) = grep { /response-after-tool-result/ } @turn;
    like($to_anthropic // '',
         qr{"type":"tool_use","id":"call_sdk_1","name":"get_weather","input":\{"location":"SF"\}\}.*"type":"tool_result","tool_use_id":"call_sdk_1","content":"\{\\"temp\\":18\}"},
         'responses SDK tool turn to anthropic: tool_use and tool_result paired');
    my ($to_gemini) = grep { /response-after-function-response/ } @turn;
    like($to_gemini // '',
         qr{"functionCall":\{"name":"get_weather","args":\{"location":"SF"\}\}.*"functionResponse":\{"name":"get_weather","response":\{"temp":18\}\}},
         'responses SDK tool turn to gemini: functionResponse named after its call');
    my ($to_chat) = grep { m{/openai-chat/response-text\.json/v1/chat/completions} } @turn;
    like($to_chat // '',
         qr{"tool_calls":\[\{"id":"call_sdk_1","type":"function","function":\{"name":"get_weather","arguments":"\{\\"location\\":\\"SF\\"\}"\}\}\]\},\{"role":"tool","tool_call_id":"call_sdk_1","content":"\{\\"temp\\":18\}"},
         'responses SDK tool turn to a chat-only provider: tool_calls and the tool message paired');
    my ($to_openai) = grep { m{/openai-responses/.*/v1/responses } } @turn;
    like($to_openai // '', qr{"type":"function_call_output","call_id":"call_sdk_1"},
         'responses SDK tool turn to OpenAI: passed through');
}

my $errors = `grep -E '\\[(alert|crit|emerg)\\]' $prefix/logs/error.log`;
is($errors, '', 'no alert, crit or emerg in the error log');

done_testing();
