/*
 * rsp_codec: the OpenAI Responses API dialect's table (agw_codec.h).
 */

#include "rsp_int.h"


const agw_codec_t  agw_responses_codec = {
    AGW_DIALECT_RESPONSES,

    agw_rsp_read_request,
    agw_rsp_write_request,

    agw_rsp_read_response,
    agw_rsp_write_response,

    sizeof(agw_rsp_rstate_t),
    sizeof(agw_rsp_wstate_t),
    agw_rsp_read_event,
    agw_rsp_write_step,
    agw_rsp_write_end,
    agw_rsp_write_stream_error,
    agw_rsp_free_read_state,
    agw_rsp_free_write_state,

    agw_rsp_read_error,
    agw_rsp_write_error,

    agw_rsp_rewrite_request,
    agw_rsp_rewrite_response,
    agw_rsp_rewrite_event,

    agw_rsp_policy_request,

    NULL,                       /* read_bytes */
    agw_rsp_rewrite_bytes
};
