/*
 * An OpenAI provider's stream read two ways gives the same: a text chunk
 * read by the head the last walked chunk had (agw_oai_read_repeat(),
 * oai_stream.c) and the same chunk walked (agw_oai_read_walk()).
 * Compared (read_two_ways.h): the OpenAI client's bytes, which event
 * failed and how, the usage.  On every OpenAI chat stream fixture, every
 * chunk of it after every other, crafted variants of a text chunk after
 * the first chunk of each shape (escapes, \u, UTF-8 good and bad, member
 * order, extra members, other ids and models, tool calls, a finish, a
 * usage, obfuscations of each length and form; a call's arguments after
 * its start) and every cut of them,
 * each event's bytes a buffer of their own size (ASan).
 */

#include "read_two_ways.h"
#include "openai/oai_int.h"


/* The chunk shapes of OpenAI's stream (fixtures' bytes): with a null
 * usage and an obfuscation (stream-include-usage), and without
 * (stream-text.sse). */
#define U_HEAD                                                                \
    "{\"id\":\"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0\",\"object\":"          \
    "\"chat.completion.chunk\",\"created\":1770933892,\"model\":"            \
    "\"gpt-4.1-nano-2025-04-14\",\"service_tier\":\"default\","              \
    "\"system_fingerprint\":\"fp_de604bd877\","
#define T_HEAD                                                                \
    "{\"id\":\"chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL\",\"object\":"          \
    "\"chat.completion.chunk\",\"created\":1727346168,\"model\":"            \
    "\"gpt-4o-2024-08-06\",\"system_fingerprint\":\"fp_5050236cbd\","
#define DELTA     "\"choices\":[{\"index\":0,\"delta\":{"
#define TEXT      DELTA "\"content\":"
#define TAIL      "},\"logprobs\":null,\"finish_reason\":null}]"
#define U_REST    ",\"usage\":null,\"obfuscation\":\"yhjoJbEF\"}"
#define CALL(k)   DELTA "\"tool_calls\":[{\"index\":" k ","              \
                  "\"function\":{\"arguments\":"
#define START     DELTA "\"role\":\"assistant\",\"content\":null,"         \
                  "\"tool_calls\":[{\"index\":0,\"id\":\"call_CTf1nWJLqSe\","  \
                  "\"type\":\"function\",\"function\":{\"name\":"          \
                  "\"get_weather\",\"arguments\":\"\"}}],\"refusal\":null"    \
                  TAIL
#define ROLE      DELTA "\"role\":\"assistant\",\"content\":\"\","            \
                  "\"refusal\":null" TAIL

typedef struct {
    const char  *name;
    const char  *head;
    const char  *rest;          /* what a chunk has after its choices */
    const char  *first;         /* the chunk walked first */
} rp_base_t;

static const rp_base_t  rp_bases[] = {
    { "usage and obfuscation", U_HEAD, U_REST, U_HEAD ROLE U_REST },
    { "plain", T_HEAD, "}", T_HEAD ROLE "}" },
    { "usage and obfuscation, text first", U_HEAD, U_REST,
      U_HEAD TEXT "\"Hi\"" TAIL U_REST },
    { "a tool call", T_HEAD, "}", T_HEAD START "}" },
    { "a tool call, usage and obfuscation", U_HEAD, U_REST,
      U_HEAD START U_REST },
};

#define TOOL_BASE  3            /* the first base that opens a call */


/* What a variant is made of: %H head, %R rest; other bytes as they are.
 * repeat: how often the repeat reads it, twice after the first chunk: 2,
 * 1 (walked, then by its own head) or 0; tool: the same after a call's
 * start (a call's arguments after a text: walked, opening the call, then
 * read by the head). */
typedef struct {
    const char  *name;
    const char  *form;
    int          repeat;
    int          tool;
} rp_variant_t;

static const rp_variant_t  rp_variants[] = {
    { "a text", "%H" TEXT "\"world\"" TAIL "%R", 2, 2 },
    /* OpenAI-compatible servers send no logprobs */
    { "no logprobs", "%H" TEXT "\"world\"},\"finish_reason\":null}]%R", 2,
      2 },
    { "no logprobs, arguments", "%H" CALL("0") "\"{}\"}}]},"
      "\"finish_reason\":null}]%R", 1, 2 },
    { "no logprobs, a finish", "%H" TEXT "\"a\"},\"finish_reason\":"
      "\"stop\"}]%R", 0, 0 },
    { "logprobs after the finish", "%H" TEXT "\"a\"},\"finish_reason\":"
      "null,\"logprobs\":null}]%R", 0, 0 },
    { "an empty text", "%H" TEXT "\"\"" TAIL "%R", 2, 2 },
    { "escapes", "%H" TEXT "\"a\\nb\\\"c\\\\d\\/e\\tf\"" TAIL "%R", 2, 2 },
    { "\\u escapes", "%H" TEXT "\"\\u00e9\\ud83d\\ude00 \\u20AC\"" TAIL "%R",
      2, 2 },
    { "UTF-8", "%H" TEXT "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""
      TAIL "%R", 2, 2 },
    { "a long text",
      "%H" TEXT "\"0123456789abcdef0123456789abcdef\\n0123456789abcdef01234"
      "\\\"abcdef0123456789abcdef0123456789abcdef \xc3\xa9 }],\\\"usage\\\""
      "\"" TAIL "%R", 2, 2 },
    { "no obfuscation", "%H" TEXT "\"a\"" TAIL ",\"usage\":null}", 2, 2 },
    { "no usage", "%H" TEXT "\"a\"" TAIL ",\"obfuscation\":\"Qup1\"}", 2, 2 },
    { "neither", "%H" TEXT "\"a\"" TAIL "}", 2, 2 },
    { "an empty obfuscation", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"\"}", 2, 2 },
    { "a one-byte obfuscation", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"Q\"}", 2, 2 },
    { "a 15-byte obfuscation", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"D3WbtIxo1Q2j1Q0\"}", 2, 2 },
    { "a 40-byte obfuscation", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":"
      "\"D3WbtIxo1Q2j1Q0D3WbtIxo1Q2j1Q0D3WbtIxo1Q\"}", 2, 2 },
    { "an obfuscation with escapes", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"a\\\"\\\\\\u00e9b\"}", 2, 2 },
    { "an obfuscation with a bad escape", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"a\\x\"}", 0, 0 },
    { "an obfuscation with bad UTF-8", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"a\xc3\"}", 0, 0 },
    { "an obfuscation with a lone surrogate", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"\\udc00\"}", 0, 0 },
    { "an obfuscation not a string", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":7}", 0, 0 },
    { "an obfuscation unclosed", "%H" TEXT "\"a\"" TAIL
      ",\"usage\":null,\"obfuscation\":\"abc}", 0, 0 },
    { "obfuscation before usage", "%H" TEXT "\"a\"" TAIL
      ",\"obfuscation\":\"ab\",\"usage\":null}", 0, 0 },
    { "two obfuscations", "%H" TEXT "\"a\"" TAIL
      ",\"obfuscation\":\"ab\",\"obfuscation\":\"cd\"}", 0, 0 },
    { "a lone surrogate", "%H" TEXT "\"\\ud83d\"" TAIL "%R", 0, 0 },
    { "\\u0000", "%H" TEXT "\"\\u0000\"" TAIL "%R", 0, 0 },
    { "a bad escape", "%H" TEXT "\"a\\x\"" TAIL "%R", 0, 0 },
    { "UTF-8 cut", "%H" TEXT "\"bad\xc3\"" TAIL "%R", 0, 0 },
    { "a byte never in UTF-8", "%H" TEXT "\"\xff\"" TAIL "%R", 0, 0 },
    { "an overlong", "%H" TEXT "\"\xc0\xaf\"" TAIL "%R", 0, 0 },
    { "a control byte", "%H" TEXT "\"ctl\x01\"" TAIL "%R", 0, 0 },
    { "a raw newline", "%H" TEXT "\"a\nb\"" TAIL "%R", 0, 0 },
    { "a text not a string", "%H" TEXT "42" TAIL "%R", 0, 0 },
    { "a null text", "%H" TEXT "null" TAIL "%R", 0, 0 },
    { "a blank before the text", "%H" TEXT " \"a\"" TAIL "%R", 0, 0 },
    { "a role first", "%H" DELTA "\"role\":\"assistant\",\"content\":\"a\""
      TAIL "%R", 0, 0 },
    { "a refusal after", "%H" TEXT "\"a\",\"refusal\":null" TAIL "%R", 0, 0 },
    { "a refusal", "%H" DELTA "\"refusal\":\"no\"" TAIL "%R", 0, 0 },
    { "reasoning", "%H" DELTA "\"reasoning_content\":\"hm\"" TAIL "%R", 0, 0 },
    { "a finish", "%H" TEXT "\"a\"},\"logprobs\":null,"
      "\"finish_reason\":\"stop\"}]%R", 0, 0 },
    { "a finish alone", "%H" DELTA "},\"logprobs\":null,"
      "\"finish_reason\":\"length\"}]%R", 0, 0 },
    { "index 1", "%H\"choices\":[{\"index\":1,\"delta\":{\"content\":\"a\""
      TAIL "%R", 0, 0 },
    { "two choices", "%H" TEXT "\"a\"},\"logprobs\":null,"
      "\"finish_reason\":null},{\"index\":1,\"delta\":{\"content\":\"b\"},"
      "\"logprobs\":null,\"finish_reason\":null}]%R", 0, 0 },
    { "a tool call's start", "%H" DELTA "\"tool_calls\":[{\"index\":0,"
      "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
      "\"get_weather\",\"arguments\":\"\"}}]" TAIL "%R", 0, 0 },
    { "a tool call's arguments", "%H" CALL("0") "\"{\\\"\"}}]" TAIL "%R",
      1, 2 },
    { "arguments with escapes", "%H" CALL("0")
      "\"{\\\"city\\\": \\\"Par\\u00eds\\\"}\"}}]" TAIL "%R", 1, 2 },
    { "empty arguments", "%H" CALL("0") "\"\"}}]" TAIL "%R", 1, 2 },
    { "arguments of another call", "%H" CALL("1") "\"{}\"}}]" TAIL "%R", 1,
      0 },
    { "arguments of call 10", "%H" CALL("10") "\"{}\"}}]" TAIL "%R", 0, 0 },
    { "arguments of call 01", "%H" CALL("01") "\"{}\"}}]" TAIL "%R", 0, 0 },
    { "an index not a number", "%H" CALL("\"0\"") "\"{}\"}}]" TAIL "%R", 0,
      0 },
    { "an index -1", "%H" CALL("-1") "\"{}\"}}]" TAIL "%R", 0, 0 },
    { "arguments not a string", "%H" CALL("0") "{}}}]" TAIL "%R", 0, 0 },
    { "arguments with bad UTF-8", "%H" CALL("0") "\"\xc3(\"}}]" TAIL "%R",
      0, 0 },
    { "arguments with a bad escape", "%H" CALL("0") "\"\\q\"}}]" TAIL "%R",
      0, 0 },
    { "a name after the arguments", "%H" CALL("0")
      "\"{}\",\"name\":\"f\"}}]" TAIL "%R", 0, 0 },
    { "an id after the call", "%H" CALL("0") "\"{}\"},\"id\":\"c\"}]"
      TAIL "%R", 0, 0 },
    { "two calls", "%H" CALL("0") "\"{}\"}},{\"index\":1,\"function\":"
      "{\"arguments\":\"{}\"}}]" TAIL "%R", 0, 0 },
    { "arguments and a finish", "%H" CALL("0") "\"}\"}}]},\"logprobs\":"
      "null,\"finish_reason\":\"tool_calls\"}]%R", 0, 0 },
    { "arguments unclosed", "%H" CALL("0") "\"{}\"}]" TAIL "%R", 0, 0 },
    { "the calls closed by a brace", "%H" CALL("0") "\"{}\"}}}" TAIL "%R", 0,
      0 },
    { "a usage chunk", "%H\"choices\":[],\"usage\":{\"prompt_tokens\":16,"
      "\"completion_tokens\":300,\"total_tokens\":316,"
      "\"prompt_tokens_details\":{\"cached_tokens\":4}},"
      "\"obfuscation\":\"h9RiQLL\"}", 0, 0 },
    { "a usage with the text", "%H" TEXT "\"a\"" TAIL ",\"usage\":"
      "{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}",
      0, 0 },
    { "an error after", "%H" TEXT "\"a\"" TAIL ",\"error\":{\"message\":"
      "\"x\",\"type\":\"server_error\"}}", 0, 0 },
    { "an extra member", "%H" TEXT "\"a\"" TAIL ",\"x\":1%R", 0, 0 },
    { "a choices twice", "%H" TEXT "\"a\"" TAIL ",\"choices\":[]%R", 0, 0 },
    { "blanks after", "%H" TEXT "\"a\"" TAIL "%R \r\n", 0, 0 },
    { "bytes after", "%H" TEXT "\"a\"" TAIL "%Rx", 0, 0 },
    { "an object after", "%H" TEXT "\"a\"" TAIL "%R{}", 0, 0 },
    { "another id", "{\"id\":\"chatcmpl-other\",\"object\":"
      "\"chat.completion.chunk\",\"created\":1770933892,\"model\":"
      "\"gpt-4.1-nano-2025-04-14\"," TEXT "\"a\"" TAIL "%R", 1, 1 },
    { "another model", "{\"id\":\"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0\","
      "\"object\":\"chat.completion.chunk\",\"created\":1770933892,"
      "\"model\":\"gpt-5\"," TEXT "\"a\"" TAIL "%R", 1, 1 },
    { "choices first", "{" TEXT "\"a\"" TAIL ",\"id\":\"chatcmpl-x\","
      "\"object\":\"chat.completion.chunk\",\"created\":1}", 0, 0 },
    { "the members' order",
      "{\"object\":\"chat.completion.chunk\",\"id\":\"chatcmpl-x\","
      "\"created\":1727346168," TEXT "\"a\"" TAIL "%R", 1, 1 },
};


static void
check_variants(void)
{
    int          want;
    char         name[160];
    size_t       i, v;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *with[2];

    for (i = 0; i < sizeof(rp_bases) / sizeof(rp_bases[0]); i++) {
        with[0] = rp_bases[i].head;
        with[1] = rp_bases[i].rest;

        for (v = 0; v < sizeof(rp_variants) / sizeof(rp_variants[0]); v++) {
            want = i >= TOOL_BASE ? rp_variants[v].tool
                                  : rp_variants[v].repeat;

            rp_make(&b, rp_variants[v].form, "HR", with);
            snprintf(name, sizeof(name), "%s: %s", rp_bases[i].name,
                     rp_variants[v].name);

            rp_check_chunk(rp_bases[i].first, &b, name, want);
        }
    }

    agw_buf_free(&b);
}


int
main(void)
{
    rp_reader.codec = &agw_openai_codec;
    rp_reader.provider = OAI;
    rp_reader.repeat = agw_oai_read_repeat;
    rp_reader.walk = agw_oai_read_walk;

    check_fixture("openai-chat/stream-text.sse");
    check_fixture("openai-chat/stream-tool-calls.sse");
    check_fixture("openai-chat/stream-parallel-tool-calls.sse");
    check_fixture("openai-chat/stream-parallel-tool-calls.interleaved.sse");
    check_fixture("openai-chat/stream-reasoning-usage-azure.chunks.sse");
    check_fixture("openai-chat/stream-include-usage.chunks.sse");
    check_variants();

    return done_testing();
}
