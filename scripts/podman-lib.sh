# podman-lib.sh: what the container scripts share.  Sourced, not run:
#
#   . "$top/scripts/podman-lib.sh"
#
# Rootful podman on a plain Debian 12 machine (no systemd session, no
# registry, a kernel where the runtime cannot raise limits) works with runc,
# cgroupfs, a file events log, the host's network and fixed limits; they live in
# a containers.conf of our own under build/podman/, so nothing of the
# host's configuration is changed.  Exit status 77 is "skipped" for the
# callers' tests.

# podman_skip REASON: says why the container work cannot run here and
# exits 77.
podman_skip() {
    echo "$(basename "$0"): skipped: $*" >&2
    exit 77
}

# podman_env TOP: checks that podman can run and exports CONTAINERS_CONF.
podman_env() {
    [ "$(id -u)" = 0 ] || podman_skip "podman runs rootful here: run as root"
    for _t in podman runc; do
        command -v "$_t" >/dev/null 2>&1 \
            || podman_skip "$_t is not installed (scripts/install-deps installs it)"
    done

    mkdir -p "$1/build/podman"
    CONTAINERS_CONF=$1/build/podman/containers.conf
    cat > "$CONTAINERS_CONF.tmp" <<EOC
[containers]
netns = "host"
default_ulimits = ["nproc=1000:1000", "nofile=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
    mv -f "$CONTAINERS_CONF.tmp" "$CONTAINERS_CONF"
    export CONTAINERS_CONF

    podman info >/dev/null 2>"$1/build/podman/info.err" \
        || podman_skip "podman cannot run here: $(tail -1 "$1/build/podman/info.err")"
}

# podman_build ARGS...: podman build with limits the runtime can set here
# (it may not raise them above the host's; containers.conf's
# default_ulimits does the same for podman run).
podman_build() {
    podman build --ulimit nproc=1000:1000 --ulimit nofile=1024:1024 "$@"
}
