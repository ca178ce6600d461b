#!/usr/bin/perl
# `ai-gateway-admin --help` names every environment variable the daemon
# reads, and none it does not: the variables are taken from the sources
# (getenv("..."), the option table, and the helpers that read a variable
# by name: agw_env_int, and agw_auth_secret_env, which reads NAME and
# NAME_FILE) and compared with the help text.  A getenv of anything else
# than a literal or those helpers' names fails too, so that a new way of
# reading the environment cannot hide a variable from this test.

use strict;
use warnings;

use Test::More;
use FindBin;
use Cwd qw(abs_path);

my $root = abs_path("$FindBin::Bin/../..");
my $bin = $ENV{AGW_ADMIN_BIN} // "$root/build/ai-gateway-admin";

plan skip_all => "$bin not built (make daemon)" unless -x $bin;

my (%read, @indirect);

for my $file (glob "$root/admin-daemon/*.c") {
    open my $fh, '<', $file or die "$file: $!";
    my $src = do { local $/; <$fh> };
    (my $name = $file) =~ s{.*/}{};

    while ($src =~ /\bgetenv\(\s*([^)]*?)\s*\)/g) {
        my $arg = $1;
        if ($arg =~ /^"(\w+)"$/) {
            $read{$1} = $name;
        } elsif ($arg !~ /^(?:name|fname|agw_opts\[i\]\.env)$/) {
            push @indirect, "$name: getenv($arg)";
        }
    }
    $read{$1} = $name while $src =~ /\bagw_env_int\(\s*"(\w+)"/g;
    while ($src =~ /\bagw_auth_secret_env\(\s*"(\w+)"/g) {
        $read{$1} = $name;
        $read{"$1_FILE"} = $name;
    }
    # the option table: { "name", "AGW_...", AGW_OPT_...
    $read{$1} = $name while $src =~ /\{\s*"[\w-]+",\s*"(AGW_\w+)",\s*AGW_OPT_/g;
}

is_deeply(\@indirect, [], 'every getenv reads a literal name or a known helper\'s');
ok(keys %read >= 20, 'the sources\' variables are found (' . scalar(keys %read) . ')');

my $help = `"$bin" --help 2>&1`;
is($? >> 8, 0, '--help exits 0');
my %shown = map { $_ => 1 } $help =~ /\b((?:AGW|OTEL)_[A-Z0-9_]+)\b/g;

my @missing = grep { !$shown{$_} } sort keys %read;
is_deeply(\@missing, [], '--help lists every variable the daemon reads')
    or diag join "\n", map { "$_ (read in $read{$_})" } @missing;

my @extra = grep { !$read{$_} } sort keys %shown;
is_deeply(\@extra, [], '--help lists no variable the daemon does not read');

done_testing();
