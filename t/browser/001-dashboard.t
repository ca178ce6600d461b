#!/usr/bin/perl
# The dashboard end to end in headless Chromium (t/browser/dashboard.mjs).
# Needs: make (daemon, module, dashboard), `npm ci` in t/browser, Debian's
# chromium.  Screenshots land in t/out/screenshots/.  Its four ports come
# from FreePort (t/lib), claimed here while node runs.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use FreePort ();

unless (-d "$FindBin::Bin/node_modules/playwright-core") {
    print "Bail out! run: (cd t/browser && npm ci)\n";
    exit 1;
}
$ENV{AGW_BROWSER_PORTS} = join ',', map { FreePort::free_port() } 1 .. 4;
system 'node', "$FindBin::Bin/dashboard.mjs";
exit($? == -1 ? 1 : $? & 127 ? 1 : $? >> 8);
