/*
 * The engine's Gemini codec joined to another dialect's codec on what
 * agents send: the fixtures through every pair are t/golden's
 * (test_golden), these the cases asserted by what they must hold.
 */

#include "x_gemini.h"


/*
 * What Claude Code sends: a system message in the middle of
 * messages, thinking with its signature, a
 * redacted block, cache_control markers, a tool call and its result.
 */
static void
check_agent(void)
{
    json_t       *j, *want;
    agw_error_t   err;

    static const char  body[] =
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,"
        "\"system\":[{\"type\":\"text\",\"text\":\"You are Claude Code.\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}],"
        "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2000},"
        "\"messages\":["
        "{\"role\":\"user\",\"content\":\"list files\"},"
        "{\"role\":\"assistant\",\"content\":["
        "{\"type\":\"thinking\",\"thinking\":\"use ls\","
        "\"signature\":\"EqQBCkYI\"},"
        "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},"
        "{\"type\":\"text\",\"text\":\"Listing.\"},"
        "{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"Bash\","
        "\"input\":{\"command\":\"ls\"}}]},"
        "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
        "\"tool_use_id\":\"toolu_1\",\"content\":\"a.c\\nb.c\","
        "\"cache_control\":{\"type\":\"ephemeral\"}}]},"
        "{\"role\":\"system\",\"content\":\"The user is in a hurry.\"},"
        "{\"role\":\"user\",\"content\":\"and now?\"}],"
        "\"tools\":[{\"name\":\"Bash\",\"description\":\"Run a command\","
        "\"input_schema\":{\"type\":\"object\",\"properties\":"
        "{\"command\":{\"type\":\"string\"}}}}]}";

    j = xg_request(ANT, GEM, body, sizeof(body) - 1, &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }
    want = json_loads(
        "{\"contents\":["
        "{\"role\":\"user\",\"parts\":[{\"text\":\"list files\"}]},"
        "{\"role\":\"model\",\"parts\":[{\"text\":\"Listing.\"},"
        "{\"functionCall\":{\"name\":\"Bash\",\"args\":{\"command\":"
        "\"ls\"}},\"thoughtSignature\":\"skip_thought_signature_validator\"}"
        "]},"
        "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":"
        "\"Bash\",\"response\":{\"content\":\"a.c\\nb.c\"}}}]},"
        "{\"role\":\"user\",\"parts\":[{\"text\":\"and now?\"}]}],"
        "\"systemInstruction\":{\"parts\":[{\"text\":\"You are Claude "
        "Code.\"},{\"text\":\"The user is in a hurry.\"}]},"
        "\"tools\":[{\"functionDeclarations\":[{\"name\":\"Bash\","
        "\"description\":\"Run a command\",\"parametersJsonSchema\":"
        "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":"
        "\"string\"}}}}]}],"
        "\"generationConfig\":{\"maxOutputTokens\":1000,"
        "\"thinkingConfig\":{\"thinkingBudget\":2000,"
        "\"includeThoughts\":true}}}", 0, NULL);
    xg_json_eq(j, want, "Claude Code's request to Gemini: the mid-conversation "
          "system message joins systemInstruction in order; thinking, "
          "Anthropic signatures and cache markers are not sent");
    json_decref(j);
    json_decref(want);
}


/* A Gemini thinkingBudget reaches Anthropic as it is (the old path
 * bucketed 3000 to 8192 and raised max_tokens past it;
 * docs/translation-gemini.md). */
static void
check_budget(void)
{
    json_t       *j, *want;
    agw_error_t   err;

    static const char  body[] =
        "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
        "{\"thinkingConfig\":{\"thinkingBudget\":3000,"
        "\"includeThoughts\":true},\"maxOutputTokens\":8000}}";

    j = xg_request(GEM, ANT, body, sizeof(body) - 1, &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }
    want = json_loads("{\"max_tokens\":8000,\"messages\":[{\"content\":"
                      "[{\"text\":\"q\",\"type\":\"text\"}],\"role\":"
                      "\"user\"}],\"model\":\"up-model\",\"thinking\":"
                      "{\"budget_tokens\":3000,\"type\":\"enabled\"}}", 0,
                      NULL);
    xg_json_eq(j, want, "a Gemini thinkingBudget reaches Anthropic as it is");
    json_decref(j);
    json_decref(want);
}


/* Anthropic refuses a thinking budget under 1024 tokens: a Gemini
 * client's smaller one is raised to it, and max_tokens stays above it. */
static void
check_small_budget(void)
{
    json_t       *j, *want;
    agw_error_t   err;

    static const char  body[] =
        "{\"contents\":[{\"parts\":[{\"text\":\"q\"}]}],\"generationConfig\":"
        "{\"thinkingConfig\":{\"thinkingBudget\":100},"
        "\"maxOutputTokens\":500}}";

    j = xg_request(GEM, ANT, body, sizeof(body) - 1, &err);
    if (j == NULL) {
        tap_diag("refused: %s", err.message);
    }
    want = json_loads("{\"max_tokens\":1524,\"messages\":[{\"content\":"
                      "[{\"text\":\"q\",\"type\":\"text\"}],\"role\":"
                      "\"user\"}],\"model\":\"up-model\",\"thinking\":"
                      "{\"budget_tokens\":1024,\"type\":\"enabled\"}}", 0,
                      NULL);
    xg_json_eq(j, want, "a Gemini thinkingBudget under Anthropic's minimum "
               "reaches it as 1024, max_tokens above it");
    json_decref(j);
    json_decref(want);
}


int
main(void)
{
    check_agent();
    check_budget();
    check_small_budget();

    return done_testing();
}
