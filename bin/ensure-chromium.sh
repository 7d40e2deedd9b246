#!/usr/bin/env bash
# Sourced by ./tollgate test: the dashboard test drives a headless Chromium. When none is found
# (TOLLGATE_CHROMIUM, chromium or chromium-browser on PATH), install Debian's package if this
# user may (root or password-less sudo with apt-get); otherwise say how, and let the test fail
# with its own message naming the missing binary.

tollgate_ensure_chromium() {
  if [ -n "${TOLLGATE_CHROMIUM:-}" ] && [ -x "$TOLLGATE_CHROMIUM" ]; then return 0; fi
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then return 0; fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else sudo="none"; fi
  fi
  if [ "$sudo" != "none" ] && command -v apt-get >/dev/null 2>&1; then
    echo "tollgate: installing Debian's chromium for the dashboard test (apt-get install chromium)..." >&2
    if $sudo apt-get update -qq >/dev/null 2>&1 && \
       DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null 2>&1; then
      echo "tollgate: chromium installed: $(command -v chromium)" >&2
      return 0
    fi
    echo "tollgate: could not install chromium with apt-get; the dashboard test will fail." >&2
    return 0
  fi
  echo "tollgate: no chromium found; install it (e.g. apt-get install chromium) or set TOLLGATE_CHROMIUM," >&2
  echo "tollgate: otherwise the dashboard test fails." >&2
}
