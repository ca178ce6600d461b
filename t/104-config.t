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
qr/\[emerg\] .*invalid dialect "cohere", expected "openai", "anthropic", "gemini" or "health" in \S+nginx\.conf:\d+/



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
