# shellcheck shell=bash
# Prometheus and promtool (Debian's `prometheus` package: /usr/bin/prometheus,
# /usr/bin/promtool) for the health gate's tests (tests/cli/health.rs), which backfill a
# TSDB with `promtool tsdb create-blocks-from openmetrics` and start their own server on a
# free loopback port. Sourced by .ci/run (apt_install); runnable on its own too:
# `bash .ci/setup.d/75-prometheus.sh`.
#
# The package's own service must not run: it would bind 127.0.0.1:9090 (and scrape
# nothing we need). A policy-rc.d that denies every start keeps the maintainer scripts
# from launching it, and the unit is disabled and stopped afterwards where systemd runs.
# No recommends: node-exporter and friends are not needed and would also start services.
if ! declare -F apt_install >/dev/null; then
  apt_install() { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
fi

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  prometheus_policy_rc=/usr/sbin/policy-rc.d
  prometheus_had_policy=0
  if [ -e "$prometheus_policy_rc" ]; then
    prometheus_had_policy=1
    cp -p "$prometheus_policy_rc" "$prometheus_policy_rc.tollgate-saved"
  fi
  printf '#!/bin/sh\nexit 101\n' >"$prometheus_policy_rc"
  chmod 0755 "$prometheus_policy_rc"
  apt_install --no-install-recommends prometheus
  if [ "$prometheus_had_policy" -eq 1 ]; then
    mv "$prometheus_policy_rc.tollgate-saved" "$prometheus_policy_rc"
  else
    rm -f "$prometheus_policy_rc"
  fi
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  fi
fi
prometheus --version 2>&1 | sed -n 1p
promtool --version 2>&1 | sed -n 1p
