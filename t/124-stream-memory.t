# What an open stream costs a worker, and that the worker gives a burst's
# memory back once its streams have ended (scripts/stream-memory measures
# both: 400 streams held open at once, then ended by their provider).
# Before the gateway gave idle output buffers back and trimmed the heap
# after a burst, an open translated stream cost 31 KB and the worker kept
# all of it after the streams ended.

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

    # 25 KB today (a plain proxy_pass stream: 14 KB): the request pool's
    # four 4 KB blocks (13.3 KB used: 5 KB the client's request, 3.2 KB the
    # try's subrequest, 3.1 KB its proxy, 1.6 KB the gateway's own),
    # proxy_buffer_size (4 KB, from malloc: over the pool's 4016-byte
    # limit), the translator's state (2.2 KB, chat passthrough included),
    # the client's header buffer (1 KB) and the two connections' pools
    cmp_ok($m{per_stream}, '<', 28 * 1024,
           "$mode: an open stream costs the worker $m{per_stream} bytes");

    # a tenth of what the streams took: allocator slack, not the streams
    cmp_ok($m{retained}, '<', $streams * 28 * 1024 / 10,
           "$mode: $m{retained} bytes stay with the worker after "
           . "$streams streams ended");
}

# An agent's request carries its whole history: a stream keeps the
# client's body as nginx read it and the gateway's copy of it (for the
# event and a next try), not the try's own copy once the provider has it.
# Before the try gave its copy back, a 64 KB body cost an open stream
# 225 KB.
my $body = 64 * 1024;

for my $mode (qw(translated same)) {
    local $ENV{MODULE} = $module;
    my $out = `"$top/scripts/stream-memory" 200 $mode $body 2>&1`;
    my %m = $out =~ /(\w+)=(-?\d+)/g;

    ok(defined $m{per_stream}, "$mode, $body-byte body: measured")
        or diag($out);
    next unless defined $m{per_stream};

    cmp_ok($m{per_stream}, '<', 28 * 1024 + 2.5 * $body,
           "$mode, $body-byte body: an open stream costs the worker "
           . "$m{per_stream} bytes");
}

done_testing();
