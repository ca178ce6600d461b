/*
 * agw_policy: a client key's request policy (agw_request_policy_t in
 * agw_codec.h), the parts every dialect shares: the decision on the output
 * cap, the policy applied to the form (the translated path), and the
 * edits a dialect's policy_request makes to the client's bytes (the same-
 * dialect path).  Each dialect says where its fields are; what is written
 * where is in docs/key-policy.md.
 */

#ifndef AGW_POLICY_H
#define AGW_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "agw_codec.h"


/* The code of a request refused for asking more output than its key may. */
#define AGW_POLICY_REFUSED  "max_output_tokens_exceeded"

/* Whether o carries a policy to apply. */
int agw_policy_any(const agw_request_ctx_t *o);

/*
 * The output cap a body is to carry, given what the client asked (-1:
 * nothing) in its field (named in the refusal): what it asked when the
 * key has no cap or it asks no more; the key's cap when it asked nothing
 * or more (clamped).  -1 with err (400, AGW_POLICY_REFUSED) when it asked
 * more and the key refuses.
 */
int agw_policy_cap(const agw_request_ctx_t *o, const char *field,
    int64_t asked, int64_t *cap, agw_error_t *err);

/* o->output_cap set to cap times n candidates (n < 1: one), 0 for none. */
void agw_policy_report(const agw_request_ctx_t *o, int64_t cap, int64_t n);

/*
 * The translated path: the key's prompt made the form's first system part
 * (from the arena), the form's max_tokens capped (field names the
 * client's member in a refusal), and the cap reported.  0, or -1 (err
 * set; class NONE when out of memory).
 */
int agw_policy_form(agw_request_t *req, const agw_request_ctx_t *o,
    agw_arena_t *a, const char *field, agw_error_t *err);


/*
 * The same-dialect path.  A dialect's policy_request finds the members it
 * needs with agw_policy_object(), lists its edits, and agw_policy_splice()
 * copies the client's bytes with them: everything else stays as it came.
 */

typedef struct {
    const char  *name;      /* the member to find */
    int          type;      /* AGW_JR_* of its value; 0: absent */
    size_t       value;     /* its value's first byte, in the body */
    size_t       end;       /* past its value */
} agw_policy_member_t;

typedef struct {
    size_t       close;     /* the object's '}': members are added there */
    int          count;     /* its members */
    const char  *twice;     /* a name of m[] met twice, or NULL */
} agw_policy_object_t;

/*
 * The object whose value spans body[from, to): validated whole, each of
 * the n members m[] names located (the last of a name, with obj->twice
 * set when there are two).  0, or -1 when it is not a valid object.
 */
int agw_policy_object(const char *body, size_t from, size_t to,
    agw_policy_member_t *m, size_t n, agw_policy_object_t *obj);

/*
 * A member the policy edits given twice (or, in Gemini, in both its
 * spellings), refused: a provider keeping the first would read the one
 * the policy did not see.  -1 with err.
 */
int agw_policy_twice(const char *name, agw_error_t *err);

/*
 * The array spanning body[from, to): whether it has elements, and the
 * first one's extent.  0, or -1 when not a valid array.
 */
int agw_policy_first(const char *body, size_t from, size_t to, int *some,
    size_t *first, size_t *first_end);

#define AGW_POLICY_EDITS  16

typedef struct {
    size_t            at;       /* bytes [at, to) of the body replaced */
    size_t            to;
    const char       *text;     /* by these bytes, */
    size_t            len;
    const agw_str_t  *inside;   /* or a string's inside (escaped), */
    int64_t           num;      /* or an integer (text, inside NULL) */
} agw_policy_edit_t;

typedef struct {
    agw_policy_edit_t  e[AGW_POLICY_EDITS];
    int                n;
} agw_policy_edits_t;

#define agw_policy_lit(ed, at, lit)                                          \
    agw_policy_text((ed), (at), (at), (lit), sizeof(lit) - 1)

void agw_policy_text(agw_policy_edits_t *ed, size_t at, size_t to,
    const char *text, size_t len);
void agw_policy_inside(agw_policy_edits_t *ed, size_t at,
    const agw_str_t *s);
void agw_policy_num(agw_policy_edits_t *ed, size_t at, size_t to,
    int64_t num);

/* body with the edits (made in order of position; those at one position
 * in the order given) appended to out.  0, or -1 out of memory. */
int agw_policy_splice(const char *body, size_t len, agw_policy_edits_t *ed,
    agw_buf_t *out);

/*
 * A capped integer member m (its field named in a refusal) per the key:
 * an integer asked is clamped in place or refused, a null replaced by the
 * cap; any other value is refused, since the provider might read it as
 * more.  *cap is the value the body carries (-1: the member is absent,
 * the caller adds it).  0, or -1 with err.
 */
int agw_policy_capped(const char *body, const agw_policy_member_t *m,
    const char *field, const agw_request_ctx_t *o, agw_policy_edits_t *ed,
    int64_t *cap, agw_error_t *err);

/*
 * A member added at an object's close: ",key:" or "key:" as *sep says
 * (then set: the object has a member before the next one).  key_json is
 * the key's JSON text with its colon.
 */
#define agw_policy_add(ed, at, sep, key_json)                                \
    agw_policy_key((ed), (at), (sep), (key_json), sizeof(key_json) - 1)

void agw_policy_key(agw_policy_edits_t *ed, size_t at, int *sep,
    const char *key_json, size_t len);

/*
 * A body the policy pass cannot read (not a JSON object) goes to the
 * dialect's rewrite as it came, which refuses it in its own words.
 * 0, or -1 out of memory.
 */
int agw_policy_pass(const char *body, size_t len, agw_buf_t *out,
    agw_error_t *err);

/* An integer member's value (candidates, n), 1 when absent or not one. */
int64_t agw_policy_count(const char *body, const agw_policy_member_t *m);

#endif /* AGW_POLICY_H */
