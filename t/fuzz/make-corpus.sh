#!/bin/sh
# Rebuilds the seed corpora in t/fuzz/corpus/ from the wire fixtures in
# t/fixtures/.  Stream and SSE inputs start with the 4 steering bytes that
# fuzz_util.h describes (dialect and flags, then the split seed).
# Run from the repository root: t/fuzz/make-corpus.sh
# Files named regress-* are inputs that once failed; it leaves them alone.

set -eu

F=t/fixtures/openai-chat
C=t/fuzz/corpus

# A .chunks.jsonl fixture as wire SSE, as the unit tests do it.
jsonl_sse() {
    awk 'NF { printf "data: %s\n\n", $0 }' "$1"
    printf 'data: [DONE]\n\n'
}

# The OpenAI streams, raw or converted, one per line: name<TAB>path.
streams() {
    for f in "$F"/*.sse; do
        case $f in *.chunks.sse) continue ;; esac   # made from the .jsonl
        printf '%s\t%s\n' "$(basename "$f" .sse)" "$f"
    done
    for f in "$F"/*.chunks.jsonl; do
        printf '%s\t%s\n' "$(basename "$f" .chunks.jsonl)" "$f"
    done
}

emit() {   # header-octal path
    case $2 in
    *.jsonl) printf "$1"; jsonl_sse "$2" ;;
    *)       printf "$1"; cat "$2" ;;
    esac
}

mkdir -p "$C/fuzz_sse"

streams | while IFS="$(printf '\t')" read -r name path; do
    # whole parser, default limits; then a small max_event
    emit '\000\022\064\126' "$path" > "$C/fuzz_sse/$name"
    emit '\220\001\002\003' "$path" > "$C/fuzz_sse/$name-small-events"
done

# The engine through every pair of dialects (fuzz_engine_*.c): each
# dialect's fixtures, to each client or provider.  Dialects by number:
# 0 openai-chat, 1 anthropic-messages, 2 gemini, 3 openai-responses.
mkdir -p "$C/fuzz_engine_request" "$C/fuzz_engine_response" \
         "$C/fuzz_engine_stream"

octal() {   # a byte's value as a printf escape
    printf '\\%03o' "$1"
}

n=0
for dir in openai-chat anthropic-messages gemini openai-responses; do
    D=t/fixtures/$dir
    for o in 0 1 2 3; do
        # requests: byte 0 the client (d), the provider (o), a stream, a
        # default max_tokens
        for f in "$D"/request-*.json; do
            { printf "$(octal $((n | o << 2 | 48)))"; cat "$f"; } \
                > "$C/fuzz_engine_request/$dir-$(basename "$f" .json)-to-$o"
        done
        # answers, and errors (byte 0 bits 4-7: status 429)
        for f in "$D"/response-*.json; do
            { printf "$(octal $((n | o << 2)))"; cat "$f"; } \
                > "$C/fuzz_engine_response/$dir-$(basename "$f" .json)-to-$o"
        done
        for f in "$D"/error-*.json; do
            { printf "$(octal $((n | o << 2 | 7 << 4)))"; cat "$f"; } \
                > "$C/fuzz_engine_response/$dir-$(basename "$f" .json)-to-$o"
        done
        # streams: include_usage, a clean end, then the split seed
        for f in "$D"/stream-*.sse "$D"/stream-*.chunks.jsonl; do
            case $f in *.chunks.sse|*'*'*) continue ;; esac
            { printf "$(octal $((n | o << 2 | 48)))\\022\\064\\126"
              case $f in
              *.jsonl) awk 'NF { printf "data: %s\n\n", $0 }' "$f"
                       [ $n = 0 ] && printf 'data: [DONE]\n\n' ;;
              *)       cat "$f" ;;
              esac; } > "$C/fuzz_engine_stream/$dir-$(basename "$f")-to-$o"
        done
    done
    n=$((n + 1))
done

# The engine's OpenAI codec: requests (byte 0: stream, model given),
# answers and error bodies, streams (include_usage, then the split seed).
mkdir -p "$C/fuzz_x_openai_request" "$C/fuzz_x_openai_response" \
         "$C/fuzz_x_openai_stream"

for f in "$F"/request-*.json; do
    { printf '\003'; cat "$f"; } \
        > "$C/fuzz_x_openai_request/$(basename "$f" .json)"
done

for f in "$F"/response-*.json "$F"/error-*.json; do
    cp "$f" "$C/fuzz_x_openai_response/$(basename "$f" .json)"
done

streams | while IFS="$(printf '\t')" read -r name path; do
    emit '\001\005\007\000' "$path" > "$C/fuzz_x_openai_stream/$name"
    emit '\000\011\013\000' "$path" > "$C/fuzz_x_openai_stream/$name-no-usage"
done

# bit 1 of the first byte: each event read two ways (the repeat and the
# walk)
streams | while IFS="$(printf '\t')" read -r name path; do
    emit '\003\000\000\000' "$path" > "$C/fuzz_x_openai_stream/$name-two-ways"
done

# The engine's Gemini codec: bodies as they are; streams with the steering
# byte of fuzz_x_gemini_stream.c (0 read + write, 1 rewrite, 2 an
# Anthropic provider, 4 the bytes as steps), .jsonl framed as alt=sse.
G=t/fixtures/gemini
mkdir -p "$C/fuzz_x_gemini_request" "$C/fuzz_x_gemini_stream"
for f in "$G"/request-*.json "$G"/response-*.json "$G"/error-*.json; do
    cp "$f" "$C/fuzz_x_gemini_request/$(basename "$f" .json)"
done
for f in "$G"/*.sse "$G"/*.chunks.jsonl; do
    case $f in *.chunks.sse) continue ;; esac
    n=$(basename "$f")
    for b in 0 1 2 4; do
        { printf "\\00$b"
          case $f in
          *.jsonl) awk 'NF { printf "data: %s\r\n\r\n", $0 }' "$f" ;;
          *)       cat "$f" ;;
          esac; } > "$C/fuzz_x_gemini_stream/${n%%.*}-$b"
    done
done

# The Anthropic reader's deltas by their bytes against the walk
# (fuzz_x_anthropic_delta.c): a stream's delta data, one a line, in a
# block of each kind (byte 0) at index 0 (byte 1).
A=t/fixtures/anthropic-messages
mkdir -p "$C/fuzz_x_anthropic_delta"
for f in "$A"/stream-*.sse "$A"/stream-*.chunks.jsonl; do
    case $f in *.chunks.sse) continue ;; esac
    for k in 0 1 2; do
        { printf "\\00$k\\000\\000\\000"
          sed -n 's/^data: \(.*content_block_delta.*\)$/\1/p
                  /^{.*content_block_delta/p' "$f"; } \
            > "$C/fuzz_x_anthropic_delta/$(basename "$f")-$k"
    done
done

# 8: a .jsonl's lines as events, read both ways (a text chunk by the
# bytes the last one walked had, and walked)
for f in "$G"/*.chunks.jsonl; do
    n=$(basename "$f")
    { printf '\010'; cat "$f"; } > "$C/fuzz_x_gemini_stream/${n%%.*}-8"
done
