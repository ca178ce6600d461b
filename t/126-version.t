# The module's version: $ai_gateway_version and the health answer carry
# the top-level VERSION file's number, the one the daemon and the
# packages carry too.

use FindBin;
use lib "$FindBin::Bin/agw";
use Test::Nginx::Socket 'no_plan';
use AgwTest;

open my $fh, '<', "$FindBin::Bin/../VERSION" or die "VERSION: $!";
chomp($ENV{TEST_NGINX_AGW_VERSION} = <$fh>);
close $fh;

die "no version in VERSION\n" unless $ENV{TEST_NGINX_AGW_VERSION} =~ /^\d/;

no_shuffle();

run_tests();

__DATA__

=== TEST 1: $ai_gateway_version in a location the gateway does not serve
--- config
    location = /v { return 200 "[$ai_gateway_version]\n"; }
--- request
GET /v
--- response_body eval
"[$ENV{TEST_NGINX_AGW_VERSION}]\n"
--- no_error_log
[error]



=== TEST 2: $ai_gateway_version in the access log of a gateway request
--- http_config
    MOCK
    ai_gateway_provider p type=openai url=http://127.0.0.1:$TEST_NGINX_MOCK_PORT/ok/v1;
    ai_gateway_route m p;
    log_format agw_version 'VERSION [$ai_gateway_version] $ai_gateway_provider';
--- config
    location /v1/ {
        ai_gateway openai;
        ai_gateway_auth off;
        access_log logs/access.log agw_version;
    }
--- request
POST /v1/chat/completions
{"model":"m","messages":[{"role":"user","content":"hi"}]}
--- error_code: 200
--- access_log eval
qr/VERSION \[\Q$ENV{TEST_NGINX_AGW_VERSION}\E\] p/
--- no_error_log
[error]



=== TEST 3: the health answer carries the version
--- http_config
    ai_gateway_provider p type=openai url=http://127.0.0.1:1/v1;
    ai_gateway_route m p;
--- config
    location = /health { ai_gateway health; }
--- request
GET /health
--- error_code: 200
--- response_body_like eval
qr/^\{"status":"ok","version":"\Q$ENV{TEST_NGINX_AGW_VERSION}\E","providers":\[/
--- no_error_log
[error]
