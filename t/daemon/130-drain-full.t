#!/usr/bin/perl
# The database full for a while: events wait in the ring and nothing is
# lost once there is room again, and the health check says so meanwhile
# (503, storing failing since when, the last success; the ring nearly
# full) instead of "ok" while every COMMIT fails.  Two ways: the daemon's own size cap
# (SQLite max_page_count, SQLITE_FULL) lifted with a config reload
# (SIGHUP), which runs anywhere; and a real full file system, a tiny tmpfs
# grown afterwards, which needs the right to mount (root, not in every
# container): skipped without it.

use strict;
use warnings;
use FindBin;
use Test::More;
use Time::HiRes qw(sleep);
use HTTP::Tiny;
use JSON::PP;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $log = "$DIR/daemon.log";
my $n = 20000;     # grows with the events produced below

sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

ringtool('create', $state, '32m');

# 1. The size cap.
my $db = "$DIR/db.sqlite";
my $conf = "$DIR/admin.conf";
write_file($conf, "# drain test\nmax-db-size = 1m\nbatch_size = 1000\n");

my $pid = start_daemon($state, $db, $log, '--config', $conf);
like(ringtool('produce', $state, $n, '--tag', 'a'), qr/produced=$n/,
     "$n events produced");

ok(wait_until(sub { slurp($log) =~ /database or disk is full/ }, 10),
   'SQLITE_FULL reported');
sleep 0.5;
my $rows = sql($db, 'SELECT count(*) FROM events');
my $s = stats($state);
ok($rows > 0 && $rows < $n, "only $rows rows fit under the cap");
is($s->{fill} + $rows, $n, 'the rest waits in the ring');
ok(kill(0, $pid), 'daemon keeps running');

# the health check, while every COMMIT fails
my ($api) = slurp($log) =~ /API listening on (\S+)/;
my $h;
sub health {
    my ($path) = @_;
    my $r = HTTP::Tiny->new(timeout => 5)
        ->get("http://$api/api/v1/health" . ($path // ''));
    $h = eval { JSON::PP->new->decode($r->{content}) } // {};
    return $r->{status};
}
SKIP: {
    skip 'the API is not built in', 12 unless $api;

    ok(wait_until(sub { health() == 503 }, 10),
       'health: 503 while storing fails');
    is(health('/ready'), 503, 'not ready either');
    ok(!$h->{ok} && @{ $h->{reasons} // [] }, 'for the same reasons');
    is(health('/live'), 200,
       'but alive: restarting would not empty the disk');
    health();
    ok(!$h->{ok} && !$h->{store}{ok}, 'not ok, storing not ok');
    like("@{ $h->{reasons} // [] }", qr/storing events has failed/,
         'the reason says so');
    cmp_ok($h->{store}{failing_since_ms} // 0, '>', 0, 'failing since when');
    cmp_ok($h->{store}{last_success_ms} // 0, '>', 0,
           'and when the last store was');
    ok($h->{db}{ok}, 'the database itself still answers reads');

    # fill the ring past 90% (capacity - fill more events)
    $s = stats($state);
    my $more = int($s->{capacity} * 0.93) - $s->{fill};
    like(ringtool('produce', $state, $more, '--tag', 'f'), qr/produced=$more/,
         "$more more events: the ring nearly full");
    $n += $more;
    health();
    like("@{ $h->{reasons} // [] }", qr/the ring is 9\d% full/,
         'health: the ring nearly full is a reason too');
    is($h->{ring}{fill}, stats($state)->{fill}, 'ring fill reported');
}

write_file($conf, "max-db-size = 0\nbatch_size = 1000\n");
kill 'HUP', $pid;
ok(wait_until(sub { stats($state)->{fill} == 0 }, 30),
   'cap lifted by SIGHUP: ring drained');
like(slurp($log), qr/configuration reloaded/, 'reload logged');
is(sql($db, 'SELECT count(*), count(DISTINCT request_id) FROM events'),
   "$n|$n", "all $n events, once each");
is(sql($db, 'SELECT sum(requests) FROM rollup_minute'), $n,
   'rollups agree');
is(stats($state)->{dropped}, 0, 'nothing dropped');
SKIP: {
    skip 'the API is not built in', 4 unless $api;
    my $failed_since = $h->{store}{failing_since_ms};
    is(health('/ready'), 200, 'ready again once storing works');
    is(health(), 200, 'health: 200 again once storing works');
    ok($h->{ok} && $h->{store}{ok} && !@{ $h->{reasons} }, 'ok, no reason');
    cmp_ok($h->{store}{last_success_ms}, '>', $failed_since,
           'the last store is after the failure began');
}
is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

# 2. A real file system full.
SKIP: {
    my $mnt = "$DIR/mnt";
    mkdir $mnt or die;
    skip 'cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)', 6
        unless $> == 0
            && system("mount -t tmpfs -o size=512k agw-test $mnt 2>/dev/null")
               == 0;

    my $mounted = 1;
    my $umount = sub {
        system("umount $mnt") if $mounted;
        $mounted = 0;
    };
    local $SIG{__DIE__} = sub { $umount->() };

    $db = "$mnt/db.sqlite";
    $pid = start_daemon($state, $db, $log, '--batch-size', 1000);
    $n = 20000;
    like(ringtool('produce', $state, $n, '--tag', 'b'), qr/produced=$n/,
         "$n events produced onto a 512k file system");

    ok(wait_until(sub { slurp($log) =~ /storing.*failed.*(full|disk|I\/O)/ },
                  10), 'the daemon hits the full disk');
    sleep 0.5;
    $rows = sql($db, 'SELECT count(*) FROM events');
    ok(stats($state)->{fill} > 0, "events wait in the ring ($rows rows)");

    system("mount -o remount,size=64m $mnt") == 0 or die "remount";
    ok(wait_until(sub { stats($state)->{fill} == 0 }, 30),
       'file system grown: ring drained');
    is(sql($db, 'SELECT count(*), count(DISTINCT request_id) FROM events'),
       "$n|$n", "all $n events, once each");
    is(stop_daemon($pid), 0, 'SIGTERM: exit 0');

    $umount->();
}

done_testing();
