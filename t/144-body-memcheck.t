# The handler gives nginx a header buffer made for a body that came partly
# with the headers (ngx_http_ai_gateway_body_buffer(), docs/request-path.md
# point 17), in the request's pool.  A keep-alive connection looks at the
# request's header buffer for a pipelined request after that pool is gone:
# the buffer must be nginx's own again by then.  nginx runs under valgrind
# memcheck; no invalid read or write may be reported while it serves bodies
# split that way on keep-alive connections.  Skipped without valgrind.

use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);

my $vglog;

BEGIN {
    if (system('valgrind --version >/dev/null 2>&1') != 0) {
        require Test::More;
        Test::More::plan(skip_all => 'valgrind is not installed');
    }

    # test 2 reads the report test 1's nginx leaves when it exits: in the
    # HUP mode it is reloaded instead, and never exits between blocks
    if ($ENV{TEST_NGINX_USE_HUP}) {
        require Test::More;
        Test::More::plan(skip_all => 'nginx does not exit between blocks '
                                     . 'with TEST_NGINX_USE_HUP');
    }

    $vglog = tempdir(CLEANUP => 1);
    $ENV{TEST_NGINX_USE_VALGRIND} = "--tool=memcheck --log-file=$vglog/vg.%p";
}

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

no_shuffle();

# A report is complete once its process has ended (nginx under valgrind is
# the runner's child: reap it if it is a zombie).
sub ended {
    my ($file) = @_;
    my ($pid) = $file =~ /vg\.(\d+)$/ or return 0;

    waitpid($pid, WNOHANG);
    return !kill 0, $pid;
}

our $check = sub {
    my (@reports, @errors);

    for my $file (grep { ended($_) } glob "$vglog/vg.*") {
        open my $in, '<', $file or next;
        my $text = do { local $/; <$in> };
        close $in;
        push @reports, $file;
        push @errors, $1 while $text =~ /^(==\d+== Invalid (?:read|write|free).*?)^==\d+== $/msg;
    }

    Test::More::ok(@reports > 0, 'valgrind reported on the nginx of test 1');
    Test::More::is(scalar @errors, 0, 'no invalid read or write')
        or Test::More::diag(join "\n", @errors);
};

# A chat body of about $n bytes.
sub chat { my ($n) = @_;
    return '{"model":"gpt-4o","messages":[{"role":"user","content":"'
        . ('x' x $n) . '"}]}' }

run_tests();

__DATA__

=== TEST 1: bodies that came partly with their headers, one after another on a keep-alive connection
--- http_config
    MOCK
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route * p1;
--- config
    location /v1/ { ai_gateway openai; ai_gateway_auth off; }
--- pipelined_requests eval
["POST /v1/chat/completions\n" . main::chat(3000),
 "POST /v1/chat/completions\n" . main::chat(5000),
 "POST /v1/chat/completions\n" . main::chat(100),
 "POST /v1/chat/completions\n" . main::chat(9000)]
--- response_body_like eval
["Hello there", "Hello there", "Hello there", "Hello there"]
--- timeout: 30



=== TEST 2: the nginx of test 1 read and wrote no memory it did not own
--- config
    location /v1/ { ai_gateway health; }
--- init
$main::check->();
--- request
GET /v1/
--- timeout: 30
--- error_code: 200
