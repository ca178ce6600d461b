#!/bin/sh
# The dashboard end to end in headless Chromium (t/browser/dashboard.mjs).
# Needs: make (daemon, module, dashboard), `npm ci` in t/browser, Debian's
# chromium.  Screenshots land in t/out/screenshots/.
here=$(dirname "$0")
if [ ! -d "$here/node_modules/playwright-core" ]; then
    echo "Bail out! run: (cd t/browser && npm ci)"
    exit 1
fi
exec node "$here/dashboard.mjs"
