# bench-lib.sh: pieces the benchmark scripts share.  Sourced, not run:
#
#   . "$top/scripts/bench-lib.sh"
#
# Counting instructions with callgrind: one nginx process (no master, no
# daemon) under valgrind, its counters zeroed before a load and dumped
# after it, so that the count is the load's alone and the same on a busy
# machine as on a quiet one.  Reading a process's CPU time and page faults
# from /proc for the wall-clock benchmarks.

# bench_need TOOL...: stops the script unless every tool is installed.
bench_need() {
    for _t in "$@"; do
        command -v "$_t" >/dev/null || {
            echo "$(basename "$0"): needs $_t" >&2
            exit 1
        }
    done
}

# bench_callgrind_start NGINX PREFIX CONF: starts NGINX -p PREFIX -c CONF
# in one process under callgrind (output PREFIX/cg.out.*, log
# PREFIX/valgrind.log) and sets BENCH_VG to valgrind's pid.  The caller
# kills it.  CONF must not set master_process or daemon.
bench_callgrind_start() {
    (cd "$2" && exec valgrind --tool=callgrind --callgrind-out-file="$2/cg.out" \
        "$1" -p "$2" -c "$3" -g 'master_process off; daemon off;' \
        > "$2/valgrind.log" 2>&1) &
    BENCH_VG=$!
}

# bench_callgrind_wait URL [CURL_ARG...]: waits (up to a minute) until the
# nginx under valgrind answers URL.
bench_callgrind_wait() {
    _u=$1
    shift
    _i=0
    until curl -s -o /dev/null -m 2 "$@" "$_u"; do
        _i=$((_i + 1))
        [ $_i -lt 60 ] || {
            echo "$(basename "$0"): nginx under valgrind did not start" >&2
            return 1
        }
        sleep 1
    done
}

# bench_callgrind_count PREFIX N URL BODY [H2LOAD_ARG...]: posts the file
# BODY to URL N times (h2load, 4 connections) and prints the instructions
# per request that the process of bench_callgrind_start (BENCH_VG) spent,
# user space only.  Fails unless every answer is 2xx.  With BENCH_CG_KEEP
# set to a file name, the callgrind profile of this load is copied there
# (for callgrind_annotate --inclusive=yes).
bench_callgrind_count() {
    _dir=$1 _n=$2 _url=$3 _body=$4
    shift 4
    callgrind_control -z "$BENCH_VG" >/dev/null 2>&1
    h2load --h1 -n "$_n" -c 4 -d "$_body" "$@" "$_url" \
        | grep -q "status codes: $_n 2xx" || {
        echo "$(basename "$0"): not all 2xx on $_url" >&2
        return 1
    }
    callgrind_control -d "$BENCH_VG" >/dev/null 2>&1
    sleep 1
    _f=$(ls -t "$_dir"/cg.out.* | head -1)
    if [ -n "${BENCH_CG_KEEP:-}" ]; then
        cp "$_f" "$BENCH_CG_KEEP"
    fi
    callgrind_annotate "$_f" 2>/dev/null | awk -v n="$_n" \
        '/PROGRAM TOTALS/ { gsub(",", "", $1); printf "%d", $1 / n }'
}

# bench_proc_cpu PID: user + system CPU clock ticks of PID so far (every
# thread); CLK_TCK (getconf) of them make a second.
bench_proc_cpu() {
    [ -r "/proc/$1/stat" ] || {
        echo "$(basename "$0"): process $1 is gone" >&2
        return 1
    }
    # the command in field 2 has no spaces here (nginx, ai-gateway-admin)
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# bench_proc_faults PID: page faults of PID so far, minor + major.
bench_proc_faults() {
    [ -r "/proc/$1/stat" ] || {
        echo "$(basename "$0"): process $1 is gone" >&2
        return 1
    }
    awk '{ print $10 + $12 }' "/proc/$1/stat"
}
