/*
 * gem_candidate: one candidate of a Gemini answer or stream chunk, read
 * the same way for both (gem_response.c, gem_stream_read.c).
 */

#ifndef GEM_CANDIDATE_H
#define GEM_CANDIDATE_H

#include "gem_int.h"


/* Reads one part of the candidate's content from the reader the caller
 * gave: 0, or a failure of the caller's own, passed back as it is. */
typedef int (*agw_gem_part_cb)(void *ud);

/*
 * A candidate from r: each part of content.parts read by part(ud), its
 * finishReason into *finish (unset when none came) and its index into
 * *index (position when none came).  0; -1 when it is not what Gemini
 * sends; else what part returned.  Which candidates to keep is the
 * caller's: only the first is read into the form.
 */
int agw_gem_candidate_read(agw_jr_t *r, int position, agw_gem_part_cb part,
    void *ud, agw_str_t *finish, int64_t *index);


#endif /* GEM_CANDIDATE_H */
