# shellcheck shell=bash
#
# Running an app as Heroku would around this buildpack: a stand-in for the
# heroku/python buildpack, the slug moved to where it runs, and its web
# process started, asked and stopped.
#
#   . "${BUILDPACK_HOME}/test/support/web.sh"

# python_buildpack BUILD_DIR [PREFIX]: what heroku/python leaves behind, near
# enough: a Python at BUILD_DIR/.heroku/python with the app's requirements
# installed from PyPI, and its .profile.d script. By default that Python is a
# virtualenv of Debian's python3 (mod_wsgi loads Debian's libpython3.11.so);
# with PREFIX, a copy of the Python installed there, as heroku/python copies
# its own runtime (see heroku_python.sh). A Django app gets collectstatic, as
# the Python buildpack runs it. When this buildpack ran first, its
# export is sourced first, as Heroku does.
python_buildpack() {
  local build_dir=$1 prefix=${2:-} log=$1/.python-buildpack.log py=$1/.heroku/python
  (
    if [ -f "${BUILDPACK_HOME}/export" ]; then
      # shellcheck disable=SC1091
      . "${BUILDPACK_HOME}/export"
    fi
    if [ -n "$prefix" ]; then
      # Its libpython is found through the library path, as on a dyno.
      mkdir -p "$build_dir/.heroku" && cp -a "$prefix" "$py" &&
        export LD_LIBRARY_PATH="$py/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
          LIBRARY_PATH="$py/lib${LIBRARY_PATH:+:$LIBRARY_PATH}"
    else
      /usr/bin/python3 -m venv "$py"
    fi &&
      "$py/bin/python3" -m pip install -q --disable-pip-version-check \
        -r "$build_dir/requirements.txt" &&
      # As the Python buildpack does for a Django app (unless
      # DISABLE_COLLECTSTATIC is set): collectstatic, when the app has it.
      if [ -f "$build_dir/manage.py" ] && [ -z "${DISABLE_COLLECTSTATIC:-}" ] &&
        (cd "$build_dir" && "$py/bin/python3" manage.py help collectstatic) >/dev/null 2>&1; then
        (cd "$build_dir" && "$py/bin/python3" manage.py collectstatic --noinput)
      fi
  ) >"$log" 2>&1 || {
    cat "$log" >&2
    return 1
  }
  rm -f "$log"
  mkdir -p "$build_dir/.profile.d"
  cat >"$build_dir/.profile.d/python.sh" <<'SH'
export PATH="$HOME/.heroku/python/bin:$PATH"
export LD_LIBRARY_PATH="$HOME/.heroku/python/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
SH
}

# move_slug BUILD_DIR: moves the built app to a new folder, as the slug runs
# at /app and not where it was built; prints the new path.
move_slug() {
  local slug
  # Not under the test runner's private folder: Apache's children run as
  # another user when the tests run as root.
  slug=$(mktemp -d "${TMPDIR:-/tmp}/whiskey-slug.XXXXXX")
  rmdir "$slug"
  mv "$1" "$slug"
  mkdir -p "$1"  # the test runner removes it afterwards
  chmod 755 "$slug"
  echo "$slug"
}

# free_port: a TCP port nothing listens on.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# web_tmpdir SLUG: the TMPDIR the web process of SLUG gets, beside it (as
# /tmp: anyone may write, the sticky bit keeps each user's own), so that
# its run folder goes with the slug. Creates it.
web_tmpdir() {
  mkdir -p "$1.tmp" && chmod 1777 "$1.tmp" && echo "$1.tmp"
}

# server_root SLUG PORT: the run folder of the web process of SLUG on PORT,
# run by this user: Apache's server root.
server_root() {
  echo "$1.tmp/mod_wsgi-heroku-$(id -u)-$2"
}

# start_web SLUG PORT [COMMAND]: runs the Procfile's web command (or
# COMMAND) in its own session, as a dyno does: HOME is the slug, PORT set,
# .profile.d sourced, TMPDIR web_tmpdir's. Sets WEB_PID and WEB_LOG.
start_web() {
  local slug=$1 port=$2 command=${3:-} tmp
  [ -n "$command" ] || command=$(sed -n 's/^web:[[:space:]]*//p' "$slug/Procfile")
  WEB_LOG="$slug.web.log"
  tmp=$(web_tmpdir "$slug") || return 1
  # Through a pipe, as on a dyno: Apache opens /dev/stdout and /dev/stderr by
  # name, which would truncate a plain file.
  HOME="$slug" PORT="$port" TMPDIR="$tmp" setsid bash -c '
    cd "$HOME" || exit 1
    for f in .profile.d/*.sh; do . "$f"; done
    eval "exec $0"' "$command" > >(cat >"$WEB_LOG") 2>&1 </dev/null &
  WEB_PID=$!
}

# wait_http PORT [SECONDS]: until something answers HTTP on PORT.
wait_http() {
  local port=$1 seconds=${2:-30} i
  for ((i = 0; i < seconds * 5; i++)); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$port/" && return 0
    kill -0 "$WEB_PID" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# web_pids: every process of the web process's session.
web_pids() {
  ps -eo pid=,sid= | awk -v sid="$WEB_PID" '$2 == sid { print $1 }'
}

# stop_web [SECONDS]: SIGTERM to every process of the web process at once,
# as the dyno manager does; returns non-zero if any is still there after
# SECONDS (default 20), and then kills them.
stop_web() {
  local seconds=${1:-20} i pids
  pids=$(web_pids)
  [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
  for ((i = 0; i < seconds * 10; i++)); do
    [ -z "$(web_pids)" ] && { wait "$WEB_PID" 2>/dev/null; return 0; }
    sleep 0.1
  done
  pids=$(web_pids)
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  return 1
}

# wsgi_daemons: how many mod_wsgi daemon processes the web process runs.
wsgi_daemons() {
  ps -eo sid=,args= | awk -v sid="$WEB_PID" '$1 == sid && $2 ~ /^\(wsgi:/' | wc -l
}

# run_in_slug SLUG COMMAND [ARG...]: runs COMMAND in the slug as a one-off
# dyno does (heroku run): HOME is the slug, the dyno's PATH, .profile.d
# sourced; stopped after 30 seconds.
run_in_slug() {
  local slug=$1
  shift
  # shellcheck disable=SC2016 # expanded by the inner shell
  env -u LD_LIBRARY_PATH HOME="$slug" PATH=/usr/local/bin:/usr/bin:/bin timeout 30 bash -c '
    cd "$HOME" || exit 1
    for f in .profile.d/*.sh; do . "$f"; done
    exec "$@"' bash "$@" </dev/null
}
