/*
 * agw_ir: the intermediate form of a chat exchange, the middle of every
 * translation: a dialect's reader turns its JSON into this form and a
 * dialect's writer turns this form into its JSON, so four dialects need
 * four readers and four writers, not twelve converters, and no dialect is
 * the model of the others.
 *
 * Strings are slices of the input bytes (agw_str.h): a reader copies
 * nothing, a writer copies them into its output once.  Nodes come from
 * one arena per translation (agw_arena.h).  Lists are singly linked, in
 * the order they came.
 *
 * What a field means is written here once; what each dialect makes of it
 * is in its reader and writer and in docs/translation-*.md.  A field a
 * reader did not see is unset: agw_str_set() false, an int64 -1, an
 * enum's _UNSET.  A writer never invents a value for an unset field but
 * the ones its dialect requires (Anthropic's max_tokens).
 */

#ifndef AGW_IR_H
#define AGW_IR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agw_str.h"
#include "agw_usage.h"
#include "agw_arena.h"
#include "agw_error.h"


/* Content: the parts of a message, of an answer, of a tool result. */

typedef enum {
    AGW_PART_TEXT = 1,
    AGW_PART_IMAGE,             /* url, or data + media_type */
    AGW_PART_DOCUMENT,          /* a file (PDF...): url, data + media_type,
                                   or file_id; name optional */
    AGW_PART_AUDIO,             /* input audio: data + format (wav, mp3) */
    AGW_PART_THINKING,          /* reasoning text; signature when the
                                   provider signed it (Anthropic thinking,
                                   Gemini thought) */
    AGW_PART_REDACTED_THINKING, /* data: Anthropic's encrypted block */
    AGW_PART_REASONING,         /* a Responses reasoning item: id, summary
                                   parts (text), encrypted_content */
    AGW_PART_TOOL_CALL,         /* assistant: id, name, args */
    AGW_PART_TOOL_RESULT,       /* user/tool: id (the call's), name when
                                   known, content (parts), is_error */
    AGW_PART_REFUSAL,           /* assistant: text */
    AGW_PART_OTHER              /* a dialect's own block, kept whole in
                                   raw (VALUE) for a writer of the same
                                   dialect; others drop or refuse it */
} agw_part_type_t;

typedef enum {
    AGW_CACHE_CONTROL_NONE = 0,
    AGW_CACHE_CONTROL_EPHEMERAL         /* Anthropic cache_control breakpoint;
                                   ttl in cache_ttl when given */
} agw_cache_control_t;

typedef struct agw_part_s  agw_part_t;

struct agw_part_s {
    agw_part_t       *next;
    agw_part_type_t   type;
    uint8_t           cache;        /* agw_cache_control_t */
    uint8_t           is_error;     /* TOOL_RESULT */
    uint8_t           args_string;  /* TOOL_CALL: args is a JSON string's
                                       inside holding JSON text (OpenAI
                                       arguments), else a VALUE object */

    agw_str_t         text;         /* TEXT, THINKING, REFUSAL; TOOL_RESULT
                                       given as one string */
    agw_str_t         signature;    /* THINKING: Anthropic signature;
                                       any part: Gemini thoughtSignature */
    agw_str_t         id;           /* TOOL_CALL, TOOL_RESULT, REASONING */
    agw_str_t         name;         /* TOOL_CALL, TOOL_RESULT; DOCUMENT's
                                       file name */
    agw_str_t         args;         /* TOOL_CALL, see args_string */
    agw_str_t         url;          /* IMAGE, DOCUMENT */
    agw_str_t         data;         /* IMAGE, DOCUMENT, AUDIO: base64;
                                       REDACTED_THINKING; REASONING's
                                       encrypted_content */
    agw_str_t         media_type;   /* IMAGE, DOCUMENT: MIME type */
    agw_str_t         format;       /* AUDIO: wav, mp3; IMAGE: detail */
    agw_str_t         file_id;      /* DOCUMENT, IMAGE: a provider's file */
    agw_str_t         cache_ttl;    /* cache == EPHEMERAL: "5m", "1h" */
    agw_str_t         raw;          /* OTHER; TOOL_RESULT's Gemini
                                       response object */
    agw_part_t       *content;      /* TOOL_RESULT: its parts (text,
                                       images); REASONING: summary parts */
    uint32_t          dialect;      /* OTHER: the dialect raw is in */
};


/* Requests */

typedef enum {
    AGW_ROLE_SYSTEM = 1,        /* also OpenAI's developer: see below */
    AGW_ROLE_USER,
    AGW_ROLE_ASSISTANT,
    AGW_ROLE_TOOL               /* OpenAI's tool message: one TOOL_RESULT */
} agw_role_t;

typedef struct agw_msg_s  agw_msg_t;

struct agw_msg_s {
    agw_msg_t        *next;
    agw_role_t        role;
    uint8_t           developer;    /* SYSTEM that came as "developer" */
    uint8_t           string;       /* content came as a plain string */
    agw_str_t         name;         /* OpenAI's participant name */
    agw_part_t       *parts;
    agw_str_t         id;           /* Responses: the item's id */
};

typedef enum {
    AGW_TOOL_FUNCTION = 1,
    AGW_TOOL_OTHER              /* a provider's own tool (web search, code
                                   execution, Anthropic bash...): raw */
} agw_tool_type_t;

typedef struct agw_tool_s  agw_tool_t;

struct agw_tool_s {
    agw_tool_t       *next;
    agw_tool_type_t   type;
    uint8_t           cache;        /* agw_cache_control_t */
    int8_t            strict;       /* -1 unset, 0, 1 */
    agw_str_t         name;
    agw_str_t         description;
    agw_str_t         parameters;   /* a JSON Schema object (VALUE) */
    agw_str_t         cache_ttl;
    agw_str_t         raw;          /* OTHER: the whole declaration */
    uint32_t          dialect;      /* OTHER: the dialect raw is in */
};

typedef enum {
    AGW_TOOL_CHOICE_UNSET = 0,
    AGW_TOOL_CHOICE_AUTO,
    AGW_TOOL_CHOICE_NONE,
    AGW_TOOL_CHOICE_REQUIRED,   /* any tool (Anthropic any, Gemini ANY) */
    AGW_TOOL_CHOICE_TOOL        /* the one named tool_choice_name */
} agw_tool_choice_t;

typedef enum {
    AGW_FORMAT_UNSET = 0,
    AGW_FORMAT_TEXT,
    AGW_FORMAT_JSON_OBJECT,
    AGW_FORMAT_JSON_SCHEMA      /* schema (VALUE), name, strict */
} agw_format_t;

typedef enum {
    AGW_EFFORT_UNSET = 0,
    AGW_EFFORT_NONE,
    AGW_EFFORT_MINIMAL,
    AGW_EFFORT_LOW,
    AGW_EFFORT_MEDIUM,
    AGW_EFFORT_HIGH,
    AGW_EFFORT_XHIGH
} agw_effort_t;

typedef struct {
    agw_str_t          model;
    uint8_t            stream;          /* the body asked for a stream */
    uint8_t            include_usage;   /* OpenAI stream_options */
    int8_t             parallel_tools;  /* -1 unset, 0, 1 */
    int8_t             store;           /* -1 unset, 0, 1 */

    /* the system prompt given apart from the turns (Anthropic system,
     * Gemini systemInstruction, Responses instructions); system
     * messages among the turns stay where they came, as SYSTEM
     * messages: each writer puts them where its dialect keeps their
     * meaning */
    agw_part_t        *system;
    agw_msg_t         *messages;
    agw_tool_t        *tools;

    agw_tool_choice_t  tool_choice;
    agw_str_t          tool_choice_name;

    int64_t            max_tokens;      /* -1 unset */
    agw_str_t          temperature;     /* numbers as their text (VALUE) */
    agw_str_t          top_p;
    agw_str_t          top_k;
    agw_str_t          presence_penalty;
    agw_str_t          frequency_penalty;
    agw_str_t          seed;
    int64_t            n;               /* candidates; -1 unset */
    agw_part_t        *stop;            /* TEXT parts: stop sequences */

    agw_format_t       format;
    agw_str_t          format_name;
    agw_str_t          format_schema;   /* VALUE */
    int8_t             format_strict;   /* -1 unset */

    agw_effort_t       effort;          /* reasoning effort asked */
    int64_t            thinking_budget; /* tokens; -1 unset, 0 off */
    int8_t             thinking;        /* -1 unset, 0 disabled, 1 on */
    int8_t             include_thoughts;/* -1 unset: Gemini includeThoughts,
                                           Responses reasoning.summary */
    agw_str_t          reasoning_summary; /* Responses: auto, concise... */

    agw_str_t          user;            /* end-user id (OpenAI user,
                                           Anthropic metadata.user_id) */
    agw_str_t          service_tier;

    /* Responses only */
    agw_str_t          previous_response_id;
    agw_str_t          conversation;    /* a stored conversation's id */
    uint8_t            include_encrypted;  /* include[] asks for
                                              reasoning.encrypted_content */
    agw_str_t          truncation;
} agw_request_t;

/* A request with every field unset, as a reader starts one. */
static inline void
agw_request_init(agw_request_t *req)
{
    memset(req, 0, sizeof(*req));
    req->parallel_tools = -1;
    req->store = -1;
    req->max_tokens = -1;
    req->n = -1;
    req->format_strict = -1;
    req->thinking_budget = -1;
    req->thinking = -1;
    req->include_thoughts = -1;
}


/* Answers */

typedef enum {
    AGW_FINISH_UNSET = 0,
    AGW_FINISH_STOP,            /* the model ended its turn */
    AGW_FINISH_STOP_SEQUENCE,   /* a stop sequence matched: stop_sequence */
    AGW_FINISH_LENGTH,          /* max tokens (or context window) */
    AGW_FINISH_TOOL_CALLS,
    AGW_FINISH_CONTENT_FILTER,  /* safety, recitation, refusal */
    AGW_FINISH_PAUSE,           /* Anthropic pause_turn */
    AGW_FINISH_OTHER            /* a reason the dialect has no name for */
} agw_finish_t;

typedef struct {
    agw_str_t          id;
    agw_str_t          model;       /* the provider's; writers put the
                                       client's own name instead */
    int64_t            created;     /* Unix time; -1 unset */
    agw_part_t        *parts;       /* in the order they came */
    agw_finish_t       finish;
    agw_str_t          stop_sequence;
    agw_str_t          finish_raw;  /* the provider's own reason */
    agw_usage_t        usage;
    uint8_t            blocked;     /* Gemini promptFeedback.blockReason:
                                       no candidate at all */
} agw_response_t;


/*
 * Stream steps.  A stream reader turns each provider event into zero or
 * more steps; a stream writer turns each step into client events.  The
 * sequence is a well-formed one whatever the provider did: the reader
 * (agw_ir_stream.c helps) closes a block before opening the next, holds
 * the fragments of a tool call interleaved with another's until its turn,
 * and gives each block its index in the answer's order.
 *
 *   START            id, model, usage so far (Anthropic's input count)
 *   BLOCK_START      index, part (type TEXT, THINKING, REDACTED_THINKING,
 *                    TOOL_CALL with id and name, REFUSAL; REDACTED's data)
 *   DELTA            index, text: the next piece of the block's text,
 *                    thinking, or tool arguments (a JSON string's inside)
 *   SIGNATURE        index, text: a thinking block's signature, or a
 *                    Gemini thoughtSignature for the block
 *   BLOCK_STOP       index
 *   FINISH           finish, stop_sequence
 *   USAGE            usage (fields set overwrite)
 *   END              the provider's end of stream
 *   ERROR            error (the provider's error event)
 */

typedef enum {
    AGW_STEP_START = 1,
    AGW_STEP_BLOCK_START,
    AGW_STEP_DELTA,
    AGW_STEP_SIGNATURE,
    AGW_STEP_BLOCK_STOP,
    AGW_STEP_FINISH,
    AGW_STEP_USAGE,
    AGW_STEP_END,
    AGW_STEP_ERROR
} agw_step_type_t;

typedef struct {
    agw_step_type_t    type;
    uint32_t           index;       /* block index, from 0, answer order */
    agw_str_t          id;          /* START */
    agw_str_t          model;       /* START */
    int64_t            created;     /* START; -1 unset */
    const agw_part_t  *part;        /* BLOCK_START */
    agw_str_t          text;        /* DELTA, SIGNATURE */
    agw_finish_t       finish;      /* FINISH */
    agw_str_t          stop_sequence;
    const agw_usage_t *usage;       /* START, USAGE */
    const agw_error_t *error;       /* ERROR */
} agw_step_t;

#endif /* AGW_IR_H */
