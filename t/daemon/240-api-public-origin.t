#!/usr/bin/perl
#
# The admin daemon behind a reverse proxy (nginx) that rewrites Host and
# serves it under a sub-path: with AGW_ADMIN_PUBLIC_ORIGIN the dashboard's
# files and API calls work under /admin/ and state changes pass the
# Origin check; with AGW_ADMIN_TRUSTED_PROXIES the proxy's X-Forwarded-Host
# and X-Forwarded-For are believed, and only from it.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use HTTP::Tiny;
use JSON::PP;
use AgwE2E;

AgwE2E::check_prerequisites();

my $password = 'public-origin-pw-0123';
my $json = JSON::PP->new->utf8->canonical;
my $public = 'https://gw.example';

sub daemon {
    my (@args) = @_;
    my $gw = AgwE2E->new;
    AgwE2E::spew($gw->dir . '/pw', "$password\n");
    local $ENV{AGW_ADMIN_PASSWORD_FILE} = $gw->dir . '/pw';
    $gw->start_daemon('--create-state', @args);
    return $gw;
}

# A: the public origin; B: trusted proxies, no public origin.
my $a = daemon('--public-origin', "$public/admin/");
my $b = daemon('--trusted-proxies', '127.0.0.1, 10.9.0.0/16');

# nginx: /admin/ -> A (Host rewritten to A's address by proxy_pass),
# /b/ -> B with the forwarded headers.
my $proxy = AgwE2E->new(http => <<"_EOC_");
    server {
        listen 127.0.0.1:PROXY;
        location /admin/ {
            proxy_pass http://127.0.0.1:$a->{api_port}/;
            proxy_buffering off;
        }
        location /b/ {
            proxy_pass http://127.0.0.1:$b->{api_port}/;
            proxy_set_header X-Forwarded-Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
_EOC_
my $pport = AgwE2E::free_port();
$proxy->{http} =~ s/PROXY/$pport/;
$proxy->start_nginx;

my $http = HTTP::Tiny->new(timeout => 10, max_redirect => 0);

sub req {
    my ($method, $url, %o) = @_;
    my %h = %{ $o{headers} // {} };
    $h{'Content-Type'} = 'application/json' if $o{json};
    $h{Cookie} = "agw_session=$o{session}{cookie}" if $o{session};
    $h{'X-CSRF-Token'} = $o{session}{csrf} if $o{session} && $method ne 'GET';
    my $r = $http->request($method, $url, { headers => \%h,
        $o{json} ? (content => $json->encode($o{json})) : () });
    $r->{json} = eval { $json->decode($r->{content}) };
    return $r;
}

sub login {
    my ($url, %h) = @_;
    my $r = req(POST => "$url/api/v1/login", headers => \%h,
                json => { username => 'admin', password => $password });
    my ($cookie) = ($r->{headers}{'set-cookie'} // '') =~ /agw_session=(\w+)/;
    return { status => $r->{status}, cookie => $cookie,
             csrf => $r->{json}{csrf_token} };
}

my $sub = "http://127.0.0.1:$pport/admin";

subtest 'the dashboard under a sub-path loads its files relative to it' => sub {
    my $r = req(GET => "$sub/");
    is($r->{status}, 200, '/admin/ is the dashboard');
    ok($r->{content} !~ /(?:src|href)="\//, 'no file referred to from the root');
    my @files = $r->{content} =~ /(?:src|href)="([^"#]+)"/g;
    cmp_ok(scalar @files, '>=', 3, 'script, style and icon referred to');
    for my $f (@files) {
        is(req(GET => "$sub/$f")->{status}, 200, "$f found under /admin/");
    }
    my ($js) = $r->{content} =~ /src="([^"]+\.js)"/;
    my $code = req(GET => "$sub/$js")->{content};
    ok($code =~ /api\/v1/ && $code !~ m{["'`]/api/v1},
       'the app calls the API relative to its page');
};

subtest 'state changes through a proxy that rewrites Host' => sub {
    my $s = login($sub, Origin => $public);
    is($s->{status}, 200, 'login from the public origin') or diag(explain $s);
    my $r = req(POST => "$sub/api/v1/keys", session => $s,
                headers => { Origin => $public },
                json => { name => 'via-proxy' });
    is($r->{status}, 201, 'a key created with the session') or diag($r->{content});
    $r = req(POST => "$sub/api/v1/keys", session => $s,
             headers => { Origin => 'https://evil.example' },
             json => { name => 'evil' });
    is($r->{status}, 403, 'a foreign Origin is still refused');
    is($r->{json}{error}{code}, 'csrf', 'as CSRF');
    is(login($sub, Origin => 'http://gw.example')->{status}, 403,
       'the public origin with another scheme is foreign');

    # a proxy that passes the path on unstripped is served the same
    $r = req(GET => "http://127.0.0.1:$a->{api_port}/admin/api/v1/health");
    ok($r->{status} == 200 && $r->{json}{ok},
       'the public path is understood directly too');
    is(req(GET => "http://127.0.0.1:$a->{api_port}/api/v1/health")->{status},
       200, 'and the root stays');
};

subtest 'forwarded headers from a trusted proxy' => sub {
    my $via = "http://127.0.0.1:$pport/b";
    my $s = login($via, Origin => "http://127.0.0.1:$pport");
    is($s->{status}, 200, 'login: the forwarded host matches the Origin')
        or diag(explain $s);

    # from an address that is no trusted proxy, the headers count for nothing
    my $direct = "http://127.0.0.1:$b->{api_port}";
    my $untrusted = HTTP::Tiny->new(timeout => 10, local_address => '127.0.0.7');
    my $r = $untrusted->request(POST => "$direct/api/v1/login", {
        headers => { 'Content-Type' => 'application/json',
                     Origin => 'http://evil.example',
                     'X-Forwarded-Host' => 'evil.example' },
        content => $json->encode({ username => 'admin',
                                   password => $password }) });
    is($r->{status}, 403, 'X-Forwarded-Host from anyone else is ignored');

    # the login limit is per client behind the proxy, not for the proxy
    for my $i (1 .. 5) {
        req(POST => "$direct/api/v1/login",
            headers => { 'X-Forwarded-For' => '203.0.113.9' },
            json => { username => 'admin', password => "guess$i" });
    }
    is(req(POST => "$direct/api/v1/login",
           headers => { 'X-Forwarded-For' => '203.0.113.9' },
           json => { username => 'admin', password => $password })->{status},
       429, 'one client behind the proxy is locked out');
    is(login($direct, 'X-Forwarded-For' => '198.51.100.4, 10.9.3.4')->{status},
       200, 'another one is not (trusted hops skipped)');
    like($b->daemon_log, qr/from 203\.0\.113\.9/, 'the log names the client');
};

done_testing();
