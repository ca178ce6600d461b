#!/usr/bin/perl
# A database made before events had finish_reason and response_model (the
# schema_version 1 table) gets them at start: the rows it holds read ''
# there, new rows are stored, and the table ends defined as a fresh
# database defines it (a restore compares the two definitions).

use strict;
use warnings;
use FindBin;
use Test::More;

require "$FindBin::Bin/10-drain-util.pl";
our ($DIR);

my $state = "$DIR/state";
my $db = "$DIR/db.sqlite";
my $fresh = "$DIR/fresh.sqlite";
my $log = "$DIR/daemon.log";

sub events_sql {
    return sql($_[0], "SELECT sql FROM sqlite_master WHERE name = 'events'");
}

ringtool('create', $state, '1m');

# a fresh database: the definition to end with
my $pid = start_daemon($state, $fresh, $log);
ringtool('produce', $state, 10, '--tag', 'fresh');
ok(wait_until(sub { sql($fresh, 'SELECT count(*) FROM events') == 10 }, 10),
   'a fresh database stores events');
is(stop_daemon($pid), 0, 'stopped');
is(sql($fresh, "SELECT v FROM drain_meta WHERE k = 'schema_version'"), 2,
   'a fresh database is at schema version 2');

# the version 1 table: the same database without the two columns
system('cp', $fresh, $db) == 0 or die 'cp failed';
system('sqlite3', $db, 'ALTER TABLE events DROP COLUMN response_model;'
       . ' ALTER TABLE events DROP COLUMN finish_reason;'
       . " UPDATE drain_meta SET v = '1' WHERE k = 'schema_version';") == 0
    or die 'sqlite3 failed';
unlike(events_sql($db), qr/finish_reason|response_model/,
       'the old table has neither column');

$pid = start_daemon($state, $db, $log);
ringtool('produce', $state, 5, '--tag', 'after');
ok(wait_until(sub { sql($db, 'SELECT count(*) FROM events') == 15 }, 10),
   'the upgraded database stores new events');
is(stop_daemon($pid), 0, 'stopped');

is(sql($db, "SELECT v FROM drain_meta WHERE k = 'schema_version'"), 2,
   'schema version 2');
is(sql($db, "SELECT count(*) FROM events WHERE finish_reason = ''"
            . " AND response_model = ''"), 15,
   'old rows and events without them read empty');
is(events_sql($db), events_sql($fresh),
   'the table is defined as in a fresh database');

done_testing();
