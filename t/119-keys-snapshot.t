# Dynamic keys: the daemon's snapshot (<state>.keys.json) is read and
# parsed off the request path when the keys generation moves.  The worker
# goes on answering however long the read takes: static keys at once; a
# dynamic or unknown key waits (its request is delayed, not the worker)
# for the load in flight, at most a second, then the keys the worker has
# judge it; the new keys are honoured once the load ends.
#
# A named pipe stands for a snapshot whose read does not end: opening it
# blocks until a writer comes, so a worker reading it on the request path
# would stop answering anyone.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;
use Cwd qw(cwd);
use Digest::SHA qw(sha256_hex);
use Fcntl qw(O_WRONLY O_NONBLOCK F_GETFL F_SETFL);
use POSIX qw(mkfifo);

no_shuffle();

our $RINGTOOL = $ENV{TEST_AGW_RINGTOOL} || cwd() . '/build/agw-ringtool';

sub state_path { "$ENV{TEST_NGINX_SERVER_ROOT}/logs/agw.state" }
sub snapshot_path { state_path() . '.keys.json' }

# The snapshot the daemon would write for these key secrets.
sub snapshot {
    my (@secrets) = @_;
    my $i = 0;
    my @keys = map {
        $i++;
        sprintf '{"id":"k%d","name":"dyn%d","hash":"%s","models":[],'
            . '"expires_at":0,"active":true,"policy":%s}', $i, $i,
            sha256_hex($_), no_policy()
    } @secrets;
    return '{"generation":1,"keys":[' . join(',', @keys) . ']}';
}

# Moves the keys generation on, as the daemon does after writing.
sub bump {
    my $out = `$RINGTOOL bump-keys ${\ state_path()} 2>&1`;
    die "agw-ringtool bump-keys: $out" if $? != 0;
}

# The snapshot becomes a pipe nobody writes to yet.
sub stalled_snapshot {
    unlink snapshot_path();
    mkfifo(snapshot_path(), 0600) or die "mkfifo: $!";
    bump();
}

# Writes the snapshot into the pipe once the worker has opened it (an
# open for writing fails until a reader has it: wait for that, bounded).
sub feed_snapshot {
    my ($json) = @_;
    my $fifo;

    for (1 .. 500) {
        last if sysopen $fifo, snapshot_path(), O_WRONLY | O_NONBLOCK;
        die "open fifo: $!" unless $!{ENXIO};
        select undef, undef, undef, 0.01;
    }

    die "nobody reads the keys snapshot" unless $fifo;

    # the write blocks again, until the reader has taken it all
    my $flags = fcntl $fifo, F_GETFL, 0;
    fcntl $fifo, F_SETFL, $flags & ~O_NONBLOCK;
    print $fifo $json;
    close $fifo;
}

sub write_snapshot {
    my ($json) = @_;
    my $tmp = snapshot_path() . '.tmp';
    unlink snapshot_path();
    open my $out, '>', $tmp or die "open: $!";
    print $out $json;
    close $out;
    rename $tmp, snapshot_path() or die "rename: $!";
    bump();
}

add_block_preprocessor(sub {
    my $block = shift;

    $block->set_value(http_config => <<'_EOC_') unless defined $block->http_config;
    MOCK
    ai_gateway_state $TEST_NGINX_SERVER_ROOT/logs/agw.state size=1m;
    ai_gateway_provider p1 type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route gpt-4o p1;
    ai_gateway_key alice sha256:6c3919d5920ec39dbfc32579e71d6c79df05e3854106c5e36747f3db2657d42c;
_EOC_

    # over HTTP/1.1 in every mode: the blocks share the first block's
    # nginx, and the refused keys are answered before their body is read,
    # an answer curl drops over HTTP/2 (t/101-auth.t)
    $block->set_value(no_http2 => 1);
});

run_tests();

__DATA__

=== TEST 1: while the snapshot cannot be read, static keys are answered at once
--- config
    location /v1/ { ai_gateway openai; }
--- init
main::stalled_snapshot();
--- more_headers
Authorization: Bearer sk-client-alice
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 2: the snapshot, once readable, is loaded and a new key is honoured
--- init
main::feed_snapshot(main::snapshot('sk-dynamic-bob'));
--- more_headers
Authorization: Bearer sk-dynamic-bob
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200
--- response_body_like: "Hello there"
--- error_log
ai_gateway: loaded 1 dynamic keys, generation



=== TEST 3: while the next snapshot cannot be read, a dynamic key waits only so long, then the keys there are judge it
--- init
main::stalled_snapshot();
--- more_headers
Authorization: Bearer sk-dynamic-bob
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 200
--- response_body_like: "Hello there"



=== TEST 4: an unknown key waits for the load in flight only so long, then is refused
--- more_headers
Authorization: Bearer sk-dynamic-carol
--- request
POST /v1/chat/completions
{"model":"gpt-4o","messages":[]}
--- error_code: 401
--- response_body_like: "invalid_api_key"



=== TEST 5: that snapshot, once readable, replaces the keys: the new one works, the dropped one no more
--- init
main::feed_snapshot(main::snapshot('sk-dynamic-carol'));
--- more_headers eval
["Authorization: Bearer sk-dynamic-carol", "Authorization: Bearer sk-dynamic-bob"]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}"]
--- error_code eval
[200, 401]



=== TEST 6: a snapshot written as the daemon writes it (a file renamed into place) is loaded
--- init
main::write_snapshot(main::snapshot('sk-dynamic-dave'));
--- more_headers eval
["Authorization: Bearer sk-dynamic-dave", "Authorization: Bearer sk-dynamic-carol",
 "Authorization: Bearer sk-client-alice"]
--- request eval
["POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}",
 "POST /v1/chat/completions\n{\"model\":\"gpt-4o\",\"messages\":[]}"]
--- error_code eval
[200, 401, 200]
