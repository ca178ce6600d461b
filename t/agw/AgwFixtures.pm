package AgwFixtures;

# Mock providers that replay the real wire captures of t/fixtures/ (see
# /work/shared/fixtures/README.md for where each file comes from), for the
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
# made by t/fixtures/gen-sse.  The mock's access log line (MOCK ...) holds
# what the provider received: method, path, query, each provider's auth
# header, anthropic-version and the body, for --- access_log checks.
#
# cut_reply(FILE, BYTES) gives a raw HTTP response for --- tcp_reply that
# promises more than it sends and stops after the first BYTES bytes of a
# capture (cut at the end of the event holding byte BYTES): a provider whose
# connection dies mid-stream.

use strict;
use warnings;
use Cwd qw(cwd);
use Test::Nginx::Socket ();
use AgwTest ();

our @EXPORT = qw(fixture_mock fixture_path cut_reply);
use parent 'Exporter';

$ENV{TEST_NGINX_FIXTURES} ||= cwd() . '/t/fixtures';

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

sub cut_reply {
    my ($name, $bytes) = @_;
    my $path = fixture_path($name);
    local $/;
    open my $fh, '<', $path or die "$path: $!";
    my $sse = <$fh>;
    close $fh;

    # end at the event boundary after $bytes, so what arrived is whole events
    my $end = index($sse, "\n\n", $bytes);
    $end = $end < 0 ? length($sse) : $end + 2;

    return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
        . "Content-Length: " . (length($sse) + 100000) . "\r\n\r\n"
        . substr($sse, 0, $end);
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
