#!/usr/bin/env bash
# Sets up what is missing on this machine, and nothing that is already there.
#   scripts/setup.sh         what `npm start` needs: npm packages, a current build
#   scripts/setup.sh test    also what `npm test` needs: Chromium, PostgreSQL, icecast2 and nginx with the RTMP module
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then echo "airstudio needs Node.js 20 or newer (found $(node -v 2>/dev/null || echo none))." >&2; exit 1; fi

# onnxruntime-node (Silero VAD) would look for CUDA and download GPU binaries from a host we cannot reach; its CPU build is in the package.
export ONNXRUNTIME_NODE_INSTALL=skip

# npm packages: install when missing or when the lock file changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages (npm ci)"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>/tmp/airstudio-npm-ci.log; then
    # A registry mirror that serves only this platform's optional binaries (e.g. rollup's) makes npm 11's ci
    # reject the lock file as incomplete; install from the same lock file without rewriting it instead.
    log "npm ci refused the lock file ($(grep -m1 -o 'Missing: [^ ]*' /tmp/airstudio-npm-ci.log || echo 'see /tmp/airstudio-npm-ci.log')); using npm install --no-save"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
fi

# ffmpeg and ffprobe: upload checks in the web process, media processing and renders in the local workers;
# DejaVu: the font renders draw titles with.
apt_install ffmpeg fonts-dejavu-core
# The built-in voices (DJ intros, voice previews), run as separate processes: festival with its most natural
# English voice (HTS), flite, and espeak-ng for other languages; ffmpeg's rubberband filter sets their rate and pitch.
apt_install festival festvox-us-slt-hts flite espeak-ng
# Built-in captions: ffmpeg's asr filter links pocketsphinx, but its English model is a package of its own.
apt_install pocketsphinx-en-us

# Build when there is none or any source is newer than it.
stamp=build/server.js
if [ ! -f "$stamp" ] || [ -n "$(find src workers static migrations scripts svelte.config.js vite.config.ts package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  log "building"
  npm run --silent build >/dev/null
fi

# Packages whose system services must not start (nginx would take port 80; the web process runs its own nginx-rtmp,
# the live tests their own Icecast): policy-rc.d tells the packages' scripts not to, for this install only.
install_without_services() {
  local missing_live=0
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing_live=1; done
  [ $missing_live = 0 ] && return 0
  local own_policy=0 status=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null && as_root chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  apt_install "$@" || status=$?
  if [ $own_policy = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  return $status
}

# Live takeover's RTMP ingest: the studio runs without it (the channel page then says what to install).
install_without_services nginx libnginx-mod-rtmp || log "could not install nginx and libnginx-mod-rtmp: live takeover stays off until they are installed"

if [ "$mode" = test ]; then
  apt_install chromium
  install_without_services icecast2 nginx libnginx-mod-rtmp
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    apt_install postgresql
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    # A fresh cluster: let local test connections in without a password, and give them a database.
    conf=$(ls /etc/postgresql/*/main/pg_hba.conf | sort -V | tail -1)
    if ! grep -q 'airstudio-test' "$conf"; then
      as_root sed -i '1i host all all 127.0.0.1/32 trust # airstudio-test' "$conf"
      as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main reload
    fi
    as_root su postgres -c "psql -tAc \"select 1 from pg_database where datname='test'\" | grep -q 1 || createdb test" || true
  fi
  # Scale-out tests (several web processes) share a Redis; a fresh box gets Debian's, started without systemd.
  if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
    install_without_services redis-server
    log "starting Redis"
    as_root redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no || true
    for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done
  fi
fi
