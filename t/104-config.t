# nginx -t refuses every misconfiguration with a message that names what
# is wrong and the file and line it is in.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => "    location /v1/ { ai_gateway openai; }\n")
        unless defined $block->config;
});

run_tests();

__DATA__

=== TEST 1: a route naming an unknown provider
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route gpt-4o p2;
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown provider "p2" in route "gpt-4o" \(declare providers before the routes that use them\) in \S+nginx\.conf:\d+/



=== TEST 2: a provider declared twice
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:2/v1;
--- must_die
--- error_log eval
qr/\[emerg\] .*duplicate provider "p1" in \S+nginx\.conf:\d+/



=== TEST 3: a route declared twice
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
    ai_gateway_route m p1;
--- must_die
--- error_log eval
qr/\[emerg\] .*duplicate route "m" in \S+nginx\.conf:\d+/



=== TEST 4: a key environment variable that is not set
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1 key_env=AGW_NO_SUCH_VARIABLE_SET;
--- must_die
--- error_log eval
qr/\[emerg\] .*environment variable "AGW_NO_SUCH_VARIABLE_SET" of provider "p1" is not set in \S+nginx\.conf:\d+/



=== TEST 5: every step of a route weighted 0
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_provider p2 type=openai url=http://127.0.0.1:2/v1;
    ai_gateway_route m p1 weight=0 p2 weight=0;
--- must_die
--- error_log eval
qr/\[emerg\] .*every step of route "m" has weight 0 in \S+nginx\.conf:\d+/



=== TEST 6: a weight that is not a number
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1 weight=heavy;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid weight "weight=heavy" in route "m" in \S+nginx\.conf:\d+/



=== TEST 7: a provider weight that is not a number
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1 weight=-1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid number in "weight=-1" of provider "p1" in \S+nginx\.conf:\d+/



=== TEST 8: an unknown provider type
--- http_config
    ai_gateway_provider p1 type=cohere url=http://127.0.0.1:1/v1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid provider type "cohere", expected "openai", "azure", "anthropic" or "gemini" in \S+nginx\.conf:\d+/



=== TEST 9: a provider without a url
--- http_config
    ai_gateway_provider p1 type=openai;
--- must_die
--- error_log eval
qr/\[emerg\] .*provider "p1" has no url= in \S+nginx\.conf:\d+/



=== TEST 10: a url without a scheme
--- http_config
    ai_gateway_provider p1 type=openai url=api.openai.com/v1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid url "api\.openai\.com\/v1" in provider "p1": it must start with http:\/\/ or https:\/\/ in \S+nginx\.conf:\d+/



=== TEST 11: an Azure provider without api_version
--- http_config
    ai_gateway_provider az type=azure url=https://127.0.0.1:1;
--- must_die
--- error_log eval
qr/\[emerg\] .*azure provider "az" needs api_version= in \S+nginx\.conf:\d+/



=== TEST 12: an unknown provider parameter
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1 timeout=5s;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "timeout=5s" of provider "p1" in \S+nginx\.conf:\d+/



=== TEST 13: a client key in clear instead of its hash
--- http_config
    ai_gateway_key alice sk-client-alice;
--- must_die
--- error_log eval
qr/\[emerg\] .*key "alice" needs "sha256:" and 64 hex digits \(scripts\/keygen prints them\), not a clear key in \S+nginx\.conf:\d+/



=== TEST 14: a key declared twice
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key alice sha256:fa25c3e6364199f7ef4cd3bc0ab0162a5c15ed76a9cc1a49bad8b66e5590f709;
--- must_die
--- error_log eval
qr/\[emerg\] .*duplicate key "alice" in \S+nginx\.conf:\d+/



=== TEST 15: the same key hash under two names
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
    ai_gateway_key carol sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- must_die
--- error_log eval
qr/\[emerg\] .*key "carol": .* in \S+nginx\.conf:\d+/



=== TEST 16: an unknown dialect in ai_gateway
--- http_config
--- config
    location /v1/ { ai_gateway openai cohere; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid dialect "cohere", expected "openai", "anthropic", "gemini", "health", "live" or "probe" in \S+nginx\.conf:\d+/



=== TEST 17: a bad cool-down
--- http_config
    ai_gateway_cooldown fails=3 time=forever;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "time=forever", expected fails=N or time=T in \S+nginx\.conf:\d+/



=== TEST 18: a bad max_tokens
--- http_config
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_max_tokens 0; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"ai_gateway_max_tokens" must be between 1 and 10000000, not 0 in \S+nginx\.conf:\d+/



=== TEST 19: a renaming step in the "*" route
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route * p1:gpt-4o;
--- must_die
--- error_log eval
qr/\[emerg\] .*the "\*" route passes the model unchanged: "p1:gpt-4o" cannot rename it in \S+nginx\.conf:\d+/



=== TEST 20: a state file that cannot be created
--- http_config
    ai_gateway_state /nonexistent-dir/agw.state size=1m;
--- must_die
--- error_log eval
qr/\[emerg\] .*ai_gateway_state: .*\/nonexistent-dir\/agw\.state/



=== TEST 21: a good configuration starts
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_provider p2 type=anthropic url=http://127.0.0.1:1/v1 max_tokens=1024 cooldown=10s fails=5;
    ai_gateway_route m p1:x weight=2 p2:y weight=1;
    ai_gateway_route * p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=m,n;
--- request
GET /v1/models
--- error_code: 401



=== TEST 22: a server with ai_gateway but without the internal location
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
--- config
    location /v1/ { ai_gateway openai; }
    location /_ai_gateway/ { }
--- must_die
--- error_log eval
qr/\[emerg\] .*the tries of provider "p1" go to "\/_ai_gateway\/p1", and the location it falls into would serve a file: include ai_gateway_upstream\.conf in the server\{\} of "ai_gateway" in \S+nginx\.conf:\d+/



=== TEST 23: no location at all for the tries (no root location either)
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
        location /v1/ { ai_gateway openai; }
    }
--- config
    location /v1/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the tries of provider "p1" go to "\/_ai_gateway\/p1", and no location of its server\{\} matches it: include ai_gateway_upstream\.conf in the server\{\} of "ai_gateway" in \S+nginx\.conf:\d+/



=== TEST 24: a gateway location catching the tries itself
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
--- config
    location /v1/ { ai_gateway openai; }
    location /_ai_gateway/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the tries of provider "p1" go to "\/_ai_gateway\/p1", and it falls into an ai_gateway location: include/



=== TEST 25: an internal location prefix no location serves names its directive
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
--- config
    ai_gateway_internal_location /_other/;
    location /v1/ { ai_gateway openai; }
--- must_die
--- error_log eval
qr/\[emerg\] .*the tries of provider "p1" go to "\/_other\/p1" \(ai_gateway_internal_location in \S+nginx\.conf:\d+\), and/



=== TEST 26: an internal location in a regex location, and one per provider, are found
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_provider p2 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1 p2;
--- config
    location /v1/ { ai_gateway openai; }
    location ~ ^/_ai_gateway/p1$ { internal; proxy_pass http://127.0.0.1:1; }
    location = /_ai_gateway/p2 { internal; proxy_pass http://127.0.0.1:1; }
--- request
GET /v1/models
--- error_code: 401



=== TEST 27: a health location needs no internal location
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p1;
--- config
    location = /health { ai_gateway health; }
    location /_ai_gateway/ { }
--- request
GET /health
--- error_code: 200



=== TEST 28: an internal location that answers by itself is named, not taken for the provider
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m p1;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
    location /_ai_gateway/ {
        internal;
        return 404;
        proxy_pass $ai_gateway_upstream_url;
    }
--- request
POST /v1/chat/completions
{"model":"m","messages":[{"role":"user","content":"hi"}]}
--- error_code: 500
--- response_body_like: ^\{"error":\{"message":"The gateway's internal location answered 404 without reaching the provider".*"code":"internal_location_failed"
--- error_log
the internal location answered "/_ai_gateway/p1" with 404 without a request to provider "p1"
--- no_access_log
MOCK



=== TEST 29: ai_gateway_internal_location errors name the file and line of the directive
--- user_files
>>> agw-internal.conf

ai_gateway_internal_location _ai_gateway/;
--- http_config
    include $TEST_NGINX_SERVER_ROOT/html/agw-internal.conf;
--- must_die
--- error_log eval
qr/\[emerg\] .*ai_gateway_internal_location must start with "\/", not "_ai_gateway\/" in \S+\/html\/agw-internal\.conf:2/



=== TEST 30: a key's models= naming no route is warned about at the key's line
# (a warning at start goes to nginx's stderr, which valgrind mode leaves on
# the terminal: skipped there)
--- user_files
>>> agw-keys.conf

ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=gpt-4o,gtp-4o-mini,claude-*,gpt-4*;
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    include $TEST_NGINX_SERVER_ROOT/html/agw-keys.conf;
    ai_gateway_route gpt-4o p1;
--- request
GET /v1/models
--- error_code: 401
--- error_log eval
[qr/\[warn\] .*key "alice" may use model "gtp-4o-mini", which no ai_gateway_route serves \(and there is no "\*" route\) in \S+\/html\/agw-keys\.conf:2$/,
 qr/\[warn\] .*key "alice" may use model "claude-\*", which no ai_gateway_route serves/]
--- no_error_log eval
[qr/model "gpt-4o", which/, qr/model "gpt-4\*", which/]
--- skip_eval: 5: $ENV{TEST_NGINX_USE_VALGRIND}



=== TEST 31: with a "*" route every model of a key is served: no warning
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route * p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=gtp-4o-mini;
--- request
GET /v1/models
--- error_code: 401
--- no_error_log
no ai_gateway_route serves



=== TEST 32: an unknown api of a provider
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1 api=completions;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid api "completions" of provider "p1", expected "chat" or "responses" in \S+nginx\.conf:\d+/



=== TEST 33: api= on a provider type that has one API only
--- http_config
    ai_gateway_provider p1 type=anthropic url=http://127.0.0.1:1/v1 api=chat;
--- must_die
--- error_log eval
qr/\[emerg\] .*api= of provider "p1" applies only to the "openai" and "azure" types in \S+nginx\.conf:\d+/



=== TEST 34: a key limit that is not a number
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpm=ten;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "rpm=ten" of key "alice", expected a number above 0 in \S+nginx\.conf:\d+/



=== TEST 35: a key limit of 0 (0 would mean none: leave the parameter out)
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c concurrent=0;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "concurrent=0" of key "alice", expected a number above 0 in \S+nginx\.conf:\d+/



=== TEST 36: a budget with more than micro-dollar precision
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c budget_day=2.5000001;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "budget_day=2\.5000001" of key "alice", expected USD above 0 with at most 6 decimals, e\.g\. 2\.50 in \S+nginx\.conf:\d+/



=== TEST 37: a budget that is not an amount
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c budget_month=$5;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "budget_month=\$5" of key "alice", expected USD/



=== TEST 38: a limit given twice
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c tpm=1000 tpm=2000;
--- must_die
--- error_log eval
qr/\[emerg\] .*duplicate "tpm=" in key "alice" in \S+nginx\.conf:\d+/



=== TEST 39: max_output is clamp or refuse
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output_tokens=100 max_output=cut;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "max_output=cut" of key "alice", expected "clamp" or "refuse" in \S+nginx\.conf:\d+/



=== TEST 40: refusing over a cap needs the cap
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c max_output=refuse;
--- must_die
--- error_log eval
qr/\[emerg\] .*"max_output=refuse" of key "alice" needs "max_output_tokens=" in \S+nginx\.conf:\d+/



=== TEST 41: budget_stream is end or finish
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c budget_day=1 budget_stream=continue;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "budget_stream=continue" of key "alice", expected "end" or "finish" in \S+nginx\.conf:\d+/



=== TEST 42: an empty system prompt
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c system_prompt=;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value of "system_prompt=" of key "alice": expected text in UTF-8, not empty, at most 65536 bytes in \S+nginx\.conf:\d+/



=== TEST 43: a default model the key may not use
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c models=gpt-4o-mini,claude-* default_model=gpt-4o;
--- must_die
--- error_log eval
qr/\[emerg\] .*"default_model=gpt-4o" of key "alice" is not in its models= in \S+nginx\.conf:\d+/



=== TEST 44: a credential from an unset environment variable
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c credential=p1:AGW_TEST_NOT_SET_ANYWHERE;
--- must_die
--- error_log eval
qr/\[emerg\] .*environment variable "AGW_TEST_NOT_SET_ANYWHERE" of "credential=p1:AGW_TEST_NOT_SET_ANYWHERE" in key "alice" is not set in \S+nginx\.conf:\d+/



=== TEST 45: a credential without its variable
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c credential=p1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value in "credential=p1" of key "alice", expected credential=PROVIDER:ENV_VAR in \S+nginx\.conf:\d+/



=== TEST 46: two credentials for one provider
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c credential=p1:AGW_TEST_UPSTREAM_KEY credential=p1:AGW_TEST_UPSTREAM_KEY;
--- must_die
--- error_log eval
qr/\[emerg\] .*second credential for provider "p1" in key "alice" in \S+nginx\.conf:\d+/



=== TEST 47: an unknown key parameter
--- http_config
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c rpw=5;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid parameter "rpw=5" of key "alice" in \S+nginx\.conf:\d+/



=== TEST 48: a credential for a provider nginx.conf does not declare names the key's line, not the secret
--- http_config
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c credential=p2:AGW_TEST_UPSTREAM_KEY;
--- must_die
--- error_log eval
qr/\[emerg\] .*credential of key "alice" for unknown provider "p2" in \S+nginx\.conf:\d+/
--- no_error_log
sk-upstream-secret



=== TEST 49: a key with every parameter starts and serves
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c
        models=gpt-4o,gpt-4o-mini rpm=60 rph=1000 rpd=10000 tpm=100000
        input_tokens_per_day=1000000 output_tokens_per_day=200000
        concurrent=4 budget_day=2.50 budget_month=40 budget_total=1000.000001
        max_output_tokens=512 max_output=refuse budget_stream=finish
        "system_prompt=Answer briefly.\nBe kind: é" default_model=gpt-4o
        credential=p1:AGW_TEST_UPSTREAM_KEY;
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- response_body_like: "Hello there"
--- no_error_log
[error]
[emerg]
