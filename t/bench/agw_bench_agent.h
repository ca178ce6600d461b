/*
 * agw_bench_agent: agent-sized traffic for the benchmarks, in the OpenAI
 * Chat Completions dialect, made deterministically from the wire shapes of
 * t/fixtures/openai-chat (every object is a fixture's object with other
 * values).  The caller turns them into the other dialects with the library.
 */

#ifndef AGW_BENCH_AGENT_H
#define AGW_BENCH_AGENT_H

#include <stddef.h>
#include <jansson.h>

/* Text deltas, then argument fragments of one tool call: 300 in all. */
#define AGW_BENCH_TEXT_DELTAS  250
#define AGW_BENCH_ARG_DELTAS   49

/*
 * An agent's request of about target bytes (compact JSON): a 6 KB system
 * prompt, 20 tools with JSON schemas, a user task and 40 turns of an
 * assistant tool call and its result.  A new reference.
 */
json_t *agw_bench_agent_request(size_t target);

/* A whole answer: a few KB of text and a tool call.  malloc'ed, NUL-ended. */
char *agw_bench_agent_response(size_t *len);

/*
 * A streamed answer as SSE bytes: the role chunk, AGW_BENCH_TEXT_DELTAS
 * text deltas, a tool call start and AGW_BENCH_ARG_DELTAS argument
 * fragments, the finish chunk, the usage chunk and [DONE].  malloc'ed.
 */
char *agw_bench_agent_stream(size_t *len);

/*
 * The same in the Responses API's shapes: the request made from chat's
 * (a new reference), a whole answer, and a stream of the same deltas
 * (framed "event: TYPE" + "data:", as the API sends them).
 */
json_t *agw_bench_responses_request(json_t *chat);
char *agw_bench_responses_answer(size_t *len);
char *agw_bench_responses_stream(size_t *len);

#endif /* AGW_BENCH_AGENT_H */
