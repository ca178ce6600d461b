#!/usr/bin/perl
# One JSON reader and one writer in the module (issue 10): the nginx glue
# (src/) reads and writes JSON through lib/json only, never through
# jansson's trees.  The module's library files that still use jansson are
# listed here, so that none is added; when the list is empty the .so must
# not link jansson at all.  lib/oracle/ is the tests' only, not the
# module's.

use strict;
use warnings;
use Test::More;
use FindBin;
use Cwd qw(abs_path);
use File::Find;

my $root = abs_path("$FindBin::Bin/..");
my $mod = "$root/ngx_ai_gateway_module";

# still on jansson: the key snapshot's reader and writer, shared with the
# admin daemon
my %allowed = map { $_ => 1 } qw(lib/state/agw_keys.c);

my @files;
find({ no_chdir => 1, wanted => sub {
    if ($File::Find::name =~ m{/lib/oracle$}) {
        $File::Find::prune = 1;
        return;
    }
    push @files, $File::Find::name if /\.[ch]$/;
} }, "$mod/src", "$mod/lib");

ok(@files > 20, scalar(@files) . ' module sources found');

my @jansson;
for my $f (sort @files) {
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    my $text = <$fh>;
    (my $rel = $f) =~ s{^\Q$mod\E/}{};
    push @jansson, $rel
        if $text =~ /#\s*include\s*<jansson\.h>|\bjson_t\s*\*/;
}

my @src = grep { m{^src/} } @jansson;
is("@src", '', 'the nginx glue (src/) does not use jansson');

my @new = grep { !$allowed{$_} } @jansson;
is("@new", '', 'no other module source uses jansson');

my $config = do {
    open my $fh, '<', "$mod/config" or die "$mod/config: $!";
    local $/;
    <$fh>;
};
my ($libs) = $config =~ /^\s*ngx_module_libs="([^"]*)"/m;

SKIP: {
    skip 'module sources still use jansson: ' . join(', ', @jansson), 1
        if @jansson;

    unlike($libs, qr/-ljansson/, 'the module does not link jansson');
}

done_testing();
