#!/usr/bin/env bash
# Installs what the test suite needs besides the .NET SDK. Each step checks
# first, so a machine that has everything is not touched.
set -euo pipefail

# The foundation's tests need nothing beyond the SDK. Interop tests (a real IRC
# client or server from Debian's packages) add their packages here.
need_packages=()

if [ "${#need_packages[@]}" -gt 0 ]; then
  missing=()
  for p in "${need_packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  fi
fi
