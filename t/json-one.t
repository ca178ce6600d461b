#!/usr/bin/perl
# One JSON reader and one writer in the module: the nginx glue
# (src/) reads and writes JSON through lib/json only, never through
# jansson's trees, and so does its library; the module does not link
# jansson.  The daemon and the unit tests still use jansson; the fuzzers
# only where it is an independent oracle for the JSON reader and writer
# themselves (docs/testing.md).

use strict;
use warnings;
use Test::More;
use FindBin;
use Cwd qw(abs_path);
use File::Find;

my $root = abs_path("$FindBin::Bin/..");
my $mod = "$root/ngx_ai_gateway_module";

# none is left; a file that must use jansson for a while is listed here
my %allowed = map { $_ => 1 } qw();

my @files;
find({ no_chdir => 1, wanted => sub {
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

# the fuzzers: jansson judges the JSON reader and writer, nothing else
# (the dialects' fuzzers check their output with the one reader)
my @fuzz;
for my $f (sort glob("$root/t/fuzz/*.[ch]")) {
    open my $fh, '<', $f or die "$f: $!";
    local $/;
    my $text = <$fh>;
    (my $rel = $f) =~ s{^\Q$root\E/}{};
    push @fuzz, $rel
        if $text =~ /#\s*include\s*<jansson\.h>|\bjson_t\s*\*/
           && $rel !~ m{^t/fuzz/fuzz_json_(reader|writer)\.c$};
}
is("@fuzz", '', 'no fuzzer but the JSON reader\'s and writer\'s uses jansson');

my $config = do {
    open my $fh, '<', "$mod/config" or die "$mod/config: $!";
    local $/;
    <$fh>;
};
my ($libs) = $config =~ /^\s*ngx_module_libs="([^"]*)"/m;

SKIP: {
    skip 'module sources still use jansson: ' . join(', ', @jansson), 2
        if @jansson;

    unlike($libs, qr/-ljansson/, 'the module\'s config does not link jansson');

    # the .so `make all` built: what the dynamic loader would load with it
    my $so = "$root/build/ngx_http_ai_gateway_module.so";
    skip "no $so (make module)", 1 unless -f $so;

    my $dyn = `readelf -d '$so' 2>&1`;
    skip 'no readelf', 1 unless $? == 0 && $dyn =~ /NEEDED/;

    my @needed = $dyn =~ /\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g;
    is(join(' ', grep { /jansson/ } @needed), '',
       "the module needs no jansson (@needed)");
}

done_testing();
