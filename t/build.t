#!/usr/bin/perl
# `make module NGINX_SRC=...` with each layout an nginx source tree comes
# in: a git checkout (auto/configure only, a .git of its own), a release
# tarball (./configure), Debian's nginx-dev tree (./configure and
# conf_flags, what every other suite builds with).  The first two are made
# from Debian's tree, which is the same source, so the module built from
# the git layout must load into Debian's nginx.  Takes about 30 s.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use Test::More;

my $repo = abs_path(dirname(__FILE__) . '/..');
my $src = '/usr/share/nginx/src';
my $nginx = '/usr/sbin/nginx';

plan skip_all => "no nginx source tree at $src (nginx-dev)"
    unless -f "$src/configure" && -f "$src/src/core/nginx.h";

my $tmp = tempdir(CLEANUP => 1);
my $build = "$tmp/build";
my $so = "$build/ngx_http_ai_gateway_module.so";

sub run {
    my $cmd = shift;
    my $out = `$cmd 2>&1`;
    return ($? == 0, $out);
}

# the module's own options would make this test slower, not surer
sub make {
    my ($tree, $target) = @_;
    return run("make -s -C '$repo' BUILD='$build' NGINX_SRC='$tree'"
               . " MODULE_CC_OPT=-O0 '$target'");
}

system("cp -r '$src' '$tmp/git' && cp -r '$src' '$tmp/tarball'") == 0
    or BAIL_OUT("cannot copy $src");
rename("$tmp/git/configure", "$tmp/git/auto/configure")
    or BAIL_OUT("cannot move configure: $!");
unlink("$tmp/git/conf_flags", "$tmp/tarball/conf_flags");
mkdir("$tmp/git/.git") or BAIL_OUT("cannot make .git: $!");
system("dd if=/dev/zero of='$tmp/git/.git/pack' bs=1M count=4 2>/dev/null") == 0
    or BAIL_OUT("cannot fill .git");

my ($ok, $out) = make("$tmp/git", 'module');
ok($ok && -f $so, 'a git checkout (auto/configure, no ./configure) builds the module')
    or diag $out;
ok(!-e "$build/nginx/.git", 'the checkout\'s .git is not copied into the build');

SKIP: {
    skip "no $nginx", 1 unless -x $nginx;

    open my $conf, '>', "$tmp/nginx.conf" or die "$tmp/nginx.conf: $!";
    print $conf "load_module $so;\nevents {}\nhttp {\n"
        . join('', map { "    ${_}_temp_path $tmp/${_}_temp;\n" }
                   qw(client_body proxy fastcgi uwsgi scgi))
        . "}\n";
    close $conf;

    ($ok, $out) = run("$nginx -t -p '$tmp' -c '$tmp/nginx.conf' -e '$tmp/error.log'");
    ok($ok, 'the module built from it loads into nginx of the same version')
        or diag $out;
}

my $configured = (stat "$build/nginx/.configured")[9];
my $built = (stat $so)[9];
sleep 1;    # mtimes are in seconds

($ok, $out) = make("$tmp/git", 'module');
ok($ok && (stat "$build/nginx/.configured")[9] == $configured
   && (stat $so)[9] == $built,
   'the same tree again: nothing is configured or built again')
    or diag $out;

($ok, $out) = make("$tmp/tarball", "$build/nginx/.configured");
ok($ok && (stat "$build/nginx/.configured")[9] > $configured
   && -f "$build/nginx/configure" && -f "$build/nginx/objs/Makefile",
   'another tree, a release tarball (./configure): configured again from it')
    or diag $out;

done_testing();
