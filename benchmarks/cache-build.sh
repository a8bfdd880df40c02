#!/usr/bin/env bash
# Measures the cache (issue 5):
#
#   fresh    `dotnet build` of the TextOrientation sample (a package consumer) copied to a new folder without
#            obj/ or bin/, as a fresh clone is, with the model cache already populated
#   noop     its no-op build (`dotnet build --no-restore`)
#   local    the engine compiling the sample's manifest into an empty output folder, local cache populated
#   http     the same with an empty local cache and a populated remote: nginx with WebDAV PUT on loopback
#   redis    the same with a populated redis-server on loopback
#   stats    `modelbuild cache stats` on a cache of 10,000 blobs and 10,000 action records, against an
#            empty cache (the engine's start-up)
#
# Prints medians and ratios as Markdown rows for benchmarks/README.md. Needs nginx and redis-server
# (Debian packages; eng/test.sh installs them) and npm (the sample's model comes from the npm registry).
# Usage: benchmarks/cache-build.sh [RUNS=9]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-9}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  dotnet build-server shutdown >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

. "$repo/benchmarks/local-feed.sh"

# The sample as a package consumer.
app="$work/app"
mkdir -p "$app"
cp -r "$repo/samples/TextOrientation/images" "$repo/samples/TextOrientation/models" "$app/"
# The app reads its model through the accessor; the sample's own Program.cs also needs its INT8 twin.
echo 'System.Console.WriteLine(TextOrientation.Models.Textcls.ResourceName);' > "$app/Program.cs"
cat > "$app/NuGet.config" <<EOF
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
EOF
cat > "$app/TextOrientation.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelBuild.Sdk" Version="$version" />
    <ModelReference Include="models/textcls.yaml" ModelTarget="onnx" Precision="FP32" />
    <None Include="images/*.png" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
cp -r "$app" "$work/clean-copy"
echo "First build (cold cache, the model comes through npm)..." >&2
dotnet build "$app" > "$work/first.log" || { cat "$work/first.log" >&2; exit 1; }

elapsed_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>"$work/last-error.log" || { cat "$work/last-error.log" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

fresh=()
noop=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$work/fresh"
  cp -r "$work/clean-copy" "$work/fresh"
  fresh+=("$(elapsed_ms dotnet build "$work/fresh")")
  noop+=("$(elapsed_ms dotnet build "$app" --no-restore)")
  echo "run $((i + 1)): fresh clone ${fresh[-1]} ms, no-op ${noop[-1]} ms" >&2
done

# The engine on its own: local hit against remote hits.
engine="$NUGET_PACKAGES/modelbuild.sdk/$version/tools/net10.0/modelbuild.dll"
manifest="$app/models/textcls.yaml"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; echo "nothing listens on $1" >&2; exit 1; }

nginx_port=$(free_port)
mkdir -p "$work/nginx/www/cache"
cat > "$work/nginx/nginx.conf" <<EOF
daemon off; master_process off; worker_processes 1;
pid $work/nginx/nginx.pid; error_log $work/nginx/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body; proxy_temp_path $work/nginx/proxy; fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi; scgi_temp_path $work/nginx/scgi;
  server { listen 127.0.0.1:$nginx_port;
    location /cache/ { root $work/nginx/www; dav_methods PUT; create_full_put_path on; client_max_body_size 0; } }
}
EOF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" & pids+=($!)
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" >/dev/null & pids+=($!)
wait_port "$nginx_port"
wait_port "$redis_port"
http_remote="http://127.0.0.1:$nginx_port/cache"
redis_remote="redis://127.0.0.1:$redis_port"
for remote in "$http_remote" "$redis_remote"; do
  MODELBUILD_REMOTE_CACHE="$remote" dotnet exec "$engine" compile "$manifest" -o "$work/o/fill" --cache-dir "$work/fill-$RANDOM" >/dev/null
done

local_hit=()
http_hit=()
redis_hit=()
for ((i = 0; i < runs; i++)); do
  local_hit+=("$(elapsed_ms dotnet exec "$engine" compile "$manifest" -o "$work/o/local-$i" --cache-dir "$work/cache")")
  http_hit+=("$(MODELBUILD_REMOTE_CACHE="$http_remote" elapsed_ms dotnet exec "$engine" compile "$manifest" -o "$work/o/http-$i" --cache-dir "$work/http-$i")")
  redis_hit+=("$(MODELBUILD_REMOTE_CACHE="$redis_remote" elapsed_ms dotnet exec "$engine" compile "$manifest" -o "$work/o/redis-$i" --cache-dir "$work/redis-$i")")
  grep -q "0 actions run" <(MODELBUILD_REMOTE_CACHE="$redis_remote" dotnet exec "$engine" compile "$manifest" -o "$work/o/check" --cache-dir "$work/check-$i") \
    || { echo "a remote hit computed something" >&2; exit 1; }
  echo "run $((i + 1)): local ${local_hit[-1]} ms, http ${http_hit[-1]} ms, redis ${redis_hit[-1]} ms" >&2
done

# 10,000 blobs of 1 KiB and 10,000 records naming them, written directly in the cache's layout.
python3 - "$work/big" <<'EOF'
import hashlib, json, os, sys
root = sys.argv[1]
for i in range(10000):
    data = os.urandom(1024)
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{root}/cas/sha256/{digest[:2]}", exist_ok=True)
    open(f"{root}/cas/sha256/{digest[:2]}/{digest}", "wb").write(data)
    key = hashlib.sha256(f"key-{i}".encode()).hexdigest()
    os.makedirs(f"{root}/ac/{key[:2]}", exist_ok=True)
    record = {"format": 1, "key": key, "action": "prepare", "outputs": {"model": {"sha256": digest, "size": 1024}}, "metadata": {}}
    open(f"{root}/ac/{key[:2]}/{key}.json", "w").write(json.dumps(record))
EOF
dotnet exec "$engine" cache stats --cache-dir "$work/big" | sed 's/^/  /' >&2
stats_big=()
stats_empty=()
for ((i = 0; i < runs; i++)); do
  stats_big+=("$(elapsed_ms dotnet exec "$engine" cache stats --cache-dir "$work/big")")
  stats_empty+=("$(elapsed_ms dotnet exec "$engine" cache stats --cache-dir "$work/empty-cache")")
done

m_fresh=$(median "${fresh[@]}"); m_noop=$(median "${noop[@]}")
m_local=$(median "${local_hit[@]}"); m_http=$(median "${http_hit[@]}"); m_redis=$(median "${redis_hit[@]}")
m_big=$(median "${stats_big[@]}"); m_empty=$(median "${stats_empty[@]}")
machine="$(date +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), .NET SDK $(dotnet --version)"
echo
echo "| Measurement | Runs | Baseline (median) | Measured (median) | Ratio | Machine |"
echo "|---|---:|---:|---:|---:|---|"
echo "| Warm-cache build from a fresh clone vs no-op build | $runs | $m_noop ms | $m_fresh ms | $(ratio "$m_fresh" "$m_noop") | $machine |"
echo "| Engine: remote hit (nginx WebDAV, loopback) vs local hit | $runs | $m_local ms | $m_http ms | $(ratio "$m_http" "$m_local") | same run |"
echo "| Engine: remote hit (redis, loopback) vs local hit | $runs | $m_local ms | $m_redis ms | $(ratio "$m_redis" "$m_local") | same run |"
echo "| \`cache stats\`: 10,000 blobs + 10,000 records vs an empty cache | $runs | $m_empty ms | $m_big ms | $(ratio "$m_big" "$m_empty") | same run |"
