#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests of tuning through a database (tests/test_tuning_postgres.py).
#
#   .ci/postgres.sh start DIR   initdb into DIR/data, start on 127.0.0.1 at a free port, print the URL on stdout
#   .ci/postgres.sh stop DIR    stop it (the caller then removes DIR)
#
# Uses the installed server (Debian: /usr/lib/postgresql/<version>/bin), or installs Debian's `postgresql` package
# with apt-get when running as root. Every failure is explained on stderr with a non-zero exit: .ci/run then goes
# on without the server and the PostgreSQL tests skip, saying why. initdb and postgres refuse to run as root, so
# as root the server runs as the `postgres` user (created by the package) or a dedicated `tsrnn-pg` user.
set -uo pipefail

action=${1:-}
dir=${2:-}
[ -n "$action" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

find_bindir() {
    local initdb
    initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$initdb" ]; then
        initdb=$(command -v initdb 2>/dev/null || true)
    fi
    [ -n "$initdb" ] && dirname "$(readlink -f "$initdb")"
}

as_server_user() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$server_user" -- "$@"
    else
        "$@"
    fi
}

case "$action" in
start)
    bindir=$(find_bindir)
    if [ -z "$bindir" ]; then
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "postgres.sh: no PostgreSQL server installed; installing Debian's postgresql package" >&2
            # The package's own cluster may fail to start in a container: that does not matter, we start our own.
            export DEBIAN_FRONTEND=noninteractive
            timeout 300 apt-get update -qq >&2 && timeout 600 apt-get install -y -qq postgresql >&2 \
                || echo "postgres.sh: apt-get install postgresql failed" >&2
            bindir=$(find_bindir)
        fi
    fi
    [ -n "$bindir" ] && [ -x "$bindir/pg_ctl" ] \
        || { echo "postgres.sh: no PostgreSQL server (initdb, pg_ctl) found or installable" >&2; exit 1; }
    server_user=$(id -un)
    if [ "$(id -u)" = 0 ]; then
        if id postgres >/dev/null 2>&1; then
            server_user=postgres
        else
            useradd --system --no-create-home --shell /usr/sbin/nologin tsrnn-pg >&2 \
                || { echo "postgres.sh: cannot create a user to run the server (not as root)" >&2; exit 1; }
            server_user=tsrnn-pg
        fi
        chown "$server_user" "$dir" || exit 1
    fi
    py=$(command -v python3 || command -v python) || { echo "postgres.sh: no python to find a free port" >&2; exit 1; }
    port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
        || { echo "postgres.sh: cannot find a free port" >&2; exit 1; }
    # Trust on the loopback address only: a throwaway server for the tests, never reachable from outside.
    as_server_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
        || { echo "postgres.sh: initdb failed:" >&2; tail -n 20 "$dir/initdb.log" >&2; exit 1; }
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=50 -c fsync=off" start >&2 \
        || { echo "postgres.sh: the server did not start:" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    bindir=$(find_bindir)
    [ -n "$bindir" ] && [ -d "$dir/data" ] || exit 0
    server_user=$(stat -c %U "$dir/data")
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
