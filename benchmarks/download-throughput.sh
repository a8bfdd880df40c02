#!/usr/bin/env bash
# Download throughput of `modelbuild download` against curl, both fetching from nginx on 127.0.0.1 (issues 4 and 19):
#   1. one 256 MiB file, unthrottled: modelbuild (verify + cache + output) vs curl -o (goal: ratio >= 0.9), and, for
#      reference, curl followed by sha384sum and sha256sum (the checks ModelBuild makes);
#   2. the same file from a location limited to 100 MiB/s (nginx `limit_rate 100m`): modelbuild vs curl (goal: >= 0.97);
#   3. eight 32 MiB files from a location limited to 16 MiB/s per connection: -j4 vs -j1 (goal: >= 3x; skipped with
#      PARALLEL=0).
# ModelBuild's cache is MODELBUILD_CACHE, not --cache_dir: that option also writes an Open Model Zoo downloader cache
# entry, a third copy of the file that neither curl nor `omz_downloader` without --cache_dir makes.
# Each round runs every command once, in the same order, so that the machine's load falls on all of them alike; the
# figures are medians over the rounds. A second engine (a `before` build) may be given to measure in the same rounds.
# Not run in CI. Needs nginx, curl, bc. Usage: benchmarks/download-throughput.sh [rounds] [before-engine.dll]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
before="${2:-}"
work="$(mktemp -d)"
nginx_pid=""
trap '[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$work"' EXIT

dotnet build src/ModelBuild.Cli -c Release -v q -nologo >/dev/null
engine="artifacts/bin/ModelBuild.Cli/release/modelbuild.dll"

mkdir -p "$work/www/fast" "$work/nginx"
head -c $((256 << 20)) /dev/urandom > "$work/www/fast/big.bin"
ln -s fast "$work/www/limited"
if [ "${PARALLEL:-1}" != 0 ]; then
  mkdir -p "$work/www/slow"
  for i in 0 1 2 3 4 5 6 7; do head -c $((32 << 20)) /dev/urandom > "$work/www/slow/part$i.bin"; done
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off; sendfile on; tcp_nopush on;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy; fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$port; root $work/www;
    location /limited/ { limit_rate 100m; }
    location /slow/ { limit_rate 16m; } }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" & nginx_pid=$!
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
base="http://127.0.0.1:$port"

model_yml() { # model name, then "folder/file" paths under the server's root
  local folder="$work/models/$1"; shift
  mkdir -p "$folder"
  { echo "description: benchmark"; echo "task_type: classification"; echo "files:"
    for file in "$@"; do
      echo "  - name: $(basename "$file")"
      echo "    size: $(stat -L -c %s "$work/www/$file")"
      echo "    checksum: $(sha384sum "$work/www/$file" | cut -d' ' -f1)"
      echo "    source: $base/$file"
    done
    echo "framework: dldt"; echo "license: none"; } > "$folder/model.yml"
}
model_yml big fast/big.bin
model_yml limited limited/big.bin
if [ "${PARALLEL:-1}" != 0 ]; then for i in 0 1 2 3 4 5 6 7; do model_yml "part$i" "slow/part$i.bin"; done; fi

# Each measurement starts with no dirty pages left by the one before (their writeback would slow it down).
# Prints the wall time and the CPU time (user + system, of every process the command ran) in seconds: on a shared
# machine the first moves with the load, the second much less.
seconds() {
  local s e c; sync; s=$(date +%s.%N)
  c=$( ("$@" >/dev/null; times) | tail -1 | awk '{ n = 0; for (i = 1; i <= 2; i++) { split($i, t, "m"); n += t[1] * 60 + t[2] } print n }')
  e=$(date +%s.%N); echo "$(echo "$e - $s" | bc -l) $c"
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
download() { # engine, model pattern, extra arguments; the caller empties the cache and output first (untimed)
  local dll="$1" name="$2"; shift 2
  MODELBUILD_CACHE="$work/cache" dotnet exec "$dll" download --models_dir "$work/models" --name "$name" -o "$work/out" "$@"
}
fresh() { rm -rf "$work/cache" "$work/out" "$work/curl.bin"; }
curl_checked() { curl -sS -o "$work/curl.bin" "$1" && sha384sum "$work/curl.bin" && sha256sum "$work/curl.bin"; }

declare -A times cpu
record() { local w c; read -r w c <<<"$2"; times[$1]+="$w "; cpu[$1]+="$c "; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for run in $(seq "$runs"); do
  fresh; record curl "$(seconds curl -sS -o "$work/curl.bin" "$base/fast/big.bin")"
  fresh; record checked "$(seconds curl_checked "$base/fast/big.bin")"
  fresh; record mb "$(seconds download "$engine" big)"
  if [ -n "$before" ]; then fresh; record mb_before "$(seconds download "$before" big)"; fi
  fresh; record curl_limited "$(seconds curl -sS -o "$work/curl.bin" "$base/limited/big.bin")"
  fresh; record mb_limited "$(seconds download "$engine" limited)"
  if [ -n "$before" ]; then fresh; record mb_limited_before "$(seconds download "$before" limited)"; fi
  if [ "${PARALLEL:-1}" != 0 ]; then
    fresh; record j1 "$(seconds download "$engine" 'part*' -j 1)"
    fresh; record j4 "$(seconds download "$engine" 'part*' -j 4)"
  fi
  fresh
  echo "round $run done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

med() { tr ' ' '\n' <<<"${times[$1]}" | grep . | median; }
med_cpu() { tr ' ' '\n' <<<"${cpu[$1]}" | grep . | median; }
line() { # label, baseline key, candidate key, size in MiB
  local b m; b=$(med "$2"); m=$(med "$3")
  printf '%-44s %-13s %.2f s (%.0f MiB/s)   %-18s %.2f s (%.0f MiB/s)   ratio %.2f   CPU %.2f s vs %.2f s\n' \
    "$1" "$2" "$b" "$(echo "$4/$b" | bc -l)" "$3" "$m" "$(echo "$4/$m" | bc -l)" "$(echo "$b/$m" | bc -l)" \
    "$(med_cpu "$2")" "$(med_cpu "$3")"
}
line "256 MiB, loopback, unthrottled:" curl mb 256
if [ -n "$before" ]; then line "256 MiB, loopback, unthrottled (before):" curl mb_before 256; fi
line "256 MiB, curl + sha384sum + sha256sum:" checked mb 256
line "256 MiB, 100 MiB/s:" curl_limited mb_limited 256
if [ -n "$before" ]; then line "256 MiB, 100 MiB/s (before):" curl_limited mb_limited_before 256; fi
if [ "${PARALLEL:-1}" != 0 ]; then
  a=$(med j1); b=$(med j4)
  printf '8 x 32 MiB, 16 MiB/s per connection:   -j1 %.2f s   -j4 %.2f s   speed-up %.2fx\n' "$a" "$b" "$(echo "$a/$b" | bc -l)"
fi
