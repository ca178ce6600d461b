package AgwSdk;

# What the suites of the official SDKs (t/sdk/*.t) share: where the SDKs
# and the modules are, the client key they send and the provider key the
# mocks must receive, and skipping the suite where node, the SDKs or the
# module are missing.

use strict;
use warnings;
use Test::More;
use Exporter 'import';

our @EXPORT_OK = qw(sdk_setup);

# Returns { sdk, module, echo, client_key, client_sha } for the tree at
# $root; sets AGW_TEST_UPSTREAM_KEY.  Plans skip_all (and so exits) when
# the suite cannot run.
sub sdk_setup {
    my ($root) = @_;
    my %s = (
        sdk        => "$root/t/sdk",
        module     => $ENV{TEST_NGINX_AGW_MODULE}
                      || "$root/build/ngx_http_ai_gateway_module.so",
        echo       => $ENV{TEST_NGINX_ECHO_MODULE}
                      || '/usr/lib/nginx/modules/ngx_http_echo_module.so',
        client_key => 'sk-client-sdk',
        client_sha => 'ac5dadb3a24cf175d387e9c7cf8e7b304449f3063f87899862c0c7479861f1de',
    );

    plan skip_all => "no node_modules in t/sdk (run npm ci there)"
        unless -d "$s{sdk}/node_modules/openai";
    plan skip_all => "node is not installed"
        if system('node --version >/dev/null 2>&1') != 0;
    plan skip_all => "$s{module} is not built (make module)"
        unless -f $s{module};

    $ENV{AGW_TEST_UPSTREAM_KEY} = 'sk-upstream-secret-sdk';

    return \%s;
}

1;
