#!/usr/bin/env bash
# Download throughput of `modelbuild download` against curl over loopback (issue 4):
#   1. one 256 MiB file, unthrottled: modelbuild (verify + cache + output) vs curl -o (goal: ratio >= 0.9),
#      and, for reference, curl followed by sha384sum and sha256sum (the checks ModelBuild makes);
#   2. eight 32 MiB files from a server that limits each connection to 16 MiB/s: -j4 vs -j1 (goal: >= 3x).
# Not run in CI. Needs curl and python3. Usage: benchmarks/download-throughput.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build src/ModelBuild.Cli -c Release -v q -nologo >/dev/null
engine="artifacts/bin/ModelBuild.Cli/release/modelbuild.dll"

mkdir -p "$work/files"
head -c $((256 << 20)) /dev/urandom > "$work/files/big.bin"
for i in 0 1 2 3 4 5 6 7; do head -c $((32 << 20)) /dev/urandom > "$work/files/part$i.bin"; done

port=$((20000 + RANDOM % 20000)); slow_port=$((port + 1))
python3 benchmarks/download-server.py "$work/files" "$port" &
python3 benchmarks/download-server.py "$work/files" "$slow_port" $((16 << 20)) &
sleep 1

model_yml() { # folder name, then "file port" pairs
  local folder="$work/models/$1"; shift
  mkdir -p "$folder"
  { echo "description: benchmark"; echo "task_type: classification"; echo "files:"
    while [ $# -gt 0 ]; do
      local file="$1" p="$2"; shift 2
      echo "  - name: $file"
      echo "    size: $(stat -c %s "$work/files/$file")"
      echo "    checksum: $(sha384sum "$work/files/$file" | cut -d' ' -f1)"
      echo "    source: http://127.0.0.1:$p/$file"
    done
    echo "framework: dldt"; echo "license: none"; } > "$folder/model.yml"
}
model_yml big big.bin "$port"
for i in 0 1 2 3 4 5 6 7; do model_yml "part$i" "part$i.bin" "$slow_port"; done

# Each measurement starts with no dirty pages left by the one before (their writeback would slow it down).
seconds() { local s e; sync; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

curl_times=(); checked_times=(); mb_times=(); j1=(); j4=()
curl_checked() { curl -sS -o "$work/curl.bin" "$1" && sha384sum "$work/curl.bin" && sha256sum "$work/curl.bin"; }
for run in $(seq "$runs"); do
  curl_times+=("$(seconds curl -sS -o "$work/curl.bin" "http://127.0.0.1:$port/big.bin")"); rm -f "$work/curl.bin"
  checked_times+=("$(seconds curl_checked "http://127.0.0.1:$port/big.bin")"); rm -f "$work/curl.bin"
  rm -rf "$work/cache" "$work/out"
  mb_times+=("$(seconds dotnet exec "$engine" download --models_dir "$work/models" --name big -o "$work/out" --cache_dir "$work/cache")")
  rm -rf "$work/cache" "$work/out"
  j1+=("$(seconds dotnet exec "$engine" download --models_dir "$work/models" --name 'part*' -j 1 -o "$work/out" --cache_dir "$work/cache")")
  rm -rf "$work/cache" "$work/out"
  j4+=("$(seconds dotnet exec "$engine" download --models_dir "$work/models" --name 'part*' -j 4 -o "$work/out" --cache_dir "$work/cache")")
done

c=$(printf '%s\n' "${curl_times[@]}" | median); k=$(printf '%s\n' "${checked_times[@]}" | median); m=$(printf '%s\n' "${mb_times[@]}" | median)
a=$(printf '%s\n' "${j1[@]}" | median); b=$(printf '%s\n' "${j4[@]}" | median)
printf '256 MiB, loopback:        curl %.2f s (%.0f MiB/s)   modelbuild %.2f s (%.0f MiB/s)   ratio %.2f\n' "$c" "$(echo "256/$c" | bc -l)" "$m" "$(echo "256/$m" | bc -l)" "$(echo "$c/$m" | bc -l)"
printf '256 MiB, curl + sha384sum + sha256sum: %.2f s   modelbuild/that ratio %.2f\n' "$k" "$(echo "$k/$m" | bc -l)"
printf '8 x 32 MiB, 16 MiB/s per connection:   -j1 %.2f s   -j4 %.2f s   speed-up %.2fx\n' "$a" "$b" "$(echo "$a/$b" | bc -l)"
