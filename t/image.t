#!/bin/sh
# The container image, built and run with podman by scripts/image-test
# (TAP): skipped, with its reason, only where podman cannot run.
cd "$(dirname "$0")/.." || exit 1

mkdir -p build && scripts/image-test 2> build/image-test.err
rc=$?
if [ $rc = 77 ]; then
    echo "1..0 # SKIP $(grep 'skipped:' build/image-test.err | tail -1)"
    exit 0
fi
sed 's/^/# /' build/image-test.err >&2
exit $rc
