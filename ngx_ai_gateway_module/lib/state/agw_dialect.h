/*
 * agw_dialect: the API dialects the gateway speaks, on either side.
 *
 * A client dialect is what a location serves; a provider dialect is what a
 * provider type speaks upstream.  Azure OpenAI and every OpenAI-compatible
 * server speak AGW_DIALECT_OPENAI; they differ only in URL and auth header,
 * which is the module's business, not the translator's.
 */

#ifndef AGW_DIALECT_H
#define AGW_DIALECT_H

typedef enum {
    AGW_DIALECT_OPENAI = 0,     /* OpenAI Chat Completions */
    AGW_DIALECT_ANTHROPIC,      /* Anthropic Messages */
    AGW_DIALECT_GEMINI,         /* Google Gemini generateContent */
    AGW_DIALECT_RESPONSES,      /* OpenAI Responses */
    AGW_DIALECT_MAX
} agw_dialect_t;

/* "openai", "anthropic", "gemini", "responses". */
const char *agw_dialect_name(agw_dialect_t d);

#endif /* AGW_DIALECT_H */
