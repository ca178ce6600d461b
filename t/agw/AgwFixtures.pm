package AgwFixtures;

# Mock providers that replay the real wire captures of t/fixtures/ (see
# t/fixtures/README.md for what each kind of file is), for the
# end-to-end suites t/11*.t and the SDK tests of t/sdk/.
#
# A block says FIXTURES on a line of its http_config; that line becomes one
# nginx server on $TEST_NGINX_MOCK_PORT answering every path
#
#     /fx/STATUS/DIR/FILE/...anything the gateway appends...
#
# with the file t/fixtures/DIR/FILE and that HTTP status: a provider
# declared with url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/fx/200/
# anthropic-messages/stream-text.sse/v1 replays that capture whatever
# endpoint, deployment or model the gateway puts after it.  `.sse` files go
# out as text/event-stream, everything else as application/json.  The
# payload-only captures (X.chunks.jsonl) are replayed from X.chunks.sse,
# made by t/fixtures/gen-sse.  /slow/DIR/FILE/... sends a whole .sse
# capture at once but ends the response only 1.5 s later, to show that
# events reach the client as they arrive.  The mock's access log line
# (MOCK ...) holds what the provider received: method, path, query, each
# provider's auth header, anthropic-version and the body, for
# --- access_log checks.  The log_format agw_usage (GW ...) it also
# declares puts the gateway's variables (models, provider, dialect, tokens)
# in a gateway server's log.
#
# canonical(BODY) is a whole answer or a stream with every JSON document
# re-encoded with sorted keys (SSE: one "event: / data:" pair per event),
# and fixture_canonical(FILE, MODEL) the same of a capture whose model
# fields say MODEL: equal means a same-dialect passthrough kept every byte
# that matters apart from the model.
#
# summary(DIALECT, BODY) reads a whole answer or a stream of any dialect
# into one comparable text, a line each: model, text, reasoning, each tool
# call (name and arguments as canonical JSON, fragments joined), the stop
# reason in OpenAI's words (stop, tool_calls, length), usage as
# prompt/completion (cache reads and writes in the prompt, reasoning in the
# completion), and how a stream ended (clean, or error:TYPE).  A suite
# compares a translated answer with fixture_summary(FILE, MODEL), the same
# reading of the capture the mock replayed: nothing lost, nothing added.
# The *_summary functions are the --- response_body_filters of one client
# dialect each.
#
# cut_reply(FILE, BYTES) gives a raw HTTP response for --- tcp_reply that
# promises more than it sends and stops after the first BYTES bytes of a
# capture (cut at the end of the event holding byte BYTES): a provider whose
# connection dies mid-stream.  spliced_reply(FILE, BYTES, TAIL) is a whole
# response (exact Content-Length, the connection closed after it) made of
# that head of FILE and then the capture TAIL (e.g. Anthropic's mid-stream
# error event), or nothing more when TAIL is undef: a provider that fails
# or stops short after the stream started.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use JSON::PP ();
use Test::Nginx::Socket ();
use AgwTest ();

our @EXPORT = qw(fixture_mock fixture_path read_fixture cut_reply spliced_reply
                 fixture_summary
                 summary openai_summary anthropic_summary gemini_summary
                 canonical fixture_canonical);
use parent 'Exporter';

# t/fixtures, found from this file so that any working directory will do
$ENV{TEST_NGINX_FIXTURES} ||= abs_path(dirname(__FILE__) . '/../fixtures');

# a provider URL's start: url=$TEST_NGINX_FX/200/DIR/FILE/v1
$ENV{TEST_NGINX_FX} ||= "http://127.0.0.1:$ENV{TEST_NGINX_MOCK_PORT}/fx";

# the --- tcp_listen peer of cut_reply / spliced_reply (that section takes
# no $TEST_NGINX_ variables: --- tcp_listen eval: $ENV{TEST_NGINX_TCP_PORT})
$ENV{TEST_NGINX_TCP_PORT} ||= AgwTest::free_port();

# The statuses the error blocks replay (echo_status takes no variable).
my @statuses = (200, 400, 401, 404, 429, 500, 503, 529);

sub fixture_path {
    my $name = shift;
    return "$ENV{TEST_NGINX_FIXTURES}/$name";
}

sub fixture_mock {
    my $port = shift || '$TEST_NGINX_MOCK_PORT';
    my $root = shift || '$TEST_NGINX_FIXTURES';
    my $conf = <<"_EOC_";
    log_format agw_usage 'GW model=\$ai_gateway_model up=\$ai_gateway_upstream_model '
        'provider=\$ai_gateway_provider dialect=\$ai_gateway_dialect '
        'tokens=\$ai_gateway_prompt_tokens/\$ai_gateway_completion_tokens '
        'cached=\$ai_gateway_cached_tokens reasoning=\$ai_gateway_reasoning_tokens '
        'status=\$status';
    log_format agw_fixture escape=none 'MOCK \$request_method \$uri args="\$args" '
        'auth="\$http_authorization" xkey="\$http_x_api_key" '
        'goog="\$http_x_goog_api_key" azure="\$http_api_key" '
        'version="\$http_anthropic_version" ctype="\$content_type" '
        'body=\$request_body';
    server {
        listen 127.0.0.1:$port;
        access_log logs/access.log agw_fixture;
        client_body_buffer_size 4m;
        client_max_body_size 4m;

        location /_fixture/ {
            internal;
            alias $root/;
        }

        location ~ ^/fx/200/(?<fx_dir>[\\w-]+)/(?<fx_file>[\\w.-]+\\.sse)/ {
            default_type text/event-stream;
            echo_read_request_body;
            echo_location /_fixture/\$fx_dir/\$fx_file;
        }

        location ~ ^/slow/(?<fx_dir>[\\w-]+)/(?<fx_file>[\\w.-]+\\.sse)/ {
            default_type text/event-stream;
            echo_read_request_body;
            echo_location /_fixture/\$fx_dir/\$fx_file;
            echo_flush;
            echo_sleep 1.5;
        }
_EOC_

    for my $status (@statuses) {
        $conf .= <<"_EOC_";

        location ~ ^/fx/$status/(?<fx_dir>[\\w-]+)/(?<fx_file>[\\w.-]+\\.(json|txt))/ {
            default_type application/json;
            echo_read_request_body;
            echo_status $status;
            echo_location /_fixture/\$fx_dir/\$fx_file;
        }
_EOC_
    }

    $conf .= "    }\n";
    return $conf;
}

# the first events of a capture, up to the event boundary after $bytes
sub sse_head {
    my ($name, $bytes) = @_;
    my $sse = read_fixture($name);
    pos($sse) = $bytes;
    return $sse =~ /\G.*?(?:\r\n\r\n|\n\n)/gs ? substr($sse, 0, pos $sse) : $sse;
}

sub cut_reply {
    my ($name, $bytes) = @_;
    my $head = sse_head($name, $bytes);

    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        . "Content-Length: " . (length($head) + 100000) . "\r\n\r\n"
        . $head;
}

sub spliced_reply {
    my ($name, $bytes, $tail) = @_;
    my $body = sse_head($name, $bytes);

    if (defined $tail) {
        # a documented event as published lacks the blank line that ends
        # it on the wire (without it the event is never dispatched)
        $tail = read_fixture($tail);
        $tail .= "\n" while $tail !~ /\n\n\z/;
        $body .= $tail;
    }

    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n"
        . $body;
}

my $json = JSON::PP->new->utf8->canonical->allow_nonref;

sub read_fixture {
    my $path = fixture_path(shift);
    local $/;
    open my $fh, '<', $path or die "$path: $!";
    my $text = <$fh>;
    close $fh;
    return $text;
}

# SSE text into [event name, data] pairs (any of the three line ends)
sub sse_events {
    my $text = shift;
    my @events;
    for my $block (split /\r\n\r\n|\n\n|\r\r|\n\r\n/, $text) {
        my ($name, @data);
        for my $line (split /\r\n|\n|\r/, $block) {
            $name = $1 if $line =~ /^event:\s?(.*)$/;
            push @data, $1 if $line =~ /^data:\s?(.*)$/;
        }
        push @events, [$name, join("\n", @data)] if @data || defined $name;
    }
    return @events;
}

sub decode {
    my $text = shift;
    my $v = eval { $json->decode($text) };
    return $v;
}

sub canonical {
    my $body = shift;
    my $whole = decode($body);
    return $json->encode($whole) . "\n" if defined $whole;
    my $out = '';
    for my $ev (sse_events($body)) {
        my $j = decode($ev->[1]);
        $out .= "event: $ev->[0]\n" if defined $ev->[0];
        $out .= 'data: ' . (defined $j ? $json->encode($j) : $ev->[1]) . "\n\n";
    }
    return $out;
}

sub set_model {
    my ($j, $model) = @_;
    return unless ref $j eq 'HASH';
    $j->{model} = $model if exists $j->{model};
    $j->{modelVersion} = $model if exists $j->{modelVersion};
    $j->{message}{model} = $model
        if ref $j->{message} eq 'HASH' && exists $j->{message}{model};
}

sub fixture_canonical {
    my ($name, $model) = @_;
    my $text = read_fixture($name);
    my $whole = decode($text);
    if (defined $whole) {
        set_model($whole, $model);
        return $json->encode($whole) . "\n";
    }
    my $out = '';
    for my $ev (sse_events($text)) {
        my $j = decode($ev->[1]);
        set_model($j, $model);
        $out .= "event: $ev->[0]\n" if defined $ev->[0];
        $out .= 'data: ' . (defined $j ? $json->encode($j) : $ev->[1]) . "\n\n";
    }
    return $out;
}

my %stop = (stop => 'stop', end_turn => 'stop', stop_sequence => 'stop',
            STOP => 'stop', tool_calls => 'tool_calls', tool_use => 'tool_calls',
            length => 'length', max_tokens => 'length', MAX_TOKENS => 'length');

sub new_acc { return { models => [], text => '', reasoning => '', calls => [] } }

sub add_model {
    my ($acc, $m) = @_;
    push @{ $acc->{models} }, $m
        if defined $m && !grep { $_ eq $m } @{ $acc->{models} };
}

sub render {
    my $acc = shift;
    my $out = 'model=' . join(',', @{ $acc->{models} }) . "\n";
    $out .= 'text=' . $json->encode($acc->{text}) . "\n";
    $out .= 'reasoning=' . $json->encode($acc->{reasoning}) . "\n"
        if length $acc->{reasoning};
    for my $c (@{ $acc->{calls} }) {
        next unless defined $c;
        my $args = ref $c->{args} ? $c->{args} : decode($c->{args} // '');
        $out .= "call=$c->{name} "
            . (defined $args ? $json->encode($args) : "UNPARSED:$c->{args}")
            . "\n";
    }
    my $finish = $acc->{finish};
    $finish = 'tool_calls' if $acc->{gemini} && defined $finish
        && $finish eq 'STOP' && grep { defined } @{ $acc->{calls} };
    $out .= 'finish=' . (defined $finish ? ($stop{$finish} // $finish) : 'none')
        . "\n";
    $out .= 'usage=' . (defined $acc->{prompt}
                        ? "$acc->{prompt}/$acc->{completion}" : 'none') . "\n";
    $out .= "end=$acc->{end}\n" if defined $acc->{end};
    return $out;
}

sub openai_usage {
    my ($acc, $u) = @_;
    return unless ref $u eq 'HASH';
    $acc->{prompt} = $u->{prompt_tokens} // 0;
    $acc->{completion} = $u->{completion_tokens} // 0;
}

sub openai_message {
    my ($acc, $m) = @_;
    $acc->{text} .= $m->{content} // '';
    $acc->{reasoning} .= $m->{reasoning_content} // '';
    for my $tc (@{ $m->{tool_calls} || [] }) {
        my $i = $tc->{index} // scalar @{ $acc->{calls} };
        my $c = $acc->{calls}[$i] //= { name => '', args => '' };
        $c->{name} .= $tc->{function}{name} // '';
        $c->{args} .= $tc->{function}{arguments} // '';
    }
}

sub openai_summary {
    my $body = shift;
    my $acc = new_acc();
    my $whole = decode($body);
    if (ref $whole eq 'HASH') {
        return "error=" . $json->encode($whole->{error}) . "\n"
            if $whole->{error};
        add_model($acc, $whole->{model});
        my $ch = $whole->{choices}[0] || {};
        openai_message($acc, $ch->{message} || {});
        $acc->{finish} = $ch->{finish_reason};
        openai_usage($acc, $whole->{usage});
        return render($acc);
    }
    $acc->{end} = 'cut';
    for my $ev (sse_events($body)) {
        if ($ev->[1] eq '[DONE]') {
            $acc->{end} = 'clean' if $acc->{end} eq 'cut';
            next;
        }
        my $j = decode($ev->[1]) or next;
        if ($j->{error}) {
            $acc->{end} = 'error:' . ($j->{error}{type} // $j->{error}{code} // '');
            next;
        }
        add_model($acc, $j->{model});
        for my $ch (@{ $j->{choices} || [] }) {
            openai_message($acc, $ch->{delta} || {});
            $acc->{finish} = $ch->{finish_reason} if $ch->{finish_reason};
        }
        openai_usage($acc, $j->{usage});
    }
    return render($acc);
}

sub anthropic_usage {
    my ($acc, $u) = @_;
    return unless ref $u eq 'HASH';
    my $in = ($u->{input_tokens} // 0) + ($u->{cache_read_input_tokens} // 0)
        + ($u->{cache_creation_input_tokens} // 0);
    $acc->{prompt} = $in if $in || !defined $acc->{prompt};
    $acc->{completion} = $u->{output_tokens} // 0;
}

sub anthropic_block {
    my ($acc, $b, $i) = @_;
    if ($b->{type} eq 'text') {
        $acc->{text} .= $b->{text} // '';
    } elsif ($b->{type} eq 'thinking') {
        $acc->{reasoning} .= $b->{thinking} // '';
    } elsif ($b->{type} eq 'tool_use') {
        my %in = %{ $b->{input} || {} };
        $acc->{calls}[$i] = { name => $b->{name},
                              args => %in ? $b->{input} : '' };
    }
}

sub anthropic_summary {
    my $body = shift;
    my $acc = new_acc();
    my $whole = decode($body);
    if (ref $whole eq 'HASH') {
        return "error=" . $json->encode($whole->{error}) . "\n"
            if $whole->{type} eq 'error';
        add_model($acc, $whole->{model});
        my $i = 0;
        anthropic_block($acc, $_, $i++) for @{ $whole->{content} || [] };
        $acc->{finish} = $whole->{stop_reason};
        anthropic_usage($acc, $whole->{usage});
        return render($acc);
    }
    $acc->{end} = 'cut';
    for my $ev (sse_events($body)) {
        my $j = decode($ev->[1]) or next;
        my $t = $j->{type} // '';
        if ($t eq 'message_start') {
            add_model($acc, $j->{message}{model});
            anthropic_usage($acc, $j->{message}{usage});
        } elsif ($t eq 'content_block_start') {
            anthropic_block($acc, $j->{content_block}, $j->{index});
        } elsif ($t eq 'content_block_delta') {
            my $d = $j->{delta};
            $acc->{text} .= $d->{text} // '' if $d->{type} eq 'text_delta';
            $acc->{reasoning} .= $d->{thinking} // ''
                if $d->{type} eq 'thinking_delta';
            $acc->{calls}[$j->{index}]{args} .= $d->{partial_json} // ''
                if $d->{type} eq 'input_json_delta';
        } elsif ($t eq 'message_delta') {
            $acc->{finish} = $j->{delta}{stop_reason};
            anthropic_usage($acc, $j->{usage});
        } elsif ($t eq 'message_stop') {
            $acc->{end} = 'clean' if $acc->{end} eq 'cut';
        } elsif ($t eq 'error') {
            $acc->{end} = 'error:' . ($j->{error}{type} // '');
        }
    }
    return render($acc);
}

sub gemini_chunk {
    my ($acc, $j) = @_;
    $acc->{gemini} = 1;
    add_model($acc, $j->{modelVersion});
    my $cand = $j->{candidates}[0] || {};
    for my $p (@{ $cand->{content}{parts} || [] }) {
        if (defined $p->{text}) {
            $acc->{ $p->{thought} ? 'reasoning' : 'text' } .= $p->{text};
        }
        push @{ $acc->{calls} }, { name => $p->{functionCall}{name},
                                   args => $p->{functionCall}{args} || {} }
            if $p->{functionCall};
    }
    $acc->{finish} = $cand->{finishReason} if $cand->{finishReason};
    if (my $u = $j->{usageMetadata}) {
        $acc->{prompt} = $u->{promptTokenCount} // 0;
        $acc->{completion} = ($u->{candidatesTokenCount} // 0)
            + ($u->{thoughtsTokenCount} // 0);
    }
}

sub gemini_summary {
    my $body = shift;
    my $acc = new_acc();
    my $whole = decode($body);
    if (ref $whole eq 'HASH') {
        return "error=" . $json->encode($whole->{error}) . "\n"
            if $whole->{error};
        gemini_chunk($acc, $whole);
        return render($acc);
    }
    $acc->{end} = 'cut';
    for my $ev (sse_events($body)) {
        my $j = decode($ev->[1]) or next;
        if ($j->{error}) {
            $acc->{end} = 'error:' . ($j->{error}{status} // '');
            next;
        }
        gemini_chunk($acc, $j);
        $acc->{end} = 'clean' if $acc->{finish};
    }
    return render($acc);
}

# A Responses API answer: the output items of a response object, or the
# events of a stream (text, reasoning summaries and call arguments from
# their deltas, the end from response.completed).  A stream whose
# sequence_number does not count up from 0, or whose deltas name an
# output_index no output_item.added opened, gets an order= line that no
# capture's summary has.
sub responses_response {
    my ($acc, $r) = @_;
    add_model($acc, $r->{model});
    my $calls = 0;
    for my $it (@{ $r->{output} || [] }) {
        if ($it->{type} eq 'message') {
            $acc->{text} .= join '', map { $_->{text} // '' }
                grep { $_->{type} eq 'output_text' } @{ $it->{content} || [] };
        } elsif ($it->{type} eq 'reasoning') {
            $acc->{reasoning} .= join '', map { $_->{text} // '' }
                @{ $it->{summary} || [] };
        } elsif ($it->{type} eq 'function_call') {
            $calls++;
        }
    }
    $acc->{finish} = ($r->{status} // '') eq 'incomplete'
        ? 'length' : $calls ? 'tool_calls' : 'stop';
    if (ref $r->{usage} eq 'HASH') {
        $acc->{prompt} = $r->{usage}{input_tokens} // 0;
        $acc->{completion} = $r->{usage}{output_tokens} // 0;
    }
}

sub responses_summary {
    my $body = shift;
    my $acc = new_acc();
    my $whole = decode($body);
    if (ref $whole eq 'HASH') {
        return "error=" . $json->encode($whole->{error}) . "\n"
            if $whole->{error};
        responses_response($acc, $whole);
        for my $it (@{ $whole->{output} || [] }) {
            push @{ $acc->{calls} }, { name => $it->{name},
                                       args => $it->{arguments} }
                if $it->{type} eq 'function_call';
        }
        return render($acc);
    }
    $acc->{end} = 'cut';
    my ($seq, %open, @order) = (0);
    for my $ev (sse_events($body)) {
        my $j = decode($ev->[1]) or next;
        my $t = $j->{type} // '';
        push @order, "$t: sequence_number $j->{sequence_number}, not $seq"
            if ($j->{sequence_number} // -1) != $seq;
        $seq++;
        my $i = $j->{output_index};
        add_model($acc, $j->{response}{model}) if $t eq 'response.created';
        if ($t eq 'response.output_item.added') {
            $open{$i} = $j->{item}{type};
            $acc->{calls}[$i] = { name => $j->{item}{name}, args => '' }
                if $j->{item}{type} eq 'function_call';
            next;
        }
        push @order, "$t: output_index $i not open"
            if defined $i && !exists $open{$i};
        if ($t eq 'response.output_text.delta') {
            $acc->{text} .= $j->{delta};
        } elsif ($t eq 'response.reasoning_summary_text.delta') {
            $acc->{reasoning} .= $j->{delta};
        } elsif ($t eq 'response.function_call_arguments.delta') {
            $acc->{calls}[$i]{args} .= $j->{delta} if $acc->{calls}[$i];
        } elsif ($t eq 'response.output_item.done') {
            delete $open{$i};
        } elsif ($t eq 'response.completed' || $t eq 'response.incomplete') {
            my $text = $acc->{text};
            my $reasoning = $acc->{reasoning};
            responses_response($acc, $j->{response});
            # the final object repeats what the deltas said
            ($acc->{text}, $acc->{reasoning}) = ($text, $reasoning);
            $acc->{end} = 'clean';
        } elsif ($t eq 'error' || $t eq 'response.failed') {
            my $e = $j->{error} || $j->{response}{error} || {};
            # the event's own field is code (type is a class)
            $acc->{end} = 'error:' . ($j->{code} // $e->{code} // $e->{type} // '');
        }
    }
    $acc->{calls} = [ grep { defined } @{ $acc->{calls} } ];
    my $out = render($acc);
    $out .= "order=$_\n" for @order;
    return $out;
}

my %summary_of = (openai => \&openai_summary, azure => \&openai_summary,
                  'openai-chat' => \&openai_summary,
                  anthropic => \&anthropic_summary,
                  'anthropic-messages' => \&anthropic_summary,
                  gemini => \&gemini_summary,
                  responses => \&responses_summary);

sub summary {
    my ($dialect, $body) = @_;
    return $summary_of{$dialect}->($body);
}

# The capture's own summary, with the model the client asked for.
sub fixture_summary {
    my ($name, $model) = @_;
    my ($dir) = $name =~ m{^([^/]+)/};
    my $s = summary($dir, read_fixture($name));
    $s =~ s/^model=.*$/model=$model/m;
    return $s;
}

Test::Nginx::Socket::add_block_preprocessor(sub {
    my $block = shift;

    if (defined $block->http_config && $block->http_config =~ /FIXTURES/) {
        my $hc = $block->http_config;
        $hc =~ s/^\s*FIXTURES\s*$/fixture_mock()/me;
        $block->set_value(http_config => $hc);
    }
});

1;
