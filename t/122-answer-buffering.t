# Every byte of a provider's answer is read, whatever nginx did with it
# before the gateway's filter saw it: kept in memory (proxy_buffering off,
# the shipped setting), spilled to a temp file (proxy_buffering on, which
# proxy_cache needs), or sent from the cache (a hit is one file buffer),
# with sendfile on and off; and an answer too large to hold is a 502 in the
# client's dialect, not a closed connection.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;
use AgwStreams;

no_shuffle();

# 3000 events: far more than the tiny proxy buffers below hold
our $N = 3000;
our $WORDS = words($N);

add_block_preprocessor(sub {
    my $block = shift;
    my $hc = $block->http_config or return;
    $hc =~ s/^\s*BIG_MOCK\s*$/big_mock()/me;
    # the internal location, buffered into a cache with buffers smaller
    # than one event
    $hc .= <<'_EOC_' if $block->config && $block->config =~ /CACHED/;
    proxy_cache_path logs/cache keys_zone=agw:1m;
_EOC_
    $block->set_value(http_config => $hc);
    (my $c = $block->config) =~ s/^\s*CACHED\s*$/<<'_EOC_'/me;
    location /_ai_gateway/ {
        internal;
        proxy_pass              $ai_gateway_upstream_url;
        proxy_http_version      1.1;
        proxy_set_header        Host $ai_gateway_upstream_host;
        proxy_set_header        Connection "";
        proxy_buffering         on;
        proxy_buffer_size       1k;
        proxy_buffers           4 1k;
        proxy_busy_buffers_size 2k;
        proxy_cache             agw;
        proxy_cache_methods     POST;
        proxy_cache_valid       200 10m;
        proxy_cache_key         "$ai_gateway_upstream_url $request_body";
        add_header              X-Cache $upstream_cache_status;
    }
_EOC_
    # (AgwTest added the shipped internal location: this one replaces it)
    $c =~ s/^.*ai_gateway_upstream\.conf;\n//m if $c =~ /proxy_cache /;
    $block->set_value(config => $c);
    $block->set_value(init => 'AgwStreams::big_files($main::N);'
                              . ($block->init // ''));
});

run_tests();

__DATA__

=== TEST 1: a whole answer over the default 64 MiB: a 502 in the client's dialect
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/huge.json key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- init
AgwStreams::big_answer_file('huge.json', 64 * 1024 * 1024 + 1024);
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- timeout: 20
--- error_code: 502
--- response_body_like: ^\{"error":\{"message":"The provider's answer could not be read: it is larger than the gateway accepts","type":"[a-z_]+","param":null,"code":"bad_upstream_response"\}\}$
--- error_log
answer of provider "p" is larger than 67108864 bytes



=== TEST 2: ai_gateway_max_response_size lowers the limit; an anthropic client gets its error shape
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/small.json key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude p:up;
--- config
    location /v1/ {
        ai_gateway anthropic;
        ai_gateway_auth off;
        ai_gateway_max_response_size 4k;
    }
--- init
AgwStreams::big_answer_file('small.json', 5000);
--- request
POST /v1/messages
{"model":"claude","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}
--- error_code: 502
--- response_body_like: ^\{"type":"error","error":\{"type":"api_error","message":"The provider's answer could not be read: it is larger than the gateway accepts"\}
--- error_log
answer of provider "p" is larger than 4096 bytes



=== TEST 3: the same answer under the limit passes
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/small.json key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
--- config
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        ai_gateway_max_response_size 5000;
    }
--- init
AgwStreams::big_answer_file('small.json', 5000);
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- response_body_like: ^\{"id":"chatcmpl-1",.*"model":"gpt-4o".*"content":"x{4800,}"
--- no_error_log
[error]



=== TEST 4: proxy_cache, sendfile on: a translated stream is whole when written to the cache and when served from it
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-3000.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    sendfile on;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    CACHED
--- request eval
["POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 4"}]}',
 "POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 4"}]}']
--- response_body_filters eval
[\&AgwFixtures::openai_summary]
--- response_body eval
["model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n",
 "model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n"]
--- no_error_log
[error]



=== TEST 5: proxy_cache, sendfile off: the same
--- http_config
    BIG_MOCK
    ai_gateway_provider an type=anthropic url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/anthropic-3000.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:up;
--- config
    sendfile off;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    CACHED
--- request eval
["POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 5"}]}',
 "POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 5"}]}']
--- response_body_filters eval
[\&AgwFixtures::openai_summary]
--- response_body eval
["model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n",
 "model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n"]
--- no_error_log
[error]



=== TEST 6: proxy_cache: a same-dialect stream and a whole answer, from the provider and from the cache
--- http_config
    BIG_MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/openai-3000.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_provider w type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/whole.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o p:up;
    ai_gateway_route whole w:up;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    CACHED
--- init
AgwStreams::big_answer_file('whole.json', 100000);
--- request eval
["POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 6"}]}',
 "POST /v1/chat/completions\n" . '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"cached 6"}]}',
 "POST /v1/chat/completions\n" . '{"model":"whole","messages":[{"role":"user","content":"cached 6"}]}',
 "POST /v1/chat/completions\n" . '{"model":"whole","messages":[{"role":"user","content":"cached 6"}]}']
--- response_body_filters eval
[\&AgwFixtures::openai_summary]
--- response_body eval
["model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n",
 "model=gpt-4o\ntext=\"$::WORDS\"\nfinish=stop\nusage=none\nend=clean\n",
 "model=whole\ntext=\"" . ('x' x (100000 - 162)) . "\"\nfinish=stop\nusage=none\n",
 "model=whole\ntext=\"" . ('x' x (100000 - 162)) . "\"\nfinish=stop\nusage=none\n"]
--- no_error_log
[error]
