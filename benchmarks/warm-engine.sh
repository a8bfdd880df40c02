#!/usr/bin/env bash
# A cache hit costs a lookup (issue 19): `modelbuild compile` of PaddleOCR's text-orientation classifier (from a
# local file) into an empty output folder with every action already in the local cache, against the start of an
# empty console app (`dotnet app.dll` printing one line) in the same run. Optionally other engines (another
# tree's modelbuild.dll, the "before"; the SDK package's ReadyToRun engine from tools/net10.0/) run in the same
# rounds, each on a cache of its own. The runs alternate app / engine / other engines, so load on the machine
# falls on all alike. Medians of the runs, in milliseconds.
#
#   RUNS=15 benchmarks/warm-engine.sh [other-engine.dll ...]     (needs npm for the model)
set -euo pipefail
runs="${RUNS:-15}"
others=("$@")
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
engines=("$engine" "${others[@]}")
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

app=(); declare -A times
for run in $(seq 1 "$runs"); do
  app+=("$(elapsed_ms dotnet "$work/empty/bin/empty.dll")")
  line="run $run: app ${app[-1]} ms"
  for i in "${!engines[@]}"; do
    rm -rf "$work/out"
    ms=$(elapsed_ms dotnet "${engines[$i]}" compile "$work/cls.yaml" --cache-dir "$work/cache-$i" -o "$work/out")
    times[$i]="${times[$i]:-} $ms"
    line+=", engine $i $ms ms"
  done
  echo "$line" >&2
done

m_app=$(median "${app[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
echo "| Run | Median of $runs | × the empty app's start |"
echo "|---|---:|---:|"
echo "| empty console app | $m_app ms | 1.0 |"
for i in "${!engines[@]}"; do
  # shellcheck disable=SC2086
  m=$(median ${times[$i]})
  echo "| warm engine run ($i: ${engines[$i]}) | $m ms | $(ratio "$m" "$m_app") |"
done
echo "($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
