# shellcheck shell=bash
#
# The real Cloud Native Buildpacks lifecycle (built by test/support/install-deps
# from its Go module into build/lifecycle/) driven on plain folders, as pack
# and Heroku's Fir drive it in containers: as an unprivileged build user, in
# layout mode (images as OCI layouts on disk, a run image made by
# oci_run_image.py), with a cache folder that the exporter fills and the
# restorer reads. Then the launcher, as a process-type link, starts the web
# process as the build user or as a run user of the build user's group.
#
#   . "${BUILDPACK_HOME}/test/support/lifecycle.sh"
#   lifecycle_setup             # once: users, the lifecycle, the buildpacks folders
#   lifecycle_dirs              # per test: LC_ROOT, LC_APP, LC_LAYERS, LC_PLATFORM, LC_CACHE
#   lifecycle_build BUILDPACKS  # analyzer, detector, restorer, builder, exporter

# The version install-deps pins and builds.
LIFECYCLE_VERSION=$(sed -n 's/^LIFECYCLE_VERSION=//p' "${BUILDPACK_HOME}/test/support/install-deps")
LC_PLATFORM_API=0.15
LC_BUILD_USER=whiskey-cnb
LC_RUN_USER=whiskey-run
# Outside the checkout, whose parents the build user may not traverse; kept
# between runs so that the checkout's helper, built by bin/build into TMPDIR,
# is reused while its sources are unchanged.
LC_SHARED=/tmp/whiskey-lifecycle

# lifecycle_setup: the build user and a run user in its group, the lifecycle's
# binaries where both can run them, and two buildpacks folders, each with this
# buildpack and a small Python buildpack after it (order.toml):
# LC_CHECKOUT_BUILDPACKS, this buildpack as a git checkout (read-only to the
# build user, as a builder image keeps it), and LC_PACKAGE_BUILDPACKS, as
# the release package (bin/support/package). Returns non-zero on failure.
lifecycle_setup() {
  local version bp group bin phase dir
  id -u "$LC_BUILD_USER" >/dev/null 2>&1 ||
    useradd --create-home --shell /bin/bash "$LC_BUILD_USER" || return 1
  group=$(id -gn "$LC_BUILD_USER")
  id -u "$LC_RUN_USER" >/dev/null 2>&1 ||
    useradd --create-home --shell /bin/bash -g "$group" "$LC_RUN_USER" || return 1
  LC_GID=$(id -g "$LC_BUILD_USER")

  mkdir -p "$LC_SHARED/bin" && chmod 755 "$LC_SHARED" "$LC_SHARED/bin" || return 1
  for bin in lifecycle launcher; do
    cmp -s "${BUILDPACK_HOME}/build/lifecycle/$LIFECYCLE_VERSION/$bin" "$LC_SHARED/bin/$bin" ||
      cp "${BUILDPACK_HOME}/build/lifecycle/$LIFECYCLE_VERSION/$bin" "$LC_SHARED/bin/$bin" || return 1
  done
  for phase in analyzer detector restorer builder exporter; do
    ln -sfn lifecycle "$LC_SHARED/bin/$phase"
  done

  # The version a package gets (read by the package's helper, built here for
  # the package below).
  version=$("${BUILDPACK_HOME}/bin/support/package" --version 2>"$LC_SHARED/package.log") || {
    tail -n 20 "$LC_SHARED/package.log" >&2
    return 1
  }
  LC_CHECKOUT_BUILDPACKS="$LC_SHARED/checkout"
  bp="$LC_CHECKOUT_BUILDPACKS/whiskey_mod-wsgi/$version"
  # The tracked files, as a git URL gives them, with their times (the
  # helper's staleness is told by time).
  rm -rf "$bp" && mkdir -p "$bp" || return 1
  (cd "${BUILDPACK_HOME}" && git ls-files -z | xargs -0 cp -a --parents -t "$bp") || return 1

  LC_PACKAGE_BUILDPACKS="$LC_SHARED/package"
  rm -rf "$LC_PACKAGE_BUILDPACKS" "$LC_SHARED/package-out"
  "${BUILDPACK_HOME}/bin/support/package" --out "$LC_SHARED/package-out" >"$LC_SHARED/package.log" 2>&1 || {
    tail -n 20 "$LC_SHARED/package.log" >&2
    return 1
  }
  mkdir -p "$LC_PACKAGE_BUILDPACKS/whiskey_mod-wsgi" &&
    mv "$LC_SHARED/package-out/mod_wsgi-heroku-$version" "$LC_PACKAGE_BUILDPACKS/whiskey_mod-wsgi/$version" &&
    rm -rf "$LC_SHARED/package-out" || return 1

  for dir in "$LC_CHECKOUT_BUILDPACKS" "$LC_PACKAGE_BUILDPACKS"; do
    rm -rf "$dir/test_python" && mkdir -p "$dir/test_python" &&
      cp -R "${BUILDPACK_HOME}/test/fixtures/cnb_python_buildpack" "$dir/test_python/0.0.1" || return 1
    printf '[[order]]\n[[order.group]]\nid = "whiskey/mod-wsgi"\nversion = "%s"\n\n[[order.group]]\nid = "test/python"\nversion = "0.0.1"\n' \
      "$version" >"$dir/order.toml"
  done
  chown -R root:root "$LC_CHECKOUT_BUILDPACKS" "$LC_PACKAGE_BUILDPACKS" &&
    chmod -R go-w,a+rX "$LC_CHECKOUT_BUILDPACKS" "$LC_PACKAGE_BUILDPACKS" || return 1
}

# lifecycle_dirs: a fresh set of folders owned by the build user: LC_APP (the
# app), LC_LAYERS, LC_PLATFORM (config vars in env/), LC_CACHE (kept by the
# exporter between builds), the layout folder with a Debian 12 run image for
# this machine's architecture, and LC_ROOT/process/web, the launcher's link.
lifecycle_dirs() {
  # Lower case: the lifecycle names layout images by their path, and an image
  # reference has no capitals.
  LC_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/whiskey-lifecycle.XXXXXX")
  local lower
  lower=$(dirname "$LC_ROOT")/whiskey-lifecycle.$(basename "$LC_ROOT" | cut -d. -f2 | tr 'A-Z' 'a-z')-$$
  mv "$LC_ROOT" "$lower" && LC_ROOT=$lower
  chmod 755 "$LC_ROOT"
  LC_APP="$LC_ROOT/workspace"
  LC_LAYERS="$LC_ROOT/layers"
  LC_PLATFORM="$LC_ROOT/platform"
  LC_CACHE="$LC_ROOT/cache"
  LC_LOGS="$LC_ROOT/logs"
  mkdir -p "$LC_APP" "$LC_LAYERS" "$LC_PLATFORM/env" "$LC_CACHE" "$LC_LOGS" "$LC_ROOT/process"
  python3 "${BUILDPACK_HOME}/test/support/oci_run_image.py" \
    "$LC_ROOT/layout/index.docker.io/library/run-image/latest" \
    --arch "$(dpkg --print-architecture)" --distro-name debian --distro-version 12
  ln -s "$LC_SHARED/bin/launcher" "$LC_ROOT/process/web"
  chown -R "$LC_BUILD_USER:" "$LC_ROOT"
  LC_BUILD=0
}

# lifecycle_as USER COMMAND...: COMMAND as USER (in the build user's group)
# with only the lifecycle's variables, as in a builder container.
lifecycle_as() {
  local user=$1
  shift
  setpriv --reuid "$(id -u "$user")" --regid "$LC_GID" --init-groups \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$(getent passwd "$user" | cut -d: -f6)" \
    CNB_PLATFORM_API=$LC_PLATFORM_API CNB_USER_ID="$(id -u "$user")" CNB_GROUP_ID="$LC_GID" \
    CNB_EXPERIMENTAL_MODE=quiet CNB_USE_LAYOUT=true CNB_LAYOUT_DIR="$LC_ROOT/layout" \
    CNB_NO_COLOR=true "$@"
}

# lifecycle_build BUILDPACKS: one build of LC_APP, phase after phase, until
# one fails; each phase's output in LC_LOGS/<build>-<phase>.log. Each build
# after the first starts with empty layers, as in a new container; the cache
# and the images stay. Sets LC_FAILED ("builder 51") and returns the failing
# phase's status.
lifecycle_build() {
  local bps=$1 phase status args
  LC_BUILD=$((LC_BUILD + 1))
  LC_FAILED=
  if [ "$LC_BUILD" -gt 1 ]; then
    rm -rf "$LC_LAYERS" && lifecycle_as "$LC_BUILD_USER" mkdir "$LC_LAYERS" || return 1
  fi
  # The commands of docs/cnb.md: analyzed.toml, group.toml and plan.toml in the
  # layers folder, where the phases look by default.
  local app=(-app "$LC_APP") layers=(-layers "$LC_LAYERS") layout=(-layout -layout-dir "$LC_ROOT/layout")
  for phase in analyzer detector restorer builder exporter; do
    case $phase in
      analyzer) args=("${layers[@]}" -run-image run-image:latest "${layout[@]}" app:latest) ;;
      detector) args=("${app[@]}" "${layers[@]}" -platform "$LC_PLATFORM" -buildpacks "$bps" -order "$bps/order.toml") ;;
      restorer) args=("${layers[@]}" -cache-dir "$LC_CACHE" "${layout[@]}") ;;
      builder) args=("${app[@]}" "${layers[@]}" -platform "$LC_PLATFORM" -buildpacks "$bps") ;;
      exporter) args=("${app[@]}" "${layers[@]}" -cache-dir "$LC_CACHE" -launcher "$LC_SHARED/bin/launcher"
        "${layout[@]}" app:latest) ;;
    esac
    lifecycle_as "$LC_BUILD_USER" "$LC_SHARED/bin/$phase" "${args[@]}" >"$LC_LOGS/$LC_BUILD-$phase.log" 2>&1
    status=$?
    if [ "$status" -ne 0 ]; then
      LC_FAILED="$phase $status"
      return "$status"
    fi
  done
}

# lifecycle_log PHASE: what PHASE printed in the last build.
lifecycle_log() {
  cat "$LC_LOGS/$LC_BUILD-$1.log" 2>/dev/null
}

# lifecycle_launch USER PORT [VAR=VALUE...] [-- ARGS...]: the default process
# through the launcher's process-type link (LC_ROOT/process/web), as USER,
# with only what a CNB image sets and the VARs, ARGS given to the process as a
# platform user gives them, in its own session. Sets WEB_PID and WEB_LOG.
lifecycle_launch() {
  local user=$1 port=$2 vars=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    vars+=("$1")
    shift
  done
  [ "${1:-}" = -- ] && shift
  WEB_LOG="$LC_LOGS/web-$user.log"
  setsid setpriv --reuid "$(id -u "$user")" --regid "$LC_GID" --init-groups \
    env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$(getent passwd "$user" | cut -d: -f6)" \
    CNB_PLATFORM_API=$LC_PLATFORM_API CNB_APP_DIR="$LC_APP" CNB_LAYERS_DIR="$LC_LAYERS" \
    PORT="$port" "${vars[@]}" "$LC_ROOT/process/web" "$@" > >(cat >"$WEB_LOG") 2>&1 </dev/null &
  WEB_PID=$!
}
