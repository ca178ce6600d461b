/*
 * agw_answer_meta: the provider's finish reason and model, kept for the
 * usage event (agw_codec.h).
 */

#include "agw_codec.h"
#include "agw_event.h"


/* the event's response_model holds what the meta keeps, uncut */
_Static_assert(AGW_ANSWER_MODEL_SIZE == AGW_EVENT_NAME_SIZE,
               "agw_answer_meta_t.model and the event's field differ");


/*
 * The first model named wins: an OpenAI stream repeats it in every chunk,
 * and copying it once is all the event needs.  A name with escapes is
 * decoded; one too long to decode here keeps its bytes as they came.
 */
void
agw_answer_meta_model(agw_answer_meta_t *m, const agw_str_t *model)
{
    int   n;
    char  buf[256];

    if (m == NULL || m->model[0] != '\0' || !agw_str_set(model)
        || model->len == 0 || model->kind == AGW_STR_VALUE)
    {
        return;
    }

    if (model->kind == AGW_STR_JSON && model->escaped) {
        n = agw_str_decode(model, buf, sizeof(buf));
        if (n > 0) {
            (void) agw_event_set_str(m->model, sizeof(m->model), buf,
                                     (size_t) n);
            return;
        }
    }

    (void) agw_event_set_str(m->model, sizeof(m->model), model->data,
                             model->len);
}


/* The last reason said wins: it is the one that ended the answer. */
void
agw_answer_meta_finish(agw_answer_meta_t *m, agw_finish_t finish)
{
    if (m != NULL && finish != AGW_FINISH_UNSET) {
        m->finish = (uint8_t) finish;
    }
}
