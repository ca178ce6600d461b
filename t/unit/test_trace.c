/* W3C traceparent parsing and formatting, span ids (agw_trace.h). */

#include <string.h>

#include "tap.h"
#include "agw_trace.h"

/* The spec's own example. */
#define TP  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


static int
parses(const char *s)
{
    agw_traceparent_t  tp;

    return agw_traceparent_parse(s, strlen(s), &tp) == 0;
}


int
main(void)
{
    char               out[AGW_TRACEPARENT_LEN + 1];
    uint8_t            id[AGW_TRACE_ID_SIZE], s0[AGW_SPAN_ID_SIZE],
                       s1[AGW_SPAN_ID_SIZE], s2[AGW_SPAN_ID_SIZE];
    uint64_t           state;
    unsigned           i, zero;
    agw_traceparent_t  tp;

    ok(agw_traceparent_parse(TP, strlen(TP), &tp) == 0, "the spec's example");
    is_int(tp.trace_id[0], 0x4b, "trace-id's first byte");
    is_int(tp.trace_id[15], 0x36, "trace-id's last byte");
    is_int(tp.parent_id[0], 0x00, "parent-id's first byte");
    is_int(tp.parent_id[7], 0xb7, "parent-id's last byte");
    is_int(tp.flags, 1, "sampled");

    agw_traceparent_format(out, tp.trace_id, tp.parent_id, tp.flags);
    out[AGW_TRACEPARENT_LEN] = '\0';
    is_str(out, TP, "formatting gives the same value back");

    ok(parses("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),
       "not sampled is valid");
    ok(parses("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
       "a later version by the 00 rules");
    ok(parses("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"),
       "a later version may add fields");

    ok(!parses(TP "-xyz"), "version 00 is exactly 55 bytes");
    ok(!parses("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"),
       "a later version's extra bytes follow a dash");
    ok(!parses("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
       "version ff is invalid");
    ok(!parses("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"),
       "upper case hex");
    ok(!parses("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
       "all-zero trace-id");
    ok(!parses("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
       "all-zero parent-id");
    ok(!parses("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0"),
       "short");
    ok(!parses("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01"),
       "dash misplaced");
    ok(!parses("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01"),
       "not hex");
    ok(!parses(""), "empty");

    state = 42;
    zero = 0;
    for (i = 0; i < 1000; i++) {
        agw_trace_new_id(&state, id, sizeof(id));
        zero |= agw_trace_id_is_zero(id, sizeof(id));
    }
    ok(!zero, "new ids are never all zero");

    agw_trace_new_id(&state, s0, sizeof(s0));
    agw_trace_try_span_id(s0, 0, s1);
    agw_trace_try_span_id(s0, 1, s2);
    ok(memcmp(s1, s0, sizeof(s0)) != 0, "a try's span is not the request's");
    ok(memcmp(s1, s2, sizeof(s0)) != 0, "two tries, two spans");
    agw_trace_try_span_id(s0, 1, s1);
    ok(memcmp(s1, s2, sizeof(s0)) == 0, "the derivation is repeatable");

    return done_testing();
}
