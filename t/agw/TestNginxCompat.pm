package TestNginxCompat;

# What a suite must know about the Test::Nginx::Socket it runs under, the
# repository's runner (t/lib) or openresty's, where the two differ.
#
# openresty's Test::Nginx (0.33 and before) turns HTTP/2 on with
# "http2 on;" for every nginx from 1.19.9, but nginx has that directive only
# from 1.25.1: under it, on nginx 1.22, a block over HTTP/2 cannot start
# nginx at all (and the run bails out).  The repository's runner writes
# "listen ... http2" there.  skip_http2_block() skips such blocks with that
# reason, so the rest of a suite still runs.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use Test::Nginx::Socket ();

our @EXPORT = qw(repo_runner http2_unavailable skip_http2_block);
use parent 'Exporter';

my $repo_util = abs_path(dirname(__FILE__) . '/../lib/Test/Nginx/Util.pm');

# Whether the runner in use is the repository's (t/lib).
sub repo_runner {
    my $util = $INC{'Test/Nginx/Util.pm'};

    return defined $util && defined $repo_util
           && abs_path($util) eq $repo_util;
}

# Why the runner in use cannot run a block over HTTP/2 on this nginx, or
# undef when it can.
sub http2_unavailable {
    my $ver;

    return undef if repo_runner();

    # both runners learn it in run_tests(); before, ask the same way
    $ver = $Test::Nginx::Util::NginxVersion
           // Test::Nginx::Util::get_nginx_version();
    return undef if !defined $ver || $ver < 1.019009 || $ver >= 1.025001;

    return "Test::Nginx::Socket $Test::Nginx::Socket::VERSION enables HTTP/2"
        . " with \"http2 on;\", a directive nginx has only from 1.25.1";
}

# A block preprocessor's step: when HTTP/2 is unavailable, skip the block
# if it would go over HTTP/2 (--- http2, or any request the HTTP/2 mode
# would send over it; the mode's exceptions for a proxy_pass to the server
# itself are not looked at: such blocks are skipped too), counting $n
# subtests.
sub skip_http2_block {
    my ($block, $n) = @_;
    my $why = http2_unavailable();

    return unless defined $why;
    return if defined $block->no_http2;

    if (!defined $block->http2) {
        return unless $ENV{TEST_NGINX_USE_HTTP2};
        return if !defined $block->request || defined $block->raw_request
                  || defined $block->pipelined_requests;
        return if !ref $block->request && $block->request =~ m{HTTP/1\.0};
    }

    # skip_nginx2 carries a reason in both runners; this range holds
    # every version http2_unavailable() names
    $block->set_value(skip_nginx2 => ($n || 1)
                                     . ": >= 1.19.9 and < 1.25.1: $why");
}

1;
