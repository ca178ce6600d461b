/*
 * agw_json_writer: the one JSON writer, and the one JSON string escaper.
 *
 * Appends compact JSON to an agw_buf_t.  The writer puts the commas and
 * colons itself (a bit per nesting level says whether the container has
 * an element yet), so dialect writers read as the JSON they produce:
 *
 *     agw_jw_object(w);
 *     agw_jw_key(w, "model");
 *     agw_jw_str(w, &model);
 *     agw_jw_key(w, "max_tokens");
 *     agw_jw_int(w, 4096);
 *     agw_jw_object_end(w);
 *
 * Errors are sticky: the calls return nothing, and w->failed says at the
 * end whether everything was written (out of memory, or nesting past
 * AGW_JW_DEPTH_MAX, which only a bug reaches: values copied whole do not
 * count).  The output is valid JSON when every string and value handed in
 * came from the reader or from the writer's own escaper.
 */

#ifndef AGW_JSON_WRITER_H
#define AGW_JSON_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "agw_buf.h"
#include "agw_str.h"

#define AGW_JW_DEPTH_MAX  63

typedef struct agw_jw_s  agw_jw_t;

struct agw_jw_s {
    agw_buf_t  *out;
    uint64_t    more;       /* bit d: the container at depth d has an
                               element, the next one needs a comma */
    uint32_t    depth;
    int         key;        /* a key was written, its value is next */
    int         failed;
    /* when set (agw_jw_init() leaves it unset), a string's inside or a
     * value's text of at least runs_min bytes, as it came, goes to runs
     * instead of being copied: a translation leaves the client's long
     * strings where they are (agw_body_refs.h) */
    void      (*runs)(void *data, agw_jw_t *w, const char *p, size_t len);
    void       *runs_data;
    size_t      runs_min;
};

void agw_jw_init(agw_jw_t *w, agw_buf_t *out);

void agw_jw_object(agw_jw_t *w);
void agw_jw_object_end(agw_jw_t *w);
void agw_jw_array(agw_jw_t *w);
void agw_jw_array_end(agw_jw_t *w);

/* A member's key: a name of the code's own (a literal or a table's:
 * ASCII, nothing to escape, copied as it is), or a string of any kind. */
#define agw_jw_key(w, lit)  agw_jw_key_n((w), (lit), sizeof(lit) - 1)
void agw_jw_key_n(agw_jw_t *w, const char *key, size_t len);
void agw_jw_key_str(agw_jw_t *w, const agw_str_t *key);

/*
 * A string value: a JSON-kind string copied as it came, BYTES escaped.
 * A VALUE becomes the string of its text (OpenAI's tool arguments are a
 * JSON object's text inside a string): escaped.
 */
void agw_jw_str(agw_jw_t *w, const agw_str_t *s);
#define agw_jw_lit(w, lit)  agw_jw_bytes((w), (lit), sizeof(lit) - 1)
void agw_jw_bytes(agw_jw_t *w, const char *p, size_t len);

/*
 * A value's text written as it is (a VALUE, a number).  A JSON-kind
 * string here means "the JSON text this string holds" (the reverse of
 * the above: Anthropic's tool input from OpenAI's arguments): its
 * characters are written unescaped; the caller validated them.
 */
void agw_jw_raw(agw_jw_t *w, const agw_str_t *v);
void agw_jw_int(agw_jw_t *w, int64_t v);
void agw_jw_bool(agw_jw_t *w, int v);
void agw_jw_null(agw_jw_t *w);

/*
 * Bytes appended outside the JSON structure (SSE framing: "data: ",
 * "\n\n"), and the part of a string between its quotes: for events that
 * are a fixed template around one escaped string.
 */
void agw_jw_append(agw_jw_t *w, const char *p, size_t len);
void agw_jw_escape(agw_jw_t *w, const char *p, size_t len);

/*
 * A JSON value's text (a VALUE, validated) as the inside of a string
 * holding it compact: white space outside its strings dropped, quotes and
 * backslashes escaped (OpenAI's tool arguments from another dialect's
 * input object).  Appended, as agw_jw_escape() appends.
 */
void agw_jw_value_inside(agw_jw_t *w, const agw_str_t *v);

/* After an agw_jw_append() that ended a document: a new one begins. */
void agw_jw_reset_state(agw_jw_t *w);

/* After an agw_jw_append() of a new document's "{" and first members (a
 * fixed opening, an event's): the writer goes on inside that object, as
 * agw_jw_object() and the members would have left it. */
void agw_jw_object_appended(agw_jw_t *w);

#endif /* AGW_JSON_WRITER_H */
