# shellcheck shell=sh
#
# shunit2 runs suites with /bin/sh; the suites that use the server harnesses
# need bash. Sourced first by such a suite, this runs shunit2 again under
# bash on the same arguments (without this run's temporary folder).
if [ -z "${BASH_VERSION:-}" ]; then
  trap - 0 2 15
  case "${SHUNIT_TMPDIR:-}" in
    */shunit.*/tmp) rm -rf "${SHUNIT_TMPDIR%/tmp}" ;;
  esac
  exec bash "$0" "$@"
fi
