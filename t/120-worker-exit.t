# A worker gives back at exit what it allocated for itself outside nginx's
# pools (the SHA-256 hasher of client keys, the dynamic key set): nginx
# runs under valgrind memcheck, and no allocation made by the module may
# still be held when the process ends; nor may it read or write memory it
# does not own (tests 3 and 4).  Skipped without valgrind.

use strict;
use warnings;
use File::Temp qw(tempdir);
use Cwd qw(cwd);
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

    # every kind of leak: a per-worker object held by a static pointer is
    # "still reachable", or "definitely lost" once nginx has unloaded the
    # module; --keep-debuginfo names the module's frames after the unload
    $vglog = tempdir(CLEANUP => 1);
    $ENV{TEST_NGINX_USE_VALGRIND} = '--tool=memcheck --leak-check=full '
        . "--show-leak-kinds=all --keep-debuginfo=yes --log-file=$vglog/vg.%p";
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

# The loss records of every nginx that has ended, whose stack passes
# through the module (its functions are ngx_http_ai_gateway_* and agw_*).
sub module_leaks {
    my @leaks;

    for my $file (glob "$vglog/vg.*") {
        next unless ended($file);

        open my $in, '<', $file or next;
        my $text = do { local $/; <$in> };
        close $in;

        $text =~ s/^\{\n.*?^\}\n//msg;    # --gen-suppressions' blocks

        for my $rec (split /^(?===\d+== \S.* in loss record)/m, $text) {
            next unless $rec =~ /are (?:still reachable|definitely lost|indirectly lost|possibly lost) in loss record/;
            next unless $rec =~ /\b(?:ngx_http_ai_gateway_\w+|agw_\w+)/;
            push @leaks, $rec;
        }
    }

    return @leaks;
}

# A keys snapshot and a new generation, as the daemon publishes them: the
# worker's next request loads it (in a thread) into its dynamic key set.
sub publish_keys {
    my $state = "$ENV{TEST_NGINX_SERVER_ROOT}/logs/agw.state";
    open my $out, '>', "$state.keys.json" or die "open: $!";
    print $out '{"generation":1,"keys":[{"id":"k1","name":"dyn","hash":"'
        . ('ab' x 32) . '","models":[],"expires_at":0,"active":true,"policy":'
        . no_policy() . '}]}';
    close $out;

    my $tool = cwd() . '/build/agw-ringtool';
    my $res = `$tool bump-keys $state 2>&1`;
    die "agw-ringtool bump-keys: $res" if $? != 0;
}

our $check = sub {
    my @leaks = module_leaks();
    my @reports = grep { ended($_) } glob "$vglog/vg.*";
    Test::More::ok(@reports > 0, 'valgrind reported on the nginx of test 1');
    Test::More::is(scalar @leaks, 0, 'no allocation of the module is held '
                   . 'at exit') or Test::More::diag(join "\n\n", @leaks);
};

# Invalid reads and writes in the reports of every nginx that has ended.
sub invalid_accesses {
    my @errors;

    for my $file (grep { ended($_) } glob "$vglog/vg.*") {
        open my $in, '<', $file or next;
        my $text = do { local $/; <$in> };
        close $in;
        push @errors, $1
            while $text =~ /^(==\d+== Invalid (?:read|write|free).*?)^==\d+== $/msg;
    }

    return @errors;
}

# The handler gives nginx a header buffer made for a body that came partly
# with the headers (docs/request-path.md, point 17), in the request's pool;
# a keep-alive connection looks at the request's header buffer after that
# pool is gone, so it must be nginx's own again by then.
our $check_accesses = sub {
    my @errors = invalid_accesses();
    Test::More::is(scalar @errors, 0, 'no invalid read or write')
        or Test::More::diag(join "\n", @errors);
};

# A chat body of about $n bytes.
sub chat { my ($n) = @_;
    return '{"model":"gpt-4o","messages":[{"role":"user","content":"'
        . ('x' x $n) . '"}]}' }

run_tests();

__DATA__

=== TEST 1: a client key is hashed (the worker makes its hasher), dynamic keys load, the metrics page is rendered
--- http_config
    ai_gateway_state $TEST_NGINX_SERVER_ROOT/logs/agw.state size=1m;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
--- config
    location /v1/ { ai_gateway openai; }
    location = /metrics { ai_gateway_metrics; }
--- init
main::publish_keys();
--- more_headers eval
["Authorization: Bearer sk-not-a-known-key", ""]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}",
 "GET /metrics"]
--- no_http2
--- error_code eval
[401, 200]
--- timeout: 30



=== TEST 2: the nginx of test 1 ended without holding any of it
--- config
    location /v1/ { ai_gateway health; }
--- init
$main::check->();
--- request
GET /v1/
--- timeout: 30
--- error_code: 200



=== TEST 3: bodies that came partly with their headers, one after another on a keep-alive connection
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



=== TEST 4: the nginx of test 3 read and wrote no memory it did not own
--- config
    location /v1/ { ai_gateway health; }
--- init
$main::check_accesses->();
--- request
GET /v1/
--- timeout: 30
--- error_code: 200
