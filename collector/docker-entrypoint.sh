#!/bin/sh
# ADOT-compatible start: if AOT_CONFIG_CONTENT is set, the collector reads its whole config from that
# variable (--config=env:AOT_CONFIG_CONTENT) and every --config given on the command line is ignored,
# as in ADOT's image. Other arguments (e.g. --feature-gates) are passed through.
set -eu
if [ "${AOT_CONFIG_CONTENT+set}" = set ]; then
  for arg in "$@"; do
    shift
    case $arg in
      --config=*) ;;
      *) set -- "$@" "$arg" ;;
    esac
  done
  set -- "--config=env:AOT_CONFIG_CONTENT" "$@"
fi
exec /awscollector "$@"
