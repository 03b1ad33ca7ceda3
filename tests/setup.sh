#!/usr/bin/env bash
# Installs what the test suite needs besides the .NET SDK. Each step checks
# first, so a machine that has everything is not touched.
set -euo pipefail

# Interop tests (tests/Chat.Interop.Tests) run Debian's ngircd as a real IRC
# server for `chat join`, and python3-irc as a real IRC client library against
# `chat serve`. Browser tests (tests/Chat.Web.Tests) drive Debian's chromium
# headless through Playwright (Playwright's own browser download is never used);
# tmux gives the terminal test (tests/Chat.Tests/TerminalTests.cs) a real
# pseudo-terminal to run `chat join` in. PostgreSQL's server binaries let the
# store and cluster tests start a throwaway cluster of their own (as the
# `postgres` user when run as root; see tests/Shared/PostgresCluster.cs).
need_packages=(ngircd python3-irc chromium tmux postgresql)

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
