#!/usr/bin/env bash
# A cache hit costs a lookup (issue 19): `modelbuild compile` of PaddleOCR's text-orientation classifier (from a
# local file) into an empty output folder with every action already in the local cache, against the start of an
# empty console app (`dotnet app.dll` printing one line) in the same run. Optionally a second engine (another
# tree's modelbuild.dll, the "before") runs in the same rounds. The runs alternate app / engine / before engine,
# so load on the machine falls on all alike. Medians of the runs, in milliseconds.
#
#   RUNS=15 benchmarks/warm-engine.sh [before-engine.dll]     (needs npm for the model)
set -euo pipefail
runs="${RUNS:-15}"
before="${1:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=benchmarks/classifier-engine.sh
source "$root/benchmarks/classifier-engine.sh"
cat > "$work/cls.yaml" <<'YAML'
input_model: cls.onnx
inputs:
  - name: x
    shape: [1, 3, 48, 192]
    layout: NCHW
    encoding: BGR
    mean_values: 127.5
    scale_values: 127.5
YAML

mkdir -p "$work/empty"
cat > "$work/empty/empty.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
</Project>
XML
echo 'System.Console.WriteLine("ready");' > "$work/empty/Program.cs"
dotnet build "$work/empty" -c Release -v q -nologo -o "$work/empty/bin" >/dev/null

# Fill each engine's cache once (a cold compile), then check that a warm run computes nothing.
engines=("$engine")
[ -n "$before" ] && engines+=("$before")
for i in "${!engines[@]}"; do
  dotnet "${engines[$i]}" compile "$work/cls.yaml" --cache-dir "$work/cache-$i" -o "$work/fill-$i" >/dev/null
  grep -q "0 actions run" <(dotnet "${engines[$i]}" compile "$work/cls.yaml" --cache-dir "$work/cache-$i" -o "$work/check-$i") \
    || { echo "a warm run of ${engines[$i]} computed something" >&2; exit 1; }
done

elapsed_ms() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

app=(); after=(); earlier=()
for run in $(seq 1 "$runs"); do
  app+=("$(elapsed_ms dotnet "$work/empty/bin/empty.dll")")
  rm -rf "$work/out"
  after+=("$(elapsed_ms dotnet "$engine" compile "$work/cls.yaml" --cache-dir "$work/cache-0" -o "$work/out")")
  if [ -n "$before" ]; then
    rm -rf "$work/out"
    earlier+=("$(elapsed_ms dotnet "$before" compile "$work/cls.yaml" --cache-dir "$work/cache-1" -o "$work/out")")
  fi
  echo "run $run: app ${app[-1]} ms, engine ${after[-1]} ms${before:+, before ${earlier[-1]} ms}" >&2
done

m_app=$(median "${app[@]}"); m_after=$(median "${after[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "| Run | Median of $runs | × the empty app's start |"
echo "|---|---:|---:|"
echo "| empty console app | $m_app ms | 1.0 |"
if [ -n "$before" ]; then
  m_before=$(median "${earlier[@]}")
  echo "| warm engine run, before ($before) | $m_before ms | $(ratio "$m_before" "$m_app") |"
fi
echo "| warm engine run ($engine) | $m_after ms | $(ratio "$m_after" "$m_app") |"
echo "($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
