/*
 * A Gemini provider's stream read two ways gives the same: a text chunk
 * read by the bytes the last chunk walked had (agw_gem_read_repeat(),
 * gem_stream_read.c) and the same chunk walked (agw_gem_read_walk()).
 * Compared: the OpenAI client's bytes, which event failed and how, the
 * usage.  On every Gemini stream fixture, every chunk of it after every
 * other, crafted variants of a text chunk after chunks of each shape
 * (escapes, \u, UTF-8 good and bad, member order, extra members,
 * several parts and candidates, a finish, other ids, usages and counts)
 * and every cut of them.  Each event's bytes are a buffer of their own size
 * (ASan sees a read past them: no reader relies on a NUL after them).
 */

#include "read_two_ways.h"
#include "gemini/gem_int.h"


/* The chunk shapes of Gemini's stream (fixtures' bytes): compact, as
 * gemini-3 sends it, and with blanks, as gemini-2.5 did. */
#define C_HEAD  "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
#define C_TAIL  "}],\"role\":\"model\"},\"index\":0}]"
#define C_IDS   ",\"modelVersion\":\"gemini-3-pro-preview\","                 \
                "\"responseId\":\"dX6LadKVC7SZ28oPr9yJoQs\"}"
#define C_USAGE(n)                                                            \
    ",\"usageMetadata\":{\"promptTokenCount\":9,\"candidatesTokenCount\":"    \
    n ",\"totalTokenCount\":275,\"promptTokensDetails\":[{\"modality\":"      \
    "\"TEXT\",\"tokenCount\":9}],\"thoughtsTokenCount\":256}"
#define B_HEAD  "{\"candidates\": [{\"content\": {\"parts\": [{\"text\": "
#define B_TAIL  "}], \"role\": \"model\"}, \"index\": 0}]"
#define B_REST(n)                                                             \
    ", \"modelVersion\": \"gemini-2.5-flash\", \"responseId\": "              \
    "\"tS77aIl-4ZvV7w_A9rTBBg\", \"turnToken\": \"v1:ChZ0Uzc3\", "            \
    "\"usageMetadata\": {\"candidatesTokenCount\": " n ", "                   \
    "\"promptTokenCount\": 20, \"totalTokenCount\": 330}}"

#define C_USAGE_IDS(u)  ",\"usageMetadata\":{" u "}" C_IDS
#define C_TWO(p, c)                                                           \
    C_USAGE_IDS("\"promptTokenCount\":" p ",\"candidatesTokenCount\":" c)

typedef struct {
    const char  *name;
    const char  *head;
    const char  *tail;
    const char  *rest;          /* what a chunk repeats after its tail */
    const char  *rest2;         /* the same with another usage */
    const char  *thought;
    const char  *first;         /* the chunk walked first */
} rp_base_t;

static const rp_base_t  rp_bases[] = {
    { "compact", C_HEAD, C_TAIL, C_IDS, C_IDS, ",\"thought\":true",
      C_HEAD "\"Hello\"" C_TAIL C_IDS },
    { "compact, usage", C_HEAD, C_TAIL, C_USAGE("10") C_IDS,
      C_USAGE("29") C_IDS, ",\"thought\":true",
      C_HEAD "\"Hello\"" C_TAIL C_USAGE("3") C_IDS },
    { "blanks, usage last", B_HEAD, B_TAIL, B_REST("50"), B_REST("61"),
      ", \"thought\": true", B_HEAD "\"Hello\"" B_TAIL B_REST("4") },
    { "compact, a thought first", C_HEAD, C_TAIL, C_IDS, C_IDS,
      ",\"thought\":true",
      C_HEAD "\"Hmm\",\"thought\":true" C_TAIL C_IDS },
    { "compact, two counts", C_HEAD, C_TAIL, C_TWO("5", "3"),
      C_TWO("0", "0"), ",\"thought\":true",
      C_HEAD "\"Hello\"" C_TAIL C_TWO("5", "3") }
};


/* What a variant is made of: %H head, %T tail, %R rest, %S another
 * usage's rest, %F the thought flag; other bytes as they are. */
typedef struct {
    const char  *name;
    const char  *form;
    int          repeat;        /* how often the repeat reads it, twice
                                   after the first chunk: 2, 1 (walked,
                                   then by its own bytes) or 0 */
    int          only;          /* 1 + the base it is for; 0: each */
} rp_variant_t;

static const rp_variant_t  rp_variants[] = {
    { "a text", "%H\"world\"%T%R", 2, 0 },
    { "an empty text", "%H\"\"%T%R", 2, 0 },
    { "escapes", "%H\"a\\nb\\\"c\\\\d\\/e\\tf\"%T%R", 2, 0 },
    { "\\u escapes", "%H\"\\u00e9\\ud83d\\ude00 \\u20AC\"%T%R", 2, 0 },
    { "UTF-8", "%H\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"%T%R", 2, 0 },
    { "a long text",
      "%H\"0123456789abcdef0123456789abcdef\\n0123456789abcdef0123456789"
      "\\\"abcdef0123456789abcdef0123456789abcdef \xc3\xa9 }],\\\"role\\\""
      "\"%T%R", 2, 0 },
    { "a thought", "%H\"I think\"%F%T%R", 2, 0 },
    { "another usage", "%H\"u\"%T%S", 2, 0 },
    { "a lone surrogate", "%H\"\\ud83d\"%T%R", 0, 0 },
    { "\\u0000", "%H\"\\u0000\"%T%R", 0, 0 },
    { "a bad escape", "%H\"a\\x\"%T%R", 0, 0 },
    { "UTF-8 cut", "%H\"bad\xc3\"%T%R", 0, 0 },
    { "a byte never in UTF-8", "%H\"\xff\"%T%R", 0, 0 },
    { "an overlong", "%H\"\xc0\xaf\"%T%R", 0, 0 },
    { "a control byte", "%H\"ctl\x01\"%T%R", 0, 0 },
    { "a raw newline", "%H\"a\nb\"%T%R", 0, 0 },
    { "a text not a string", "%H42%T%R", 0, 0 },
    { "thought false", "%H\"t\",\"thought\":false%T%R", 0, 0 },
    { "a signature", "%H\"t\",\"thoughtSignature\":\"c2ln\"%T%R", 0, 0 },
    { "two parts", "%H\"a\"},{\"text\":\"b\"%T%R", 0, 0 },
    { "a call after",
      "%H\"a\"},{\"functionCall\":{\"name\":\"f\",\"args\":{}}%T%R", 0, 0 },
    { "two candidates",
      "%H\"a\"}],\"role\":\"model\"},\"index\":0},{\"content\":{\"parts\":"
      "[{\"text\":\"b\"}],\"role\":\"model\"},\"index\":1}]%R", 0, 0 },
    { "a finish",
      "%H\"a\"}],\"role\":\"model\"},\"finishReason\":\"STOP\","
      "\"index\":0}]%R", 0, 0 },
    { "index first",
      "{\"candidates\":[{\"index\":0,\"content\":{\"parts\":[{\"text\":"
      "\"a\"}],\"role\":\"model\"}}]%R", 0, 0 },
    { "another model", "%H\"a\"%T,\"modelVersion\":\"other\","
      "\"responseId\":\"dX6LadKVC7SZ28oPr9yJoQs\"}", 1, 0 },
    { "ids only", "%H\"a\"%T}", 1, 0 },
    { "an error after", "%H\"a\"%T,\"error\":{\"code\":500,"
      "\"message\":\"x\",\"status\":\"INTERNAL\"}}", 0, 0 },
    { "candidates again", "%H\"a\"%T,\"candidates\":[]}", 0, 0 },
    { "blanks after", "%H\"a\"%T%R \r\n", 1, 0 },
    { "bytes after", "%H\"a\"%T%Rx", 0, 0 },
    { "an object after", "%H\"a\"%T%R{}", 0, 0 },
    { "the other shape", "{\"candidates\": [{\"content\": {\"parts\": "
      "[{\"text\": \"a\"}], \"role\": \"model\"}, \"index\": 0}]}", 1, 0 },

    /* the usage's counts, read where the first chunk had integers */
    { "counts negative", "%H\"u\"%T" C_USAGE("-3") C_IDS, 2, 2 },
    { "a blank before a count", "%H\"u\"%T" C_USAGE(" 7") C_IDS, 2, 2 },
    { "a count a fraction", "%H\"u\"%T" C_USAGE("29.5") C_IDS, 0, 2 },
    { "a count with an exponent", "%H\"u\"%T" C_USAGE("1e2") C_IDS, 0, 2 },
    { "a count past int64", "%H\"u\"%T" C_USAGE("99999999999999999999")
      C_IDS, 0, 2 },
    { "a count with a zero first", "%H\"u\"%T" C_USAGE("01") C_IDS, 0, 2 },
    { "a count 0", "%H\"u\"%T" C_USAGE("0") C_IDS, 2, 2 },
    { "a count of 18 digits", "%H\"u\"%T" C_USAGE("123456789012345678")
      C_IDS, 2, 2 },
    { "a count of 19 digits", "%H\"u\"%T" C_USAGE("1234567890123456789")
      C_IDS, 2, 2 },
    { "a count then a letter", "%H\"u\"%T" C_USAGE("29x") C_IDS, 0, 2 },
    { "a count a string", "%H\"u\"%T" C_USAGE("\"29\"") C_IDS, 1, 2 },
    { "a usage null", "%H\"u\"%T,\"usageMetadata\":null" C_IDS, 1, 2 },
    { "the usage's keys in snake case", "%H\"u\"%T"
      C_USAGE_IDS("\"prompt_token_count\":9,\"candidates_token_count\":29,"
                  "\"thoughts_token_count\":4,"
                  "\"cached_content_token_count\":2,"
                  "\"tool_use_prompt_token_count\":1"), 1, 2 },
    { "a count twice", "%H\"u\"%T"
      C_USAGE_IDS("\"promptTokenCount\":9,\"promptTokenCount\":12"), 1, 2 },
    { "nine counts", "%H\"u\"%T"
      C_USAGE_IDS("\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,"
                  "\"g\":7,\"h\":8,\"promptTokenCount\":9"), 0, 2 },
    { "other details", "%H\"u\"%T"
      C_USAGE_IDS("\"promptTokenCount\":9,\"promptTokensDetails\":"
                  "[{\"modality\":\"TEXT\",\"tokenCount\":10}]"), 1, 2 },
};


static void
check_variants(void)
{
    char         name[160];
    size_t       i, v;
    agw_buf_t    b = AGW_BUF_INIT;
    const char  *with[5];

    for (i = 0; i < sizeof(rp_bases) / sizeof(rp_bases[0]); i++) {
        with[0] = rp_bases[i].head;
        with[1] = rp_bases[i].tail;
        with[2] = rp_bases[i].rest;
        with[3] = rp_bases[i].rest2;
        with[4] = rp_bases[i].thought;

        for (v = 0; v < sizeof(rp_variants) / sizeof(rp_variants[0]); v++) {
            if (rp_variants[v].only && rp_variants[v].only != (int) i + 1) {
                continue;
            }

            rp_make(&b, rp_variants[v].form, "HTRSF", with);
            snprintf(name, sizeof(name), "%s: %s", rp_bases[i].name,
                     rp_variants[v].name);

            rp_check_chunk(rp_bases[i].first, &b, name,
                           rp_variants[v].repeat);
        }
    }

    agw_buf_free(&b);
}


int
main(void)
{
    rp_reader.codec = &agw_gemini_codec;
    rp_reader.provider = GEM;
    rp_reader.repeat = agw_gem_read_repeat;
    rp_reader.walk = agw_gem_read_walk;

    check_fixture("gemini/stream-text-usage.chunks.jsonl");
    check_fixture("gemini/stream-reasoning.chunks.jsonl");
    check_fixture("gemini/stream-function-call.chunks.jsonl");
    check_fixture("gemini/stream-function-call-partial-args-vertex"
                  ".chunks.jsonl");
    check_fixture("gemini/stream-text.sse");
    check_variants();

    return done_testing();
}
