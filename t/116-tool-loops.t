# The second turn of a tool loop, from the captured requests
# (anthropic-messages/request-tool-result.json,
# gemini/request-function-response.json): the assistant's tool call and the
# client's tool result must reach a provider of another dialect paired (the
# same id on both, Gemini's functionResponse named after the call it
# answers), and the captured answer after the tool result must come back
# whole.
#
# The engine copies JSON values (tool schemas, call arguments) as the
# client wrote them, whitespace included (slices of the input, no
# re-printing): the captures' pretty-printed schemas and arguments reach
# the provider on several lines, and the mock's access log holds the body
# as sent, so the patterns below check the lines one by one (the name and
# description of the tool, lines of its schema as the client wrote them,
# the ids pairing call and result, the values) rather than the old
# compact re-print on one line.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use AgwFixtures;

no_shuffle();
run_tests();

__DATA__

=== TEST 1: anthropic client's tool_result to an openai provider: tool_calls and a role tool message with the same id
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude-haiku-4-5 p:gpt-4o;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request eval
"POST /v1/messages\n" . AgwFixtures::read_fixture('anthropic-messages/request-tool-result.json')
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'claude-haiku-4-5')
--- access_log eval
[qr{MOCK POST \S+/v1/chat/completions .*"tool_calls":\[\{"id":"toolu_01A9HHF5Ezy3oBrKmSgfASm9","type":"function","function":\{"name":"get_weather","arguments":"\{\\"location\\":\\"San Francisco, CA\\",\\"units\\":\\"f\\"\}"\}\}\]},
 qr{MOCK POST \S+ .*\{"role":"tool","tool_call_id":"toolu_01A9HHF5Ezy3oBrKmSgfASm9","content":"RuntimeError\('Unexpected error, try again'\)"\}},
 qr{MOCK POST \S+ .*"tools":\[\{"type":"function","function":\{"name":"get_weather","description":"Lookup the weather for a given city in either celsius or fahrenheit","parameters":\{$},
 qr{^\s*"additionalProperties": false,$},
 qr{^\s*\}\}\}\],"max_tokens":1024\}$}]
--- no_error_log
[error]



=== TEST 2: anthropic client's tool_result to a gemini provider: functionCall, then functionResponse named get_weather
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-after-function-response.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route claude-haiku-4-5 g:gemini-2.0-flash;
--- config
    location /v1/ { ai_gateway anthropic; ai_gateway_auth off; }
--- request eval
"POST /v1/messages\n" . AgwFixtures::read_fixture('anthropic-messages/request-tool-result.json')
--- response_body_filters eval: [\&AgwFixtures::anthropic_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-after-function-response.json', 'claude-haiku-4-5')
--- access_log eval
[qr{MOCK POST \S+/v1beta/models/gemini-2.0-flash:generateContent .*"role":"model","parts":\[\{"functionCall":\{"name":"get_weather","args":\{$},
 qr{^\s*"location": "San Francisco, CA",$},
 qr{^\s*"units": "f"$},
 qr{^\s*\}\},"thoughtSignature":"[^"]+"\}\]\},\{"role":"user","parts":\[\{"functionResponse":\{"name":"get_weather","response":\{[^\n]*RuntimeError\('Unexpected error, try again'\).*"functionDeclarations":\[\{"name":"get_weather"}]
--- no_error_log
[error]



=== TEST 3: gemini client's functionResponse to an anthropic provider: tool_use and tool_result paired by one made-up id
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-after-tool-result.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash an:claude-haiku-4-5;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request eval
"POST /v1beta/models/flash:generateContent\n" . AgwFixtures::read_fixture('gemini/request-function-response.json')
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-after-tool-result.json', 'flash')
--- access_log eval
[qr{MOCK POST \S+/v1/messages .*"tools":\[\{"name":"customDivide","description":"Custom divide function","input_schema":\{$},
 qr{^\s*"denominator": \{$},
 qr{^\s*\}\}\],"tool_choice":\{"type":"auto"\},"messages":.*\{"type":"tool_use","id":"([^"]+)","name":"customDivide","input":\{"denominator":2,"numerator":10\}\}.*\{"type":"tool_result","tool_use_id":"\1","content":}]
--- no_error_log
[error]



=== TEST 4: gemini client's functionResponse to an openai provider: tool_calls and the role tool message share an id
--- http_config
    FIXTURES
    ai_gateway_provider p type=openai url=$TEST_NGINX_FX/200/openai-chat/response-text.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route flash p:gpt-4o;
--- config
    location /v1beta/ { ai_gateway gemini; ai_gateway_auth off; }
--- request eval
"POST /v1beta/models/flash:generateContent\n" . AgwFixtures::read_fixture('gemini/request-function-response.json')
--- response_body_filters eval: [\&AgwFixtures::gemini_summary]
--- response_body eval: AgwFixtures::fixture_summary('openai-chat/response-text.json', 'flash')
--- access_log eval
[qr{MOCK POST \S+/v1/chat/completions .*"tool_calls":\[\{"id":"([^"]+)","type":"function","function":\{"name":"customDivide","arguments":"\{\\"denominator\\":2,\\"numerator\\":10\}"\}\}\].*\{"role":"tool","tool_call_id":"\1","content":"\{\\"output\\":42\}"},
 qr{^\s*\}\}\}\],"tool_choice":"auto"\}$}]
--- no_error_log
[error]



=== TEST 5: openai client's tool loop to an anthropic provider: tool_use and tool_result carry the client's call id
--- http_config
    FIXTURES
    ai_gateway_provider an type=anthropic url=$TEST_NGINX_FX/200/anthropic-messages/response-after-tool-result.json/v1 key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o an:claude-haiku-4-5;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"What is the weather in SF?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_CTf1nWJLqSeRgDqaCG27xZ74","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"San Francisco\",\"state\":\"CA\"}"}}]},{"role":"tool","tool_call_id":"call_CTf1nWJLqSeRgDqaCG27xZ74","content":"RuntimeError('Unexpected error, try again')"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('anthropic-messages/response-after-tool-result.json', 'gpt-4o')
--- access_log eval
qr{MOCK POST \S+/v1/messages .*\{"type":"tool_use","id":"call_CTf1nWJLqSeRgDqaCG27xZ74","name":"get_weather","input":\{"city":"San Francisco","state":"CA"\}\}.*\{"role":"user","content":\[\{"type":"tool_result","tool_use_id":"call_CTf1nWJLqSeRgDqaCG27xZ74","content":"RuntimeError\('Unexpected error, try again'\)"}
--- no_error_log
[error]



=== TEST 6: gemini thoughtSignature on a function call reaches an OpenAI client in extra_content
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-function-call-thought-signature.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-3-pro-preview;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"weather in SF?"}],"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]}
--- response_body_like: "tool_calls":\[\{"id":"[^"]+","type":"function","function":\{"name":"weather","arguments":"\{\\"location\\":\\"San Francisco\\"\}"\},"extra_content":\{"google":\{"thought_signature":"EskgCsYgAb4\+9vtF7/499YQS2bjZs3xcQI\+iAl\+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5"\}\}\}\]
--- no_error_log
[error]



=== TEST 7: ...and the OpenAI client's next turn gives Gemini the signature back on the functionCall part
--- http_config
    FIXTURES
    ai_gateway_provider g type=gemini url=$TEST_NGINX_FX/200/gemini/response-after-function-response.json/v1beta key_env=AGW_TEST_UPSTREAM_KEY;
    ai_gateway_route gpt-4o g:gemini-3-pro-preview;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[{"role":"user","content":"weather in SF?"},{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"location\":\"San Francisco\"}"},"extra_content":{"google":{"thought_signature":"EskgCsYgAb4+9vtF7/499YQS2bjZs3xcQI+iAl+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5"}}}]},{"role":"tool","tool_call_id":"call_1","content":"{\"temperature\":18}"}],"tools":[{"type":"function","function":{"name":"weather","parameters":{"type":"object"}}}]}
--- response_body_filters eval: [\&AgwFixtures::openai_summary]
--- response_body eval: AgwFixtures::fixture_summary('gemini/response-after-function-response.json', 'gpt-4o')
--- access_log eval
[qr{MOCK POST \S+ .*"role":"model","parts":\[\{"functionCall":\{"name":"weather","args":\{"location":"San Francisco"\}\},"thoughtSignature":"EskgCsYgAb4\+9vtF7/499YQS2bjZs3xcQI\+iAl\+ILn29nK1j0Kg6su7QsUUUk3nrAAfnS2w5WiVvlcCqu9fAebJ2cvfaEyBahEt5"\}},
 qr{MOCK POST \S+ .*"functionResponse":\{"name":"weather","response":\{"temperature":18\}\}}]
--- no_error_log
[error]
