/*
 * agw_anthropic: the Anthropic Messages dialect's stream state (see
 * agw_translate_int.h and docs/translation-anthropic.md).
 *
 * The stream object is zeroed when created, so all-zero is the start state
 * of every field here: counts start at 0, "seen" bits clear, and tool maps
 * store an index plus one so that 0 means "none".  Only the encoder's held
 * tool calls live on the heap: agw_ant_stream_free() releases them.
 */

#ifndef AGW_ANTHROPIC_H
#define AGW_ANTHROPIC_H

#include <stddef.h>
#include <stdint.h>

/* Parallel tool calls one message may carry through the encoder. */
#define AGW_ANTHROPIC_MAX_TOOLS  64

/*
 * Bytes of tool calls the encoder may hold while an earlier call is still
 * streaming (a provider interleaving parallel calls); past it the stream
 * ends with an error event.
 */
#define AGW_ANTHROPIC_MAX_HELD   (4 * 1024 * 1024)

typedef struct agw_anthropic_held_s  agw_anthropic_held_t;

/* Decoder side (Anthropic is the provider): Anthropic events -> hub chunks. */
typedef struct {
    char      id[128];         /* message id from message_start */
    char      model[128];      /* upstream model from message_start */
    int64_t   input;           /* Anthropic's raw usage numbers, folded */
    int64_t   cache_read;      /* from message_start and message_delta */
    int64_t   cache_write;
    int64_t   output;
    int64_t   thinking;
    int64_t   block;           /* index of the open content block */
    int       tools;           /* tool_use blocks seen: next hub index */
    int       tool;            /* hub tool index of the open block */
    unsigned  kind:3;          /* AGW_ANT_BLOCK_* of the open block */
    unsigned  open:1;          /* a content block is open */
    unsigned  seen_input:1;
    unsigned  seen_cache_read:1;
    unsigned  seen_cache_write:1;
    unsigned  seen_output:1;
    unsigned  seen_thinking:1;
    unsigned  started:1;       /* message_start went by */
} agw_anthropic_decoder_t;

/* Encoder side (Anthropic is the client): hub chunks -> Anthropic events. */
typedef struct {
    char      id[128];         /* message id sent in message_start */
    char      stop_reason[32]; /* held until stream_end (usage may follow) */
    int       next_block;      /* index the next content block gets */
    /* hub tool index -> Anthropic block index + 1 (0: not started) */
    int       tool_block[AGW_ANTHROPIC_MAX_TOOLS];
    /* calls waiting for the open tool_use block to end, in arrival order
     * (malloc'd, AGW_ANTHROPIC_MAX_TOOLS entries), and their bytes */
    agw_anthropic_held_t  *held;
    size_t    nheld;
    size_t    held_bytes;
    int       live;            /* hub index of the open tool_use block */
    int       depth;           /* its arguments: JSON nesting so far */
    unsigned  in_str:1;        /* ... inside a string */
    unsigned  esc:1;           /* ... after a backslash in it */
    unsigned  args_done:1;     /* ... a whole object or array */
    unsigned  kind:3;          /* AGW_ANT_BLOCK_* of the open block */
    unsigned  open:1;          /* a content block is open */
    unsigned  signed_:1;       /* the open thinking block got its signature */
    unsigned  started:1;       /* message_start sent */
} agw_anthropic_encoder_t;

/* Frees the tool calls the encoder holds (its end sends them all, so only
 * a stream that failed or was abandoned has any): agw_stream_free() calls
 * it.  NULL: a stream with no Anthropic client. */
void agw_ant_stream_free(agw_anthropic_encoder_t *e);

#endif /* AGW_ANTHROPIC_H */
