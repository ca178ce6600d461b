package AgwStreams;

# Large provider answers, and a client that reads slowly, for the suites
# on how the gateway holds a try's answer (t/122-answer-buffering.t,
# t/123-slow-client.t).
#
# openai_sse(N) / anthropic_sse(N) are streams of N text deltas "w1 ",
# "w2 ", ... in each provider's wire format, words(N) the text they carry;
# big_files() writes them (and a whole answer larger than 64 MiB) under
# html/ for the mock provider of big_mock(), which serves
# /file/NAME/... with the file html/NAME.  Paths, so that a provider's
# url= can end in /v1: http://127.0.0.1:$TEST_NGINX_MOCK_PORT/file/NAME.
#
# slow_client(PATH, BODY) sends a request and reads only its response
# headers, leaving the body in the kernel's buffers; worker_rss() is the
# resident memory of the nginx process that serves requests (the worker
# under master_process on, else nginx itself); settle(SUB) waits until
# SUB's value stops changing.

use strict;
use warnings;
use IO::Socket::INET ();
use IO::Select ();
use Time::HiRes qw(time sleep);
use Test::Nginx::Socket ();

our @EXPORT = qw(openai_sse anthropic_sse words big_files big_mock
                 slow_client read_all worker_rss settle);
use parent 'Exporter';

sub words {
    my ($n) = @_;
    return join '', map { "w$_ " } 1 .. $n;
}

sub openai_sse {
    my ($n) = @_;
    my $chunk = sub {
        my ($delta, $finish) = @_;
        return 'data: {"id":"c1","object":"chat.completion.chunk","created":1,'
            . '"model":"up","choices":[{"index":0,"delta":' . $delta
            . ',"finish_reason":' . $finish . "}]}\n\n";
    };
    return $chunk->('{"role":"assistant","content":""}', 'null')
        . join('', map { $chunk->("{\"content\":\"w$_ \"}", 'null') } 1 .. $n)
        . $chunk->('{}', '"stop"') . "data: [DONE]\n\n";
}

sub anthropic_sse {
    my ($n) = @_;
    my $ev = sub { "event: $_[0]\ndata: $_[1]\n\n" };
    return $ev->('message_start', '{"type":"message_start","message":{"id":'
                 . '"msg_1","type":"message","role":"assistant","model":"up",'
                 . '"content":[],"stop_reason":null,"stop_sequence":null,'
                 . '"usage":{"input_tokens":7,"output_tokens":1}}}')
        . $ev->('content_block_start', '{"type":"content_block_start",'
                . '"index":0,"content_block":{"type":"text","text":""}}')
        . join('', map {
              $ev->('content_block_delta', '{"type":"content_block_delta",'
                    . "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"w$_ \"}}")
          } 1 .. $n)
        . $ev->('content_block_stop', '{"type":"content_block_stop","index":0}')
        . $ev->('message_delta', '{"type":"message_delta","delta":{"stop_reason":'
                . '"end_turn","stop_sequence":null},"usage":{"output_tokens":' . $n . '}}')
        . $ev->('message_stop', '{"type":"message_stop"}');
}

# Files for the mock, written once per run under html/ (a user_files
# section would write them before every block).
sub big_files {
    my ($n) = @_;
    my $dir = Test::Nginx::Socket::html_dir();
    my %files = ("openai-$n.sse" => openai_sse($n),
                 "anthropic-$n.sse" => anthropic_sse($n));
    while (my ($name, $text) = each %files) {
        next if -s "$dir/$name" && -s "$dir/$name" == length $text;
        open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
        print $fh $text;
        close $fh or die $!;
    }
}

# A whole OpenAI answer of `size` bytes (its content padded), for limits.
sub big_answer_file {
    my ($name, $size) = @_;
    my $dir = Test::Nginx::Socket::html_dir();
    return if -s "$dir/$name" && -s "$dir/$name" == $size;
    my $head = '{"id":"chatcmpl-1","object":"chat.completion","created":1,'
        . '"model":"up","choices":[{"index":0,"message":{"role":"assistant",'
        . '"content":"';
    my $tail = '"},"finish_reason":"stop"}]}';
    open my $fh, '>', "$dir/$name" or die "$dir/$name: $!";
    print $fh $head;
    my $left = $size - length($head) - length($tail);
    my $block = 'x' x (1 << 20);
    while ($left > 0) {
        my $n = $left < length $block ? $left : length $block;
        print $fh substr($block, 0, $n);
        $left -= $n;
    }
    print $fh $tail;
    close $fh or die $!;
}

sub big_mock {
    return <<'_EOC_';
    server {
        listen 127.0.0.1:$TEST_NGINX_MOCK_PORT;
        location /_file/ {
            internal;
            alias html/;
        }
        location ~ ^/file/(?<f>[\w.-]+\.sse)/ {
            default_type text/event-stream;
            echo_read_request_body;
            echo_location /_file/$f;
        }
        location ~ ^/file/(?<f>[\w.-]+\.json)/ {
            default_type application/json;
            echo_read_request_body;
            echo_location /_file/$f;
        }
    }
_EOC_
}


sub slow_client {
    my ($path, $body, %opt) = @_;
    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1',
        PeerPort => Test::Nginx::Socket::server_port(),
        Proto => 'tcp') or die "connect: $!";
    $s->autoflush(1);
    print $s "POST $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\n"
        . ($opt{headers} // '')
        . "Content-Length: " . length($body) . "\r\n\r\n$body";
    my $head = '';
    my $sel = IO::Select->new($s);
    while ($head !~ /\r\n\r\n/) {
        $sel->can_read(10) or die "no response headers";
        sysread($s, $head, 1, length $head) or die "closed before headers";
    }
    return ($s, $head);
}

# Everything the server still sends, until it closes; the body of a chunked
# response decoded.
sub read_all {
    my ($s, $head) = @_;
    my $raw = '';
    my $sel = IO::Select->new($s);
    while ($sel->can_read(30)) {
        my $n = sysread($s, $raw, 1 << 16, length $raw);
        last unless $n;
    }
    return $raw unless $head =~ /^Transfer-Encoding: chunked/mi;
    my $body = '';
    while ($raw =~ /\G([0-9a-fA-F]+)\r\n/gc) {
        my $len = hex $1;
        last if $len == 0;
        $body .= substr($raw, pos $raw, $len);
        pos($raw) = pos($raw) + $len + 2;
    }
    return $body;
}

sub worker_rss {
    my $root = Test::Nginx::Socket::server_root();
    open my $fh, '<', "$root/logs/nginx.pid" or die "no pid file: $!";
    chomp(my $master = <$fh>);
    my @kids = grep {
        my $line = '';
        if (open my $st, '<', "/proc/$_/stat") {
            $line = <$st> // '';
        }
        # not an old generation's worker, still finishing after a reload
        my $title = '';
        if (open my $cmd, '<', "/proc/$_/cmdline") {
            $title = <$cmd> // '';
        }
        $line =~ /^\d+ \(nginx\) [^Z] (\d+)/ && $1 == $master
            && $title !~ /shutting down/
    } map { m{/proc/(\d+)/stat} ? $1 : () } glob '/proc/[0-9]*/stat';
    my $pid = @kids ? $kids[0] : $master;
    open my $status, '<', "/proc/$pid/status" or die "/proc/$pid: $!";
    while (<$status>) {
        return $1 * 1024 if /^VmRSS:\s+(\d+) kB/;
    }
    die "no VmRSS for $pid";
}

# Waits until sub's value has not changed for 2.5 s (at most `max` s):
# what a worker does with a stream it cannot send is over once its memory
# stops moving, and a worker gives back what ended answers freed a second
# after they end.
sub settle {
    my ($sub, $max) = @_;
    my $end = time + ($max // 20);
    my ($last, $same) = ($sub->(), 0);
    while (time < $end && $same < 25) {
        sleep 0.1;
        my $v = $sub->();
        $same = $v == $last ? $same + 1 : 0;
        $last = $v;
    }
    return $last;
}

1;
