# The raw OpenAI endpoints streamed: POST /v1/responses (the Responses
# API, always streamed by Codex CLI) and POST /v1/completions (legacy text
# completions).  Their streams reach the client with the model it asked
# for, and their usage reaches the log variables and the cost: a Responses
# stream from its response.completed event, a completions stream from the
# usage chunk the gateway asks for (stream_options.include_usage) and
# strips again when the client did not ask.  A Responses stream that ends
# before its terminal event ends with the Responses API's error event.
#
# The Responses streams replay the captures of t/fixtures/openai-responses/
# (payload-only captures framed as OpenAI sends them: `event: <type>` then
# `data: <payload>`, no [DONE]).  The completions stream is served by a
# mock location from the API reference's streaming example chunk
# (cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe), its last chunk finishing, and the
# usage chunk include_usage adds (the reference: "choices" [] and the
# request's "usage"), with the non-streamed example's counts 5/7.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();

sub responses_fixture {
    my ($name, $from, $to) = @_;
    my $text = AgwFixtures::read_fixture("openai-responses/$name");
    $text =~ s/"model":"\Q$from\E"/"model":"$to"/g;
    return $text;
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(config => <<'_EOC_') unless defined $block->config;
    access_log logs/access.log agw_raw;
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
_EOC_

    my $hc = $block->http_config // '';
    $block->set_value(http_config => <<'_EOC_' . $hc);
    log_format agw_raw 'GW model=$ai_gateway_model up=$ai_gateway_upstream_model '
        'tokens=$ai_gateway_prompt_tokens/$ai_gateway_completion_tokens '
        'cached=$ai_gateway_cached_tokens reasoning=$ai_gateway_reasoning_tokens '
        'cost=$ai_gateway_cost status=$status';
    log_format agw_raw_mock escape=none 'RAWMOCK $request_method $uri body=$request_body';

    # the completions mock, on a port of its own: in the HTTP/2 mode the
    # server's port speaks only HTTP/2, which no provider try does
    server {
        listen 127.0.0.1:$TEST_NGINX_RAND_PORT_1;

        location /mock/v1/completions {
            access_log logs/access.log agw_raw_mock;
            default_type text/event-stream;
            echo_read_request_body;
            echo -n 'data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct","system_fingerprint":"fp_44709d6fcb"}\n\n';
            echo_flush;
            echo -n 'data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":" is indeed a test","index":0,"logprobs":null,"finish_reason":"length"}],"model":"gpt-3.5-turbo-instruct","system_fingerprint":"fp_44709d6fcb"}\n\n';
            echo -n 'data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[],"model":"gpt-3.5-turbo-instruct","system_fingerprint":"fp_44709d6fcb","usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}\n\n';
            echo -n 'data: [DONE]\n\n';
        }
    }
_EOC_

    $block->set_value(no_error_log => "[error]\n[alert]\nexited on signal")
        unless defined $block->no_error_log || defined $block->error_log;
});

run_tests();

__DATA__

=== TEST 1: responses stream: every byte as captured but the Response's model; usage and cost in the log
# cost: 444 input * 1 + 12 output * 2 USD per million tokens = 468 micro-USD
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/stream-text.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route codex p:gpt-5.2;
    ai_gateway_price codex input=1 output=2;
--- request
POST /v1/responses
{"model":"codex","stream":true,"input":"Which architecture?"}
--- response_headers
Content-Type: text/event-stream
--- response_body eval: main::responses_fixture('stream-text.chunks.sse', 'gpt-5.2-2025-12-11', 'codex')
--- access_log eval
[qr{MOCK POST /fx/200/openai-responses/stream-text.chunks.sse/v1/responses args="" auth="Bearer sk-upstream-secret-0123456789" .* body=\{"model":"gpt-5.2","stream":true,"input":"Which architecture\?"\}$}m,
 qr{GW model=codex up=gpt-5.2 tokens=444/12 cached=0 reasoning=0 cost=0.000468 status=200}]



=== TEST 2: responses stream of reasoning and 39 streamed argument fragments: byte for byte, the model of each Response replaced
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/stream-reasoning-function-call.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route codex p:gpt-5.1-codex-max;
--- request
POST /v1/responses
{"model":"codex","stream":true,"input":"What is 12 * 7?","reasoning":{"summary":"auto"}}
--- response_body eval: main::responses_fixture('stream-reasoning-function-call.chunks.sse', 'gpt-5.1-codex-max', 'codex')
--- access_log eval
[qr{GW model=codex up=gpt-5.1-codex-max tokens=299/12 cached=0 reasoning=0 cost=- status=200}]



=== TEST 3: responses stream failing mid-way (error event, response.failed): passed through, recorded as an error
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-responses/stream-error-insufficient-quota.chunks.sse/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route codex p:gpt-5-nano;
--- request
POST /v1/responses
{"model":"codex","stream":true,"input":"hi"}
--- response_body eval: main::responses_fixture('stream-error-insufficient-quota.chunks.sse', 'gpt-5-nano-2025-08-07', 'codex')
--- error_log
provider "p" reported an error in its stream: You exceeded your current quota



=== TEST 4: responses stream whose connection is cut: the events so far, then the Responses error event
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route codex p:gpt-5.2;
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::cut_reply('openai-responses/stream-text.chunks.sse', 3000)
--- request
POST /v1/responses
{"model":"codex","stream":true,"input":"hi"}
--- response_body_like: (?s)\Aevent: response.created\ndata: \{"type":"response.created","response":\{[^\n]*"model":"codex",.*\nevent: response.output_text.delta\n.*\n\nevent: error\ndata: \{"type":"error","code":"stream_truncated","message":"[^"]+","param":null,"sequence_number":\d+,"error":\{"type":"server_error","code":"stream_truncated","message":"[^"]+","param":null\}\}\n\n\z
--- response_body_unlike: response.completed
--- error_log
upstream prematurely closed connection



=== TEST 5: responses stream that ends cleanly before response.completed: an error event, not a clean end
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_TCP_PORT/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route codex p:gpt-5.2;
--- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT}
--- tcp_reply eval: AgwFixtures::spliced_reply('openai-responses/stream-text.chunks.sse', 3000, undef)
--- request
POST /v1/responses
{"model":"codex","stream":true,"input":"hi"}
--- response_body_like: (?s)\Aevent: response.created\n.*\n\nevent: error\ndata: \{"type":"error","code":"stream_truncated","message":"[^"]+","param":null,"sequence_number":\d+,"error":\{"type":"server_error","code":"stream_truncated","message":"[^"]+","param":null\}\}\n\n\z
--- response_body_unlike: response.completed
--- error_log
provider "p" ended its stream without its end marker



=== TEST 6: completions stream, client without include_usage: asked upstream, stripped, model rewritten, usage logged
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/mock/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route instruct p:gpt-3.5-turbo-instruct;
--- request
POST /v1/completions
{"model":"instruct","prompt":"Say this is a test","max_tokens":7,"stream":true}
--- response_body eval
qq{data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}],"model":"instruct","system_fingerprint":"fp_44709d6fcb"}\n\n}
. qq{data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":" is indeed a test","index":0,"logprobs":null,"finish_reason":"length"}],"model":"instruct","system_fingerprint":"fp_44709d6fcb"}\n\n}
. qq{data: [DONE]\n\n}
--- access_log eval
[qr{RAWMOCK POST /mock/v1/completions body=\{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":7,"stream":true,"stream_options":\{"include_usage":true\}\}$}m,
 qr{GW model=instruct up=gpt-3.5-turbo-instruct tokens=5/7 cached=- reasoning=- cost=- status=200}]



=== TEST 7: completions stream, client with include_usage: the usage chunk kept, model rewritten
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/mock/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route instruct p:gpt-3.5-turbo-instruct;
--- request
POST /v1/completions
{"model":"instruct","prompt":"Say this is a test","max_tokens":7,"stream":true,"stream_options":{"include_usage":true}}
--- response_body eval
qq{data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":"This","index":0,"logprobs":null,"finish_reason":null}],"model":"instruct","system_fingerprint":"fp_44709d6fcb"}\n\n}
. qq{data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[{"text":" is indeed a test","index":0,"logprobs":null,"finish_reason":"length"}],"model":"instruct","system_fingerprint":"fp_44709d6fcb"}\n\n}
. qq{data: {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,"choices":[],"model":"instruct","system_fingerprint":"fp_44709d6fcb","usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}\n\n}
. qq{data: [DONE]\n\n}
--- access_log eval
[qr{RAWMOCK POST /mock/v1/completions body=\{"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test","max_tokens":7,"stream":true,"stream_options":\{"include_usage":true\}\}$}m,
 qr{GW model=instruct up=gpt-3.5-turbo-instruct tokens=5/7 cached=- reasoning=- cost=- status=200}]



=== TEST 8: completions stream, client with include_usage false: asked upstream all the same, stripped for the client
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_RAND_PORT_1/mock/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route instruct p:gpt-3.5-turbo-instruct;
--- request
POST /v1/completions
{"model":"instruct","prompt":"Say this is a test","stream":true,"stream_options":{"include_usage":false}}
--- response_body_like: \A(data: \{[^\n]*"model":"instruct"[^\n]*\}\n\n){2}data: \[DONE\]\n\n\z
--- response_body_unlike: usage
--- access_log eval
[qr{RAWMOCK POST /mock/v1/completions body=.*"stream_options":\{"include_usage":true\}}m,
 qr{GW model=instruct up=gpt-3.5-turbo-instruct tokens=5/7 cached=- reasoning=- cost=- status=200}]
