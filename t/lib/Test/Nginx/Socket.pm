package Test::Nginx::Socket;

# This repository's stand-in for openresty's Test::Nginx::Socket (not
# packaged in Debian): runs suites written in its data-driven format
# (=== TEST n / --- config / --- request / --- response_body ...) against
# a real nginx with `prove -I t/lib`.  This file turns a block into
# requests and checks the answers; Test::Nginx::Util runs nginx and
# Test::Nginx::Client speaks HTTP.  Supported sections and the few
# differences from the real module: docs/testing.md.
#
# Test::Base's Spiffy "-Base" filter gives every "sub name {" an implicit
# $self; the functions here all carry prototypes, which it leaves alone.

use Test::Base -Base;

use Digest::MD5 ();
use Digest::SHA ();
use Encode ();
use HTTP::Response ();
use List::Util qw(min);
use Test::LongString;
use Time::HiRes qw(sleep);

use Test::Nginx::Util;
use Test::Nginx::Client qw(send_request parse_response);

our $VERSION = '0.29';

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check $ServerPort $ServerPortForClient
);

our @ResponseBodyChecks;

sub run_test_helper ($$$);
sub check_error_log ($$$$$);
sub value_contains ($$);

$RunTestHelper = \&run_test_helper;
$CheckErrorLog = \&check_error_log;

sub run_test ($) {
    Test::Nginx::Util::run_test(shift);
}

sub add_response_body_check ($) {
    push @ResponseBodyChecks, shift;
}


# Building the requests.

# "--- more_headers" lines to "Key: value\r\n" lines; whether they ask
# for a chunked request body.
sub parse_more_headers ($) {
    my $in = shift;
    my ($out, $is_chunked) = ('', 0);

    for my $line (split /\n+/, $in) {
        next if $line =~ /^\s*#/;
        my ($key, $val) = split /:\s*/, $line, 2;
        $val = '' unless defined $val;
        $is_chunked = 1
            if lc($key) eq 'transfer-encoding' && $val eq 'chunked';
        $out .= "$key: $val\r\n";
    }

    return ($out, $is_chunked);
}

# Complete one request given as packets: normalise the request line
# ("GET /x" gets HTTP/1.1), add Host, Connection and Content-Length (the
# body is then trimmed of surrounding white space) unless --- more_headers
# has them, and keep each packet boundary at the same place in the
# request.  Returns the packets as { value, delay_before } hashes.
sub build_request ($$$$$) {
    my ($name, $more_headers, $is_chunked, $conn, $packets) = @_;
    my ($raw, $first, $body, $meth, $url, $ver, $reqline, $head, $lead,
        $len_header, @ends, @out, $pos);

    $raw = join '', map { ref $_ ? $_->{value} : $_ } @$packets;
    ($first) = $raw =~ /\A([^\n]*\n?)/;
    bail_out("$name - Request line should be non-empty")
        if !defined $first || $first !~ /\S/;
    $first =~ /^\s*(\S+) *(?:(\S+) *)?(?:(\S+) *)?\s*$/
        or bail_out("$name - Request line is not valid. Should be "
                    . "'meth [url [version]]' but got \"$first\".");
    ($meth, $url, $ver) = ($1, defined $2 ? $2 : '/',
                           defined $3 ? $3 : 'HTTP/1.1');
    $body = substr $raw, length $first;

    $lead = 0;
    $len_header = '';
    if (!$is_chunked && $body ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/i)
    {
        $body =~ /\A(\s*)/;
        $lead = length $1;
        $body =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($body) . "\r\n";
    }

    $more_headers =~ s/(?<!\r)\n/\r\n/gs;
    $reqline = "$meth $url $ver";
    $head = "$reqline\r\n"
            . ($more_headers =~ /(?:^|\n)Host:/i ? '' : "Host: $ServerName\r\n")
            . ($more_headers =~ /(?:^|\n)Connection/i ? ''
                                                      : "Connection: $conn\r\n")
            . "$more_headers$len_header\r\n";

    # Where each original packet ended, moved onto the new text.
    $pos = 0;
    for my $p (@$packets[0 .. $#$packets - 1]) {
        $pos += length(ref $p ? $p->{value} : $p);
        if ($pos < length $first) {
            push @ends, min($pos, length $reqline);
        } else {
            my $in_body = $pos - length($first) - $lead;
            $in_body = 0 if $in_body < 0;
            $in_body = length $body if $in_body > length $body;
            push @ends, length($head) + $in_body;
        }
    }

    $raw = $head . $body;
    push @ends, length $raw;

    $pos = 0;
    for my $i (0 .. $#$packets) {
        my $p = $packets->[$i];
        my $end = $ends[$i] < $pos ? $pos : $ends[$i];
        push @out, { %{ ref $p ? $p : {} },
                     value => substr($raw, $pos, $end - $pos) };
        $pos = $end;
    }

    return \@out;
}

# The block's requests: a list of requests, each a list of packets.
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;
    my ($request, $more, @reqs);

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        return [[ map { { value => $_ } } (ref $raw ? @$raw : $raw) ]];
    }

    if (defined $block->request_eval) {
        diag "$name - request_eval DEPRECATED. Use request eval instead.";
        $request = eval $block->request_eval;
        warn $@ if $@;
    } else {
        $request = $block->request;
        if (defined $request && !ref $request) {
            1 while $request =~ s/^\s*\#[^\n]+\s+|^\s+//gs;
        }
    }

    $more = $block->more_headers;
    $more = '' unless defined $more;

    my $headers_for = sub {
        my $i = shift;
        my $h = ref $more eq 'ARRAY' ? $more->[$i] : $more;
        bail_out("$name - --- more_headers lacks data for request $i")
            unless defined $h;
        return parse_more_headers($h);
    };

    if (defined $block->pipelined_requests) {
        my $list = $block->pipelined_requests;
        my $all = '';

        bail_out("$name - invalid entries in --- pipelined_requests")
            if ref $list ne 'ARRAY';
        for my $i (0 .. $#$list) {
            my ($hdr, $chunked) = $headers_for->($i);
            my $conn = $i == $#$list ? 'close' : 'keep-alive';
            $all .= build_request($name, $hdr, $chunked, $conn,
                                  [$list->[$i]])->[0]{value};
        }
        return [[{ value => $all }]];
    }

    bail_out("$name - request empty") unless defined $request;

    if (!ref $request) {
        my ($hdr, $chunked) = $headers_for->(0);
        return [ build_request($name, $hdr, $chunked, 'close', [$request]) ];
    }

    bail_out("$name - invalid --- request: MUST be string or array of "
             . "requests") if ref $request ne 'ARRAY';

    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        my ($hdr, $chunked) = $headers_for->($i);

        if (ref $one && ref $one ne 'ARRAY') {
            bail_out("$name - Invalid syntax. $one should be a string or "
                     . "an array of packets.");
        }
        for my $p (ref $one ? @$one : ()) {
            bail_out("$name - Invalid syntax. $p should be a string or "
                     . "hash with value.") if ref $p && ref $p ne 'HASH';
        }
        push @reqs, build_request($name, $hdr, $chunked, 'close',
                                  ref $one ? $one : [$one]);
    }

    return \@reqs;
}


# Sending.

# HTTP/2 the way Test::Nginx does it: curl with prior knowledge (h2c).
sub send_http_req_by_curl ($$$) {
    my ($block, $req, $timeout) = @_;
    my $name = $block->name;
    my ($raw, $meth, $uri, $ver, @args, @headers, $body, $ok, $in, $out,
        $err, $found_type, $addr);

    require IPC::Run;

    $raw = join '', map { $_->{value} } @$req;
    if ($raw =~ m{^\s*(\w+)\s+(\S+)\s+HTTP/(\S+)\r?\n}gc) {
        ($meth, $uri, $ver) = ($1, $2, $3);
    } else {
        bail_out("$name - cannot parse the status line in the request: $raw");
    }

    @args = ('curl', '-i', '-sS', '-H', 'User-Agent:', '-H', 'Accept:',
             '-H', 'Host:', '--http2', '--http2-prior-knowledge');
    push @args, $meth eq 'HEAD' ? ('-I') : ('-X', $meth);

    if ($raw =~ m{\G(.*?)\r?\n\r?\n}gcs) {
        @headers = grep { !/^Connection\s*:/i } split /\r\n/, $1;
    }
    for my $h (@headers) {
        $found_type = 1 if $h =~ /^\s*Content-Type\s*:/i;
        push @args, '-H', $h;
    }

    if ($raw =~ m{\G(.+)}gcs) {
        my $file = html_dir() . "/curl.data.bin";

        $body = $1;
        push @args, '-H', 'Content-Type: ' unless $found_type;
        open my $fh, '>', $file or bail_out("$name - cannot write $file: $!");
        binmode $fh;
        print $fh $body;
        close $fh;
        push @args, '--data-binary', "\@$file";
    }

    push @args, '--connect-timeout', $timeout, '--max-time', $timeout;
    push @args, split ' ', $block->curl_options
        if defined $block->curl_options;

    $addr = $block->server_addr_for_client;
    $addr = $ServerAddr unless defined $addr;
    push @args, ($block->curl_protocol || 'http')
                . "://$addr:$ServerPortForClient$uri";

    ($in, $out, $err) = ('', '', '');
    $ok = eval {
        IPC::Run::run(\@args, \$in, \$out, \$err,
                      IPC::Run::timeout($timeout + 2));
    };

    if (($? >> 8) == 28 && !defined $block->abort) {
        fail("ERROR: client socket timed out - $name\n");
    } elsif (!$out) {
        my $want = $block->curl_error;
        return undef if defined $want && $err =~ (ref $want ? $want
                                                            : qr/\Q$want\E/);
        fail("$name - command \"@args\" generates "
             . ($err ? "stderr output: $err" : "no stdout output"));
        return undef;
    } elsif ($err && ($? >> 8) != 28) {
        warn "WARNING: $name - command \"@args\" generates stderr output: "
             . "$err";
    }

    return $out;
}

# Send one request; returns (raw response, whether it was a HEAD).
sub do_request ($$$) {
    my ($block, $req, $timeout) = @_;
    my $name = $block->name;
    my ($raw, $head_req, $shutdown, $addr, $keepalive, $r);

    $raw = join '', map { $_->{value} } @$req;
    $head_req = $raw =~ /^\s*HEAD\s+/ ? 1 : 0;

    return (send_http_req_by_curl($block, $req, $timeout), $head_req)
        if use_http2($block);

    $shutdown = $block->shutdown;
    $shutdown = 1 if defined $shutdown && $shutdown =~ /^\s*$/;
    $addr = $block->server_addr_for_client;
    $addr = $ServerAddr unless defined $addr;

    # With Connection: close (the default) the client waits for nginx to
    # close, which is what catches a request that is never finalized.  A
    # suite that asks for keep-alive gets the first whole response.
    $keepalive = !defined $block->pipelined_requests
                 && $raw =~ /\A.*?\r\n(?:[^\r\n]+\r\n)*?Connection:\s*keep-alive/si;

    $r = send_request(addr => $addr, port => $ServerPortForClient,
                      packets => $req, timeout => $timeout,
                      middle_delay => scalar $block->raw_request_middle_delay,
                      shutdown => $shutdown, stop_at_end => $keepalive);

    if ($r->{connect_failed}) {
        fail("$name - $r->{error} (aborted)\n");
        return (undef, $head_req);
    }

    warn "WARNING: $name - $r->{error}\n" if defined $r->{error};

    if ($r->{timed_out} && !defined $block->abort) {
        fail("ERROR: client socket timed out - $name\n");
    }

    return ($r->{resp}, $head_req);
}


# Checking.

# A check section holds one value, or an array of values when the block
# sends several requests.
sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;

    if ($need_array) {
        return $value->[$req_idx] if ref $value && ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected "
                 . "results should be arrays as well.");
    }

    return $value->[0] if ref $value && ref $value eq 'ARRAY';
    return $value;
}

sub fmt_str ($) {
    my $str = shift;

    chomp $str;
    $str =~ s/"/\\"/g;
    $str =~ s/\r/\\r/g;
    $str =~ s/\n/\\n/g;
    return $str;
}

sub expand_ports ($) {
    my $s = shift;

    return $s if !defined $s || ref $s;
    $s =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
    $s =~ s/\$ServerPort\b/$ServerPort/g;
    return $s;
}

sub check_error_code ($$$$$) {
    my ($block, $res, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->code) || '';

    SKIP: {
        skip "$name - tests skipped due to $dry_run", 1 if $dry_run;

        if (defined $block->error_code_like) {
            my $val = get_indexed_value($name, $block->error_code_like,
                                        $req_idx, $need_array);
            like($code, qr/$val/sm, "$name - status code ok");

        } elsif (defined $block->error_code) {
            is($code, get_indexed_value($name, $block->error_code, $req_idx,
                                        $need_array),
               "$name - status code ok");

        } else {
            is($code, 200, "$name - status code ok");
        }
    }
}

sub check_raw_response_headers ($$$$$) {
    my ($block, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;

    $raw_headers = '' unless defined $raw_headers;

    for my $kind (qw(like unlike)) {
        my $spec = $kind eq 'like' ? $block->raw_response_headers_like
                                   : $block->raw_response_headers_unlike;
        next unless defined $spec;

        SKIP: {
            skip "$name - raw_response_headers_$kind - tests skipped due "
                 . "to $dry_run", 1 if $dry_run;
            my $pat = get_indexed_value($name, $spec, $req_idx, $need_array);
            if ($kind eq 'like') {
                like($raw_headers, qr/$pat/s, "$name - raw resp headers like");
            } else {
                unlike($raw_headers, qr/$pat/s,
                       "$name - raw resp headers unlike");
            }
        }
    }
}

sub check_response_headers ($$$$$$) {
    my ($block, $res, $raw_headers, $dry_run, $req_idx, $need_array) = @_;
    my $name = $block->name;

    $raw_headers = '' unless defined $raw_headers;

    if (defined $block->response_headers) {
        my $headers = parse_headers(get_indexed_value(
            $name, $block->response_headers, $req_idx, $need_array));

        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};

            SKIP: {
                skip "$name - response_headers - tests skipped due to "
                     . "$dry_run", 1 if $dry_run;

                if (!defined $val) {
                    unlike($raw_headers, qr/^\s*\Q$key\E\s*:/mi,
                           "$name - header $key not present in the raw "
                           . "headers");
                    next;
                }

                my $actual = $res ? $res->header($key) : undef;
                is(defined $actual ? $actual : '', expand_ports($val),
                   "$name - header $key ok");
            }
        }

    } elsif (defined $block->response_headers_like) {
        my $headers = parse_headers(get_indexed_value(
            $name, $block->response_headers_like, $req_idx, $need_array));

        for my $key (sort keys %$headers) {
            my $val = $headers->{$key};
            my $actual = $res ? $res->header($key) : undef;

            SKIP: {
                skip "$name - response_headers_like - tests skipped due to "
                     . "$dry_run", 1 if $dry_run;
                like(defined $actual ? $actual : '', qr/^$val$/,
                     "$name - header $key like ok");
            }
        }
    }
}

# --- response_body_filters: builtin names (md5_hex sha1_hex uc lc ucfirst
# lcfirst length) or code references, applied in order; a 2-D array holds
# one list per request.
sub apply_body_filter ($$$) {
    my ($name, $filter, $content) = @_;
    my %builtin = (
        md5_hex  => \&Digest::MD5::md5_hex,
        sha1_hex => \&Digest::SHA::sha1_hex,
        uc       => sub { uc shift },
        lc       => sub { lc shift },
        ucfirst  => sub { ucfirst shift },
        lcfirst  => sub { lcfirst shift },
        length   => sub { length shift },
    );

    return $filter->($content) if ref $filter eq 'CODE';
    bail_out("$name - unknown filter, \"$filter\", specified in the --- "
             . "response_body_filters section")
        if ref $filter || !$builtin{$filter};
    return $builtin{$filter}->($content);
}

sub transform_response_body ($$$) {
    my ($block, $res, $req_idx) = @_;
    my $name = $block->name;
    my $filters = $block->response_body_filters;
    my $content;

    return unless defined $res && defined $filters;
    $content = $res->content;
    return unless defined $content;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//gs;
        $filters = [split /\s+/, $filters];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }

    if (@$filters && ref $filters->[0] eq 'ARRAY') {
        $filters = $filters->[$req_idx];
        bail_out("$name - the --- response_body_filters two-dimensional "
                 . "array unmatch the specified request($req_idx)")
            unless defined $filters;
    }

    for my $f (ref $filters eq 'ARRAY' ? @$filters : ($filters)) {
        $content = apply_body_filter($name, $f, $content);
    }
    $res->content($content);
}

sub check_response_body ($$$$$$) {
    my ($block, $res, $dry_run, $req_idx, $repeated_req_idx, $need_array)
        = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;
    my $which = "(repeated req $repeated_req_idx, req $req_idx)";

    if (defined $block->response_body || defined $block->response_body_eval)
    {
        my $expected;

        if (defined $block->response_body_eval) {
            diag "$name - response_body_eval is DEPRECATED. Use "
                 . "response_body eval instead.";
            $expected = eval get_indexed_value($name,
                                               $block->response_body_eval,
                                               $req_idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body,
                                          $req_idx, $need_array);
        }

        Encode::from_to($expected, 'UTF-8', $block->charset)
            if $block->charset;
        $expected = expand_ports($expected);

        SKIP: {
            skip "$name - response_body - tests skipped due to $dry_run", 1
                if $dry_run;

            if (ref $expected) {
                like($content, $expected,
                     "$name - response_body - like $which");
            } elsif ($NoLongString) {
                is($content, $expected,
                   "$name - response_body - response is expected $which");
            } else {
                is_string($content, $expected,
                          "$name - response_body - response is expected "
                          . $which);
            }
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $type = defined $block->response_body_like ? 'like' : 'unlike';
        my $spec = $type eq 'like' ? $block->response_body_like
                                   : $block->response_body_unlike;
        my $pat = expand_ports(get_indexed_value($name, $spec, $req_idx,
                                                 $need_array));
        my $summary = trim($content);

        $summary = '' unless defined $summary;

        SKIP: {
            skip "$name - response_body_$type - tests skipped due to "
                 . "$dry_run", 1 if $dry_run;
            if ($type eq 'like') {
                like($content, qr/$pat/s, "$name - response_body_like - "
                     . "response is expected ($summary)");
            } else {
                unlike($content, qr/$pat/s, "$name - response_body_unlike - "
                       . "response is expected ($summary)");
            }
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $req_idx, $repeated_req_idx, $dry_run);
    }
}

sub value_contains ($$) {
    my ($val, $pat) = @_;

    return $val =~ /\Q$pat\E/ if !ref $val || ref $val eq 'Regexp';
    if (ref $val eq 'ARRAY') {
        for my $v (@$val) {
            return 1 if value_contains($v, $pat);
        }
    }
    return 0;
}

# A pattern section (error_log, no_error_log, access_log, ...): plain
# lines, each a literal substring, or (eval) a qr// or an array of both.
sub pattern_list ($) {
    my $pats = shift;

    if (!ref $pats) {
        chomp $pats;
        return [split /\n+/, $pats];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats];
}

sub line_matches ($$) {
    my ($line, $pat) = @_;

    return ref $pat ? $line =~ /$pat/ : $line =~ /\Q$pat\E/;
}

# Every pattern must match some line of the log ($file names it).
sub check_log_has ($$$$$) {
    my ($block, $file, $pats, $lines, $idx) = @_;
    my $name = $block->name;

    $pats = pattern_list($pats);

    for my $line (@$lines) {
        for my $pat (@$pats) {
            next unless defined $pat;
            next unless line_matches($line, $pat);
            pass("$name - pattern \"$pat\" matches a line in $file "
                 . "(req $idx)");
            undef $pat;
        }
    }

    for my $pat (grep { defined } @$pats) {
        fail("$name - pattern \"$pat\" should match a line in $file "
             . "(req $idx)");
    }
}

# No pattern may match any line of the log.
sub check_log_lacks ($$$$$) {
    my ($block, $file, $pats, $lines, $idx) = @_;
    my $name = $block->name;
    my %found;

    $pats = pattern_list($pats);

    for my $i (0 .. $#$lines) {
        my $line = $lines->[$i];

        for my $pat (@$pats) {
            next unless defined $pat && line_matches($line, $pat);
            $found{$pat} = 1;
            my @more = @$lines[$i + 1 .. min($i + 9, $#$lines)];
            fail("$name - pattern \"" . fmt_str($pat) . "\" should not "
                 . "match any line in $file but matches line \""
                 . fmt_str($line) . "\" (req $idx)\n" . join('', @more));
        }
    }

    for my $pat (@$pats) {
        next if !defined $pat || $found{$pat};
        pass("$name - pattern \"" . fmt_str($pat) . "\" does not match a "
             . "line in $file (req $idx)");
    }
}

sub check_access_log ($$$) {
    my ($block, $dry_run, $idx) = @_;
    my $lines;

    return if $dry_run;

    if (defined $block->access_log) {
        $lines ||= access_log_data();
        check_log_has($block, 'access.log', $block->access_log, $lines, $idx);
    }
    if (defined $block->no_access_log) {
        $lines ||= access_log_data();
        check_log_lacks($block, 'access.log', $block->no_access_log, $lines,
                        $idx);
    }
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $idx, $need_array) = @_;
    my $name = $block->name;
    my ($lines, %quiet, $grep);

    return if $dry_run;

    $grep = $block->grep_error_log;
    $grep = $grep->[$idx] if ref $grep eq 'ARRAY';
    if (defined $grep) {
        my $expected = $block->grep_error_log_out;
        my $matched = '';

        bail_out("$name - No --- grep_error_log_out defined but --- "
                 . "grep_error_log is defined") unless defined $expected;
        $expected = $expected->[$idx] if ref $expected eq 'ARRAY';

        $lines ||= error_log_data() || [];
        for my $line (@$lines) {
            if (ref $grep ? $line =~ /$grep/ : $line =~ /\Q$grep\E/) {
                $matched .= "$&\n" if $& !~ /\n/;
            }
        }
        is_str($matched, $expected,
               "$name - grep_error_log_out (req $idx)");

    } elsif (defined $block->grep_error_log_out) {
        bail_out("$name - No --- grep_error_log defined but --- "
                 . "grep_error_log_out is defined");
    }

    for my $sec (qw(error_log no_error_log)) {
        my $pats = $block->$sec;
        next unless defined $pats;
        for my $level (qw(alert crit emerg)) {
            $quiet{$level} = 1 if value_contains($pats, "[$level");
        }
    }

    if (defined $block->error_log) {
        $lines ||= error_log_data() || [];
        check_log_has($block, 'error.log', $block->error_log, $lines, $idx);
    }

    if (defined $block->no_error_log) {
        $lines ||= error_log_data() || [];
        check_log_lacks($block, 'error.log', $block->no_error_log, $lines,
                        $idx);
    }

    # Serious messages nobody asked about are shown, not failed.
    $lines ||= error_log_data() || [];
    for my $line (@$lines) {
        for my $level (qw(alert crit emerg)) {
            warn "WARNING: $name - " . fmt_str($line) . "\n"
                if !$quiet{$level} && $line =~ /\[$level\]/;
        }
        fail("$name - $line") if $line =~ /\bAssertion .*?failed\b/;
    }
}


# One block, one repetition: send every request, check every answer.
sub run_test_helper ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;
    my ($reqs, $timeout, $res, $n, $need_array, $req_idx);

    $reqs = get_req_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    $timeout = parse_time($block->timeout);
    $timeout = timeout() unless defined $timeout;

    $req_idx = 0;
    for my $req (@$reqs) {
        my ($raw, $head_req) = do_request($block, $req, $timeout);

        if (defined $block->pipelined_requests) {
            $n = @{ $block->pipelined_requests };
            $need_array = 1;
        } else {
            $need_array = @$reqs > 1;
        }

        while (1) {
            my ($raw_headers, $left, $err);

            $raw = '' unless defined $raw;

            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    $res = HTTP::Response->new(200, 'OK', [], $raw);
                    $raw_headers = '';
                } else {
                    ($res, $raw_headers, $left, $err)
                        = parse_response($raw, $head_req, $name);
                    fail("$name - $err") if defined $err;
                }
            }

            if ($n) {
                $raw = $left;
                $n--;
            } elsif (defined $left) {
                (my $shown = $left)
                    =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}', ord $1)/eg;
                warn "WARNING: $name - unexpected extra bytes after last "
                     . "chunk in response: \"$shown\"\n";
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $dry_run, $req_idx,
                                 $need_array);
                check_raw_response_headers($block, $raw_headers, $dry_run,
                                           $req_idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $dry_run,
                                       $req_idx, $need_array);
                transform_response_body($block, $res, $req_idx);
                check_response_body($block, $res, $dry_run, $req_idx,
                                    $repeated_req_idx, $need_array);
            }

            if ($n || $req_idx < @$reqs - 1) {
                sleep $block->wait if $block->wait;
                check_error_log($block, $res, $dry_run, $repeated_req_idx,
                                $need_array);
                check_access_log($block, $dry_run, $repeated_req_idx)
                    unless defined $block->ignore_response;
            }

            $req_idx++;
            last unless $n;
        }
    }

    sleep $block->wait if $block->wait;

    check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
    check_access_log($block, $dry_run, $repeated_req_idx)
        unless defined $block->ignore_response;
}

1;
