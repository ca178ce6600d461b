# What an open stream costs a worker, and that the worker gives a burst's
# memory back once its streams have ended (scripts/stream-memory measures
# both: 400 streams held open at once, then ended by their provider).
# Before the gateway gave idle output buffers back and trimmed the heap
# after a burst, an open translated stream cost 31 KB and the worker kept
# all of it after the streams ended; before a try's header buffer came
# from the request pool and the translator kept only its two dialects'
# state, it cost 25 KB.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use Test::More;

my $top = abs_path(dirname(__FILE__) . '/..');
my $module = $ENV{TEST_NGINX_AGW_MODULE}
             // "$top/build/ngx_http_ai_gateway_module.so";

plan skip_all => "$module not built (make module)" unless -f $module;
plan skip_all => 'no echo module (apt-get install libnginx-mod-http-echo)'
    unless -f ($ENV{TEST_NGINX_ECHO_MODULE}
               // '/usr/lib/nginx/modules/ngx_http_echo_module.so');

my $streams = 400;

for my $mode (qw(translated same)) {
    local $ENV{MODULE} = $module;
    my $out = `"$top/scripts/stream-memory" $streams $mode 2>&1`;
    my %m = $out =~ /(\w+)=(-?\d+)/g;

    ok(defined $m{per_stream}, "$mode: measured") or diag($out);
    next unless defined $m{per_stream};

    # 18.7 KB translated, 18.4 KB same dialect (a plain proxy_pass
    # stream: 13.5 KB): the request pool's four 4 KB blocks (15 KB used:
    # 4.3 KB the client's request, 3.1 KB the try's subrequest, 3 KB its
    # proxy, 2 KB the try's header buffer, 1.5 KB the gateway's own), the
    # translator's state (0.9 KB), the client's header buffer (1 KB) and
    # the two connections' pools (0.6 KB); docs/benchmarks.md has it all
    cmp_ok($m{per_stream}, '<=', 20 * 1024,
           "$mode: an open stream costs the worker $m{per_stream} bytes");

    # a tenth of what the streams took: allocator slack, not the streams
    cmp_ok($m{retained}, '<', $streams * 20 * 1024 / 10,
           "$mode: $m{retained} bytes stay with the worker after "
           . "$streams streams ended");
}

# An agent's request carries its whole history: a stream keeps the
# client's body once, as nginx read it (the gateway joins what came with
# the headers and the rest in nginx's buffer, for the event and a next
# try), not the try's own copy once the provider has it.  Before the try
# gave its copy back, a 64 KB body cost an open stream 225 KB; before the
# gateway joined the body instead of copying it, 169 KB.
my $body = 64 * 1024;

for my $mode (qw(translated same)) {
    local $ENV{MODULE} = $module;
    my $out = `"$top/scripts/stream-memory" 200 $mode $body 2>&1`;
    my %m = $out =~ /(\w+)=(-?\d+)/g;

    ok(defined $m{per_stream}, "$mode, $body-byte body: measured")
        or diag($out);
    next unless defined $m{per_stream};

    cmp_ok($m{per_stream}, '<', 20 * 1024 + 1.5 * $body,
           "$mode, $body-byte body: an open stream costs the worker "
           . "$m{per_stream} bytes");
}

done_testing();
