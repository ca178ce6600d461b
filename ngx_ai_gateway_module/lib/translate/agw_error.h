/*
 * agw_error: the errors translation meets, in no dialect's shape: a class
 * (what kind of failure, hence which HTTP status), a machine code and a
 * message.  Each dialect's writer renders one in its own error shape.
 */

#ifndef AGW_ERROR_H
#define AGW_ERROR_H

/* Dialect-neutral error classes; each dialect renders its own shape. */
typedef enum {
    AGW_ERR_NONE = 0,
    AGW_ERR_INVALID_REQUEST,    /* 400 */
    AGW_ERR_AUTHENTICATION,     /* 401 */
    AGW_ERR_PERMISSION,         /* 403 */
    AGW_ERR_NOT_FOUND,          /* 404 */
    AGW_ERR_TOO_LARGE,          /* 413 */
    AGW_ERR_RATE_LIMIT,         /* 429 */
    AGW_ERR_SERVER,             /* 500 */
    AGW_ERR_BAD_GATEWAY,        /* 502: the upstream answered garbage */
    AGW_ERR_OVERLOADED,         /* 503 (Anthropic 529) */
    AGW_ERR_TIMEOUT,            /* 504 */
    AGW_ERR_CLIENT_CLOSED       /* 499: the client left before the end;
                                   recorded, never sent, not an error of
                                   the gateway or the provider */
} agw_err_class_t;

typedef struct agw_error_s {
    agw_err_class_t  cls;
    int              status;        /* HTTP status to answer with */
    char             code[64];      /* machine code, e.g. "model_not_found" */
    char             message[512];  /* never holds a secret */
} agw_error_t;

/* Fills err; status 0 means the class's default status. */
void agw_error_set(agw_error_t *err, agw_err_class_t cls, int status,
    const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Default HTTP status of a class; and the class of a provider's status. */
int             agw_error_status(agw_err_class_t cls);
agw_err_class_t agw_error_class_of_status(int status);

/*
 * Error texts end up in JSON, which must be valid UTF-8: cuts a trailing
 * partial character and replaces every other invalid byte with '?'.
 */
void agw_error_fix_text(char *s);

/* OpenAI's "type" of a class, shared by its Chat and Responses bodies. */
const char *agw_error_openai_type(agw_err_class_t cls);

#endif /* AGW_ERROR_H */
