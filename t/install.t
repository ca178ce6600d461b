#!/usr/bin/perl
# make install into a DESTDIR: the tree it lays out under PREFIX (and
# under the default /usr/local), and that what it installed works from
# there: nginx loads the module and includes the internal location from
# their installed paths, the daemon runs and says the VERSION file's
# version.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Test::More;

my $repo = abs_path(dirname(__FILE__) . '/..');
my $nginx = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';
my $tmp = tempdir(CLEANUP => 1);

sub install {
    my ($dest, @vars) = @_;
    my $out = `make -s -C '$repo' install DESTDIR='$dest' @vars 2>&1`;
    return ($? == 0, $out);
}

sub mode { my @st = stat $_[0]; return @st ? $st[2] & 07777 : -1 }

open my $fh, '<', "$repo/VERSION" or die "VERSION: $!";
chomp(my $version = <$fh>);
close $fh;

my $dest = "$tmp/dest";
my ($ok, $out) = install($dest, 'PREFIX=/opt/agw');
ok($ok, 'make install DESTDIR=... PREFIX=/opt/agw') or diag $out;

my $root = "$dest/opt/agw";
my %files = (
    'lib/nginx/modules/ngx_http_ai_gateway_module.so' => 0644,
    'sbin/ai-gateway-admin'                            => 0755,
    'share/nginx/ai-gateway/ai_gateway_upstream.conf'  => 0644,
    'share/nginx/ai-gateway/prices.json'               => 0644,
    'share/nginx/ai-gateway/LICENSE-litellm.txt'       => 0644,
    'share/doc/ai-gateway/examples/nginx.conf'         => 0644,
    'share/doc/ai-gateway/LICENSE'                     => 0644,
    'share/doc/ai-gateway/CHANGELOG.md'                => 0644,
    'share/doc/ai-gateway/README.md'                   => 0644,
);
for my $f (sort keys %files) {
    is(sprintf('%04o', mode("$root/$f")), sprintf('%04o', $files{$f}),
       "$f installed, mode " . sprintf('%04o', $files{$f}));
}

my @all = split /\n/, `cd '$dest' && find . -type f | sort`;
is(scalar @all, scalar keys %files, 'nothing else is installed')
    or diag join "\n", @all;

$out = `'$root/sbin/ai-gateway-admin' --version 2>&1`;
like($out, qr/^ai-gateway-admin \Q$version\E /,
     'the installed daemon runs and says the version');

SKIP: {
    skip "no $nginx", 1 unless -x $nginx;

    open my $conf, '>', "$tmp/nginx.conf" or die "$tmp/nginx.conf: $!";
    print $conf "load_module $root/lib/nginx/modules/ngx_http_ai_gateway_module.so;\n"
        . "events {}\nhttp {\n"
        . join('', map { "    ${_}_temp_path $tmp/${_}_temp;\n" }
                   qw(client_body proxy fastcgi uwsgi scgi))
        . "    ai_gateway_prices $root/share/nginx/ai-gateway/prices.json;\n"
        . "    ai_gateway_provider p type=openai url=http://127.0.0.1:1/v1;\n"
        . "    ai_gateway_route m p;\n"
        . "    server {\n"
        . "        listen 127.0.0.1:1;\n"
        . "        location /v1/ { ai_gateway openai; }\n"
        . "        include $root/share/nginx/ai-gateway/ai_gateway_upstream.conf;\n"
        . "    }\n}\n";
    close $conf;

    $out = `'$nginx' -t -p '$tmp' -c '$tmp/nginx.conf' -e '$tmp/error.log' 2>&1`;
    is($?, 0, 'nginx loads the installed module, prices and internal location')
        or diag $out;
}

($ok, $out) = install("$tmp/default");
ok($ok && -x "$tmp/default/usr/local/sbin/ai-gateway-admin"
   && -f "$tmp/default/usr/local/lib/nginx/modules/ngx_http_ai_gateway_module.so",
   'PREFIX defaults to /usr/local') or diag $out;

done_testing();
