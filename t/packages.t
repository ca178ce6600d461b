#!/usr/bin/perl
#
# The Debian packages, end to end: dpkg-buildpackage builds them from a
# copy of the tree (nothing of build/ reused), lintian finds no error,
# and in a podman container of Debian 12 (never on this host, whose nginx
# the module package would enable) apt installs them beside Debian's
# nginx; the packaged nginx loads the module and serves a request through
# it to a mock provider, and the packaged daemon records it, both run by
# systemd, the container's init, as on a machine.  Skipped only where
# podman cannot run.  The image with nginx, systemd and the packages'
# dependencies is made once and kept in podman's store (about 2 min the
# first time); a run then takes about 1.5 min.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/daemon/lib";
use Test::More;
use File::Temp qw(tempdir);
use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use AgwE2E ();

my $root = $AgwE2E::ROOT;
my $base_image = 'debian:bookworm-slim';

# podman's settings and whether it can run at all (scripts/podman-lib.sh)
my $conf = `sh -c '. "$root/scripts/podman-lib.sh" && podman_env "$root" && echo \$CONTAINERS_CONF' 2>&1`;
plan skip_all => "podman cannot run: $conf" if $? >> 8 == 77;
die "podman settings: $conf" if $?;
chomp($ENV{CONTAINERS_CONF} = (split /\n/, $conf)[-1]);

my $version = AgwE2E::slurp("$root/VERSION");
chomp $version;
my $tmp = tempdir('agw-packages-XXXXXX', TMPDIR => 1,
                  CLEANUP => !$ENV{AGW_TEST_KEEP});
my $json = JSON::PP->new->canonical;
my $http = HTTP::Tiny->new(timeout => 10, keep_alive => 0);

sub run {
    my ($cmd) = @_;
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out);
}

# A step every later check needs failed: this file stops, the other
# suites of the run go on (BAIL_OUT would stop them too).
sub stop {
    my ($why) = @_;
    fail($why);
    done_testing();
    exit 1;
}

# --- build ---------------------------------------------------------------

# The tree as git sees it (tracked and new files, nothing ignored: no
# build/, no node_modules; the same by hand outside a checkout), with
# the dashboard's node_modules linked in so that the build does not fetch
# them again.
my $src = "$tmp/src";
mkdir $src or die "$src: $!";
my $list = -e "$root/.git"
    ? "git ls-files -z --cached --others --exclude-standard"
    : "find . -path ./build -prune -o -name node_modules -prune"
      . " -o -name 'servroot*' -prune -o ! -type d -print0";
my ($ok, $out) = run("cd '$root' && $list | tar --null -T - -cf - "
                     . "| tar -C '$src' -xf -");
stop("cannot copy the tree: $out") unless $ok;
symlink("$root/admin-daemon/web/node_modules",
        "$src/admin-daemon/web/node_modules")
    if -d "$root/admin-daemon/web/node_modules";

($ok, $out) = run("cd '$src' && DEB_BUILD_OPTIONS=parallel=2 "
                  . "dpkg-buildpackage -b -us -uc");
ok($ok, 'dpkg-buildpackage -b -us -uc builds') or diag $out;
ok(!-e "$src/build", 'nothing was built into build/');

chomp(my $arch = `dpkg --print-architecture`);
my %deb = map { $_ => "$tmp/${_}_${version}_$arch.deb" }
    qw(libnginx-mod-http-ai-gateway ai-gateway-admin);
for my $p (sort keys %deb) {
    ok(-f $deb{$p}, "$p $version built");
}
stop('no packages to install') if grep { !-f } values %deb;

($ok, $out) = run("lintian --fail-on error '$tmp/ai-gateway_${version}_$arch.changes'");
ok($ok, 'lintian finds no error') or diag $out;
diag("lintian:\n$out") if $out =~ /^[WE]: /m && $ENV{TEST_VERBOSE};

my $unit = `dpkg-deb --fsys-tarfile '$deb{"ai-gateway-admin"}' | tar -xOf - ./lib/systemd/system/ai-gateway-admin.service`;
like($unit, qr/^$_$/m, "the unit has $_")
    for qw(ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes
           User=ai-gateway);

# --- the image -------------------------------------------------------------

# Debian's nginx, systemd and what the packages need, from apt.  The
# container shares the host's network: policy-rc.d keeps apt from
# starting services, and Debian's default site (port 80) goes before
# systemd boots nginx.  Named by its recipe, so a changed one is made anew.
my $recipe = <<"_EOC_";
FROM $base_image
RUN printf '#!/bin/sh\\nexit 101\\n' > /usr/sbin/policy-rc.d \\
 && chmod 755 /usr/sbin/policy-rc.d \\
 && apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \\
      --no-install-recommends nginx systemd procps curl ca-certificates \\
      libjansson4 libmicrohttpd12 libsqlite3-0 libssl3 >/dev/null \\
 && rm -f /etc/nginx/sites-enabled/default
_EOC_
my $image = 'localhost/ai-gateway-pkgtest:' . substr(sha256_hex($recipe), 0, 12);

if (system("podman image exists $image") != 0) {
    ($ok, $out) = run("'$root/scripts/podman-base' $base_image");
    stop("no base image: $out") unless $ok;

    AgwE2E::spew("$tmp/Containerfile", $recipe);
    ($ok, $out) = run("podman build --ulimit nproc=1000:1000 "
        . "--ulimit nofile=1024:1024 -t $image -f '$tmp/Containerfile' '$tmp'");
    stop("cannot build $image: $out") unless $ok;
}

# --- install -------------------------------------------------------------

# systemd as the container's init: the packaged units run as on a machine
my $ct = "agw-pkgtest-$$";
$SIG{INT} = $SIG{TERM} = sub { exit 1 };     # END removes the container
($ok, $out) = run("podman run -d --name $ct --systemd=always "
                  . "-v '$tmp:/debs:ro' $image /lib/systemd/systemd");
stop("cannot start a container: $out") unless $ok;

sub in_ct {
    my ($script) = @_;
    my $q = $script =~ s/'/'\\''/gr;
    return run("podman exec $ct sh -ec '$q'");
}

AgwE2E::wait_until(sub {
    (in_ct('systemctl is-system-running'))[1] =~ /^(running|degraded)$/m }, 30)
    or stop('systemd does not boot in the container: '
                . (in_ct('systemctl is-system-running; systemctl --failed'))[1]);

($ok, $out) = in_ct('DEBIAN_FRONTEND=noninteractive apt-get install -y '
    . '--no-install-recommends '
    . join(' ', map { "/debs/" . (split m{/}, $_)[-1] } sort values %deb));
ok($ok, 'apt installs both packages beside Debian\'s nginx') or diag $out;

($ok, $out) = in_ct('readlink /etc/nginx/modules-enabled/50-mod-http-ai-gateway.conf'
    . ' && cat /etc/nginx/modules-enabled/50-mod-http-ai-gateway.conf');
like($out, qr{^/usr/share/nginx/modules-available/mod-http-ai-gateway\.conf\n
              load_module\ modules/ngx_http_ai_gateway_module\.so;}x,
     'the module is enabled: modules-enabled links to its load_module line');

($ok, $out) = in_ct('getent passwd ai-gateway | cut -d: -f6,7; id -nG www-data');
like($out, qr{^/var/lib/ai-gateway:/usr/sbin/nologin\n}, 'the system user');
like($out, qr/\bai-gateway\b/m, 'nginx\'s user www-data is in its group');

($ok, $out) = in_ct('stat -c "%a %U %G" /run/ai-gateway /etc/ai-gateway/admin-password');
is($out, "2770 ai-gateway ai-gateway\n640 root ai-gateway\n",
   'the state directory on /run (tmpfiles.d), the generated password');

($ok, $out) = in_ct('systemd-analyze verify ai-gateway-admin.service'
                    . ' && systemctl is-enabled ai-gateway-admin');
ok($ok && $out =~ /^enabled$/m, 'the unit verifies and is enabled') or diag $out;

# --- nginx ---------------------------------------------------------------

my ($gw_port, $mock_port, $api_port) = map { AgwE2E::free_port() } 1 .. 3;
my $key = 'sk-pkgtest-0123456789abcdef';
my $answer = AgwE2E::fixture('openai-chat/response-text.json');
my $usage = $json->decode($answer)->{usage};

# a site as an operator writes it
AgwE2E::spew("$tmp/site.conf", <<"_EOC_");
ai_gateway_state /run/ai-gateway/ai-gateway.state size=4m;
ai_gateway_prices /usr/share/nginx/ai-gateway/prices.json;
ai_gateway_provider mock type=openai url=http://127.0.0.1:$mock_port/v1;
ai_gateway_route gpt-4o mock;
@{[ AgwE2E::static_key('pkgtest', $key) ]}

server {
    listen 127.0.0.1:$mock_port;
    default_type application/json;
    location = /v1/chat/completions { return 200 @{[ AgwE2E::ngx_quote($answer) ]}; }
}

server {
    listen 127.0.0.1:$gw_port;
    location /v1/ { ai_gateway openai; }
    location = /health { ai_gateway health; }
    include /usr/share/nginx/ai-gateway/ai_gateway_upstream.conf;
}
_EOC_

($ok, $out) = in_ct('cp /debs/site.conf /etc/nginx/conf.d/ai-gateway.conf'
    . ' && nginx -t && systemctl restart nginx');
ok($ok, 'the packaged nginx takes the gateway\'s configuration and restarts')
    or diag $out, (in_ct('journalctl -u nginx --no-pager | tail'))[1];

($ok, $out) = in_ct('stat -c "%a %U %G" /run/ai-gateway/ai-gateway.state');
is($out, "660 root ai-gateway\n",
   'nginx made the state file in the group, 0660 under its unit\'s umask');

my $r = $http->post("http://127.0.0.1:$gw_port/v1/chat/completions", {
    headers => { Authorization => "Bearer $key",
                 'Content-Type' => 'application/json' },
    content => '{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}' });
is($r->{status}, 200, 'a chat completion through the module') or diag $r->{content};
is(eval { $json->decode($r->{content})->{usage}{completion_tokens} },
   $usage->{completion_tokens}, 'the mock provider\'s answer reaches the client');

$r = $http->get("http://127.0.0.1:$gw_port/health");
like($r->{content}, qr/"version":"\Q$version\E"/, 'the module says its version');

# --- the daemon ----------------------------------------------------------

my $token = 'adm-pkgtest-' . ('0123456789abcdef' x 2);

($ok, $out) = in_ct("sed -i 's/^listen = .*/listen = 127.0.0.1:$api_port/' /etc/ai-gateway/admin.conf"
    . " && printf '%s\\n' '$token' > /etc/ai-gateway/admin-token"
    . ' && chgrp ai-gateway /etc/ai-gateway/admin-token'
    . ' && chmod 640 /etc/ai-gateway/admin-token'
    . " && sed -i 's/^#AGW_ADMIN_TOKEN_FILE=/AGW_ADMIN_TOKEN_FILE=/' /etc/default/ai-gateway-admin"
    . ' && systemctl start ai-gateway-admin');
ok($ok, 'the daemon, configured as an operator would, starts') or diag $out;

my $api = "http://127.0.0.1:$api_port/api/v1";
my $health;
AgwE2E::wait_until(sub {
    $health = eval { $json->decode($http->get("$api/health")->{content}) };
    $health && $health->{ok} }, 20);
ok($health && $health->{ok}, 'the daemon maps nginx\'s state file and is healthy')
    or diag explain($health), (in_ct('journalctl -u ai-gateway-admin --no-pager | tail'))[1];
is($health->{version}, $version, 'the daemon says the version');

($ok, $out) = in_ct('stat -c %U /proc/$(systemctl show -P MainPID ai-gateway-admin)');
is($out, "ai-gateway\n", 'it runs as ai-gateway');

my $row;
AgwE2E::wait_until(sub {
    my $l = $http->get("$api/logs?limit=10",
                       { headers => { Authorization => "Bearer $token" } });
    ($row) = eval { @{ $json->decode($l->{content})->{items} } };
    $row }, 20);
ok($row, 'the daemon recorded the request') or diag explain($row);
is_deeply([map { $row->{$_} } qw(key model provider status
                                 prompt_tokens completion_tokens)],
          ['pkgtest', 'gpt-4o', 'mock', 200,
           $usage->{prompt_tokens}, $usage->{completion_tokens}],
          'with its key, model, provider, status and tokens');

($ok, $out) = in_ct('systemctl reload ai-gateway-admin && systemctl is-active ai-gateway-admin');
ok($ok, 'systemctl reload re-reads its configuration, the daemon stays up')
    or diag $out;

END {
    system("podman rm -f -t 0 $ct >/dev/null 2>&1") if $ct;
}

done_testing();
