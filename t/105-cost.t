# Cost: the shipped price table and nginx.conf overrides, cached and
# reasoning tokens priced as agw_usage.h says, and $ai_gateway_cost.
#
# The mock answers 11 prompt tokens (4 of them cached) and 3 completion
# tokens (1 of them reasoning).  gpt-4o in conf/prices.json: input 2.5,
# cached input 1.25, output 10 USD per million tokens:
#   7 * 2.5 + 4 * 1.25 + 3 * 10 = 52.5 micro-USD, rounded half up: 53.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    access_log logs/access.log cost;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
_EOC_
});

run_tests();

__DATA__

=== TEST 1: the shipped table prices cached input at its own price
--- http_config
    MOCK
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_prices $TEST_NGINX_AGW_CONF/prices.json;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route my-model p1:gpt-4o;
--- request
POST /v1/chat/completions
{"model":"my-model","messages":[]}
--- access_log
COST 0.000053
--- no_error_log
[error]



=== TEST 2: an override for the route's model wins over the table
# 7 uncached * 1 + 4 cached * 0.5 + 2 output * 2 + 1 reasoning * 20 = 33
--- http_config
    MOCK
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_prices $TEST_NGINX_AGW_CONF/prices.json;
    ai_gateway_price my-model input=1 output=2 cache_read=0.5 reasoning=20;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route my-model p1:gpt-4o;
--- request
POST /v1/chat/completions
{"model":"my-model","messages":[]}
--- access_log
COST 0.000033
--- no_error_log
[error]



=== TEST 3: an override for an upstream model the table does not know
# no cache_read price: cached input at the input price; 11 * 100 + 3 * 1000
--- http_config
    MOCK
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_price in-house-llm input=100 output=1000;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m p1:in-house-llm;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- access_log
COST 0.004100
--- no_error_log
[error]



=== TEST 4: a model without a price has no cost, rather than a wrong one
--- http_config
    MOCK
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_prices $TEST_NGINX_AGW_CONF/prices.json;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m p1:no-such-model-anywhere;
--- request
POST /v1/chat/completions
{"model":"m","messages":[]}
--- access_log
COST -
--- no_error_log
[error]



=== TEST 5: a streamed answer is priced from the usage the stream carried
# 7 * 1000 + 2 * 2000
--- http_config
    MOCK
    log_format cost 'COST $ai_gateway_cost';
    ai_gateway_price m input=1000 output=2000;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/stream/v1;
    ai_gateway_route m p1;
--- request
POST /v1/chat/completions
{"model":"m","stream":true,"messages":[]}
--- access_log
COST 0.011000
--- no_error_log
[error]



=== TEST 6: a price without output is refused at nginx -t
--- http_config
    ai_gateway_price m input=1;
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid price of "m": .* in \S+nginx\.conf:\d+/



=== TEST 7: a price table that does not exist is refused at nginx -t
--- http_config
    ai_gateway_prices /nonexistent/prices.json;
--- must_die
--- error_log eval
qr/\[emerg\] .*cannot load prices from "\/nonexistent\/prices\.json": .* in \S+nginx\.conf:\d+/
