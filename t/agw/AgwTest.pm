package AgwTest;

# Shared set-up of the gateway's nginx suites: every block loads the module
# just built and the echo module, includes the internal location the tries
# go through, and gets a mock provider (an nginx server on
# $TEST_NGINX_MOCK_PORT) whose access log records what a provider received,
# so that blocks can check key injection and body rewriting with
# --- access_log.  Uses only Test::Nginx::Socket's public API, so suites run
# under the real Test::Nginx too.

use strict;
use warnings;
use Cwd qw(cwd);
use IO::Socket::INET ();
use Test::Nginx::Socket ();
use TestNginxCompat ();

our @EXPORT = qw(mock_upstream free_port no_policy);
use parent 'Exporter';

# free_port: a port nothing listens on now, for a mock server (suites run
# side by side with prove -j must not share one); AgwNginx has the one.
use AgwNginx qw(free_port);

$ENV{TEST_NGINX_AGW_MODULE}  ||= cwd() . '/build/ngx_http_ai_gateway_module.so';
$ENV{TEST_NGINX_ECHO_MODULE} ||= '/usr/lib/nginx/modules/ngx_http_echo_module.so';
$ENV{TEST_NGINX_AGW_CONF}    ||= cwd() . '/conf';
$ENV{TEST_NGINX_MOCK_PORT}   ||= free_port();

# The provider's secret: it must reach the mock and never the client.
$ENV{AGW_TEST_UPSTREAM_KEY}  ||= 'sk-upstream-secret-0123456789';

my $chat = '{"id":"chatcmpl-1","object":"chat.completion","created":1,'
    . '"model":"up-model","choices":[{"index":0,"message":{"role":"assistant",'
    . '"content":"Hello there"},"finish_reason":"stop"}],"usage":'
    . '{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14,'
    . '"prompt_tokens_details":{"cached_tokens":4},'
    . '"completion_tokens_details":{"reasoning_tokens":1}}}';

# A key's policy in the keys snapshot when it has none (no limits, no
# prompt, no credentials), as the daemon writes it (lib/state/agw_keys.h).
sub no_policy {
    return '{"limits":{"requests_per_minute":0,"requests_per_hour":0,'
        . '"requests_per_day":0,"tokens_per_minute":0,'
        . '"input_tokens_per_day":0,"output_tokens_per_day":0,'
        . '"concurrent":0,"budget_day":0,"budget_month":0,"budget_total":0},'
        . '"max_output_tokens":0,"max_output":"clamp","budget_stream":"end",'
        . '"system_prompt":null,"default_model":null,"credentials":[]}';
}

sub chunk {
    my ($delta, $finish) = @_;
    return "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
        . "\"created\":1,\"model\":\"up-model\",\"choices\":[{\"index\":0,"
        . "\"delta\":$delta,\"finish_reason\":$finish}]}\\n\\n";
}

my $usage_chunk = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
    . "\"created\":1,\"model\":\"up-model\",\"choices\":[],\"usage\":"
    . "{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\\n\\n";

# The mock provider.  Paths: /SCENARIO/v1/chat/completions.
sub mock_upstream {
    my $port = '$TEST_NGINX_MOCK_PORT';
    my $first = chunk('{"role":"assistant","content":"Hel"}', 'null');
    my $second = chunk('{"content":"lo"}', '"stop"');
    # a stream answered whole, with a Content-Length: in one read
    my $many = join '', map { chunk("{\"content\":\"w$_ \"}", 'null') } 1 .. 15;

    return <<"_EOC_";
    log_format agw_mock escape=none 'MOCK \$request_method \$uri args="\$args" auth="\$http_authorization" '
                        'xkey="\$http_x_api_key" goog="\$http_x_goog_api_key" '
                        'azure="\$http_api_key" version="\$http_anthropic_version" '
                        'extra="\$http_x_extra" ae="\$http_accept_encoding" '
                        'ctype="\$content_type" body=\$request_body';
    server {
        listen 127.0.0.1:$port;
        access_log logs/access.log agw_mock;
        default_type application/json;

        location ~ ^/(ok|a|b)/(v1|openai/deployments/[^/]+)/chat/completions\$ {
            echo_read_request_body;
            echo -n '$chat';
        }
        location /stream/v1/chat/completions {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n '$first';
            echo_flush;
            echo_sleep 1.5;
            echo -n '$second';
            echo -n '$usage_chunk';
            echo -n 'data: [DONE]\\n\\n';
        }
        location /whole/v1/chat/completions {
            default_type text/event-stream;
            return 200 '$first$second${usage_chunk}data: [DONE]\\n\\n';
        }
        location /wholebig/v1/chat/completions {
            default_type text/event-stream;
            return 200 '$first$many$second${usage_chunk}data: [DONE]\\n\\n';
        }
        location /cut/v1/chat/completions {
            echo_read_request_body;
            default_type text/event-stream;
            echo -n '$first';
        }
        location /e500/v1/chat/completions {
            echo_read_request_body;
            return 500 '{"error":{"message":"upstream exploded","type":"server_error","param":null,"code":null}}';
        }
        location /e503/v1/chat/completions {
            echo_read_request_body;
            return 503 '{"error":{"message":"overloaded","type":"server_error","param":null,"code":null}}';
        }
        location /e429/v1/chat/completions {
            echo_read_request_body;
            return 429 '{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}';
        }
        location /e400/v1/chat/completions {
            echo_read_request_body;
            return 400 '{"error":{"message":"bad parameter","type":"invalid_request_error","param":"temperature","code":null}}';
        }
        location /garbage/v1/chat/completions {
            echo_read_request_body;
            echo -n 'this is not json';
        }
        location /stallbody/ {
            # a whole answer that stalls after its 200 and first bytes
            echo_read_request_body;
            echo -n '{"id":"chatcmpl-stall",';
            echo_flush;
            echo_sleep 3;
            echo -n '"object":"chat.completion"}';
        }
        location /slow/v1/chat/completions {
            echo_read_request_body;
            echo_sleep 3;
            echo -n '$chat';
        }
        location /ok/v1/embeddings {
            echo_read_request_body;
            echo -n '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"up-model","usage":{"prompt_tokens":5,"total_tokens":5}}';
        }
    }
_EOC_
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->main_config) {
        $block->set_value(main_config =>
            "load_module \$TEST_NGINX_AGW_MODULE;\n"
            . "load_module \$TEST_NGINX_ECHO_MODULE;\n");
    }

    # every gateway server needs the internal location of the tries
    if (defined $block->config && $block->config !~ /_ai_gateway/) {
        $block->set_value(config => $block->config
            . "\n    include \$TEST_NGINX_AGW_CONF/ai_gateway_upstream.conf;\n");
    }

    if (defined $block->http_config && $block->http_config =~ /MOCK/) {
        my $hc = $block->http_config;
        $hc =~ s/^\s*MOCK\s*$/mock_upstream()/me;
        $block->set_value(http_config => $hc);
    }

    TestNginxCompat::skip_http2_block($block);
});

1;
