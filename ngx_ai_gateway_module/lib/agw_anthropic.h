/*
 * agw_anthropic: the Anthropic Messages dialect's stream state (see
 * agw_translate_int.h and docs/translation-anthropic.md).
 *
 * The stream object is zeroed when created, so all-zero is the start state
 * of every field here: counts start at 0, "seen" bits clear, and tool maps
 * store an index plus one so that 0 means "none".  Nothing here points to
 * the heap: the stream can be freed without knowing this dialect.
 */

#ifndef AGW_ANTHROPIC_H
#define AGW_ANTHROPIC_H

#include <stdint.h>

/* Parallel tool calls one message may carry through the encoder. */
#define AGW_ANTHROPIC_MAX_TOOLS  64

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
    unsigned  kind:3;          /* AGW_ANT_BLOCK_* of the open block */
    unsigned  open:1;          /* a content block is open */
    unsigned  signed_:1;       /* the open thinking block got its signature */
    unsigned  started:1;       /* message_start sent */
} agw_anthropic_encoder_t;

typedef struct {
    agw_anthropic_decoder_t  dec;
    agw_anthropic_encoder_t  enc;
} agw_anthropic_stream_t;

#endif /* AGW_ANTHROPIC_H */
