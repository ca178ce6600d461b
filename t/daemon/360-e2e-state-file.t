#!/usr/bin/perl
# The state file as real nginx makes it: each worker enters the whole ring
# into its page tables when it starts (no page fault per page later, in
# the log phase); and a file whose blocks cannot be reserved (a full disk)
# stops nginx at start, `nginx -t` included, with a message naming the
# file, the size, the reason and the directive's line, rather than a
# worker dying of SIGBUS at its first event on a sparse file.

use strict;
use warnings;
use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/../lib";
use FreePort ();
use Test::More;
use Time::HiRes qw(sleep);

my $ROOT = abs_path("$FindBin::Bin/../..");
my $NGINX = $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';
my $MODULE = $ENV{TEST_NGINX_AGW_MODULE}
             // "$ROOT/build/ngx_http_ai_gateway_module.so";

plan skip_all => "$MODULE not built (make module)" unless -f $MODULE;
plan skip_all => "no $NGINX" unless -x $NGINX;

my $dir = tempdir('agw-state-file-XXXXXX', TMPDIR => 1,
                  CLEANUP => !$ENV{AGW_TEST_KEEP});
diag("kept in $dir") if $ENV{AGW_TEST_KEEP};
mkdir "$dir/logs";

sub slurp {
    open my $fh, '<', $_[0] or return '';
    local $/;
    return <$fh>;
}

sub conf {
    my ($state, $size) = @_;
    my $port = FreePort::free_port();
    open my $fh, '>', "$dir/nginx.conf" or die;
    print $fh <<"EOC";
load_module $MODULE;
worker_processes 2;
error_log logs/error.log warn;
pid logs/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    ai_gateway_state $state size=$size;
    server { listen 127.0.0.1:$port; }
}
EOC
    close $fh;
    # the line of ai_gateway_state, for the messages
    return 8;
}

# nginx (with its arguments) under a shell prelude; (exit code, output)
sub nginx {
    my ($prelude, @args) = @_;
    my $out = `sh -c '$prelude exec "$NGINX" -p "$dir" -c "$dir/nginx.conf" @args' 2>&1`;
    return ($? >> 8, $out);
}

# Rss and Size (kB) of a process's mapping of $path.
sub mapped_kb {
    my ($pid, $path) = @_;
    my ($in, %kb) = (0);
    for (split /\n/, slurp("/proc/$pid/smaps")) {
        if (/^[0-9a-f]+-[0-9a-f]+ /) {
            $in = /\Q$path\E$/;
        } elsif ($in && /^(Size|Rss):\s+(\d+) kB/) {
            $kb{$1} = $2;
        }
    }
    return \%kb;
}

# 1. Prefault: both workers hold the whole ring in their page tables
# before they served anything.
my $state = "$dir/state";
conf($state, '16m');
my ($rc, $out) = nginx('');
is($rc, 0, 'nginx starts with a 16 MB state file') or diag($out);

my $master;
for (1 .. 50) {
    ($master) = slurp("$dir/logs/nginx.pid") =~ /(\d+)/;
    last if $master;
    sleep 0.1;
}
my @workers;
for (1 .. 50) {
    @workers = grep { (split ' ', slurp("/proc/$_/stat"))[3] == $master }
               map { m{/proc/(\d+)/stat} ? $1 : () } glob('/proc/[0-9]*/stat');
    # each worker populates its page tables as it starts: a moment
    last if @workers == 2
            && !grep { my $kb = mapped_kb($_, $state);
                       !$kb->{Rss} || $kb->{Rss} != $kb->{Size} } @workers;
    sleep 0.1;
}
is(scalar @workers, 2, 'two workers');
for my $w (@workers) {
    my $kb = mapped_kb($w, $state);
    is($kb->{Rss}, $kb->{Size},
       "worker $w: the whole mapping ($kb->{Size} kB) is in its page tables")
        or diag(slurp("$dir/logs/error.log"));
}
unlike(slurp("$dir/logs/error.log"), qr/prefaulting/, 'no prefault warning');
nginx('', '-s', 'stop');
for (1 .. 50) { last unless kill 0, $master; sleep 0.1; }

# 2. No room for the blocks: a file size limit says EFBIG as a full disk
# says ENOSPC (SIGXFSZ ignored, as nginx would not survive it).
my $full = "$dir/full.state";
my $line = conf($full, '16m');
($rc, $out) = nginx(q{trap "" XFSZ; ulimit -f 1024;}, '-t');
isnt($rc, 0, 'nginx -t fails when the state file has no room');
like($out, qr/\[emerg\].*ai_gateway_state: cannot reserve 16777216 bytes for "\Q$full\E": File too large \(the whole file is allocated at start, so that a full disk fails here and not later in a worker\) in \Q$dir\E\/nginx\.conf:$line/,
     'and says which file, how much, why, and where it is configured');
is(-s $full, 0, 'the file is left empty, not sparse');
($rc, $out) = nginx('', '-t');
is($rc, 0, 'with room again, the same file is accepted') or diag($out);

# 3. A real full file system, where this machine lets us mount one.
SKIP: {
    my $mnt = "$dir/mnt";
    mkdir $mnt;
    skip 'cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)', 2
        unless $> == 0
            && system("mount -t tmpfs -o size=1m agw-test $mnt 2>/dev/null")
               == 0;
    $line = conf("$mnt/state", '16m');
    ($rc, $out) = nginx('', '-t');
    system("umount $mnt");
    isnt($rc, 0, 'nginx -t fails on a full tmpfs');
    like($out, qr/cannot reserve 16777216 bytes for "\Q$mnt\E\/state": No space left on device .* in \Q$dir\E\/nginx\.conf:$line/,
         'with ENOSPC in the message');
}

done_testing();
