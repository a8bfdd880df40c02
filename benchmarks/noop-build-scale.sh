#!/usr/bin/env bash
# What ModelBuild adds to a no-op `dotnet build` as the number of models grows, and what importing
# the SDK costs at evaluation time.
#
#   models-N   a console app with <PackageReference Include="ModelBuild.Sdk" /> and N ModelReference
#              items (N = 0, 1, 10; copies of the TextOrientation manifest under different names)
#   plain-N    the same app without ModelBuild: the N compiled models embedded and the generated
#              accessor and ModelBuild.Imaging referenced by hand, so it compiles and embeds the same things
#
# Each is built once, then no-op builds (`dotnet build --no-restore -clp:PerformanceSummary`) rotate
# between all of them RUNS times: the wall-clock medians, and ModelBuild's own share read from MSBuild's
# target performance summary (the _ModelBuild* targets), which outside load disturbs far less.
# Evaluation: MSBuild's evaluation profiler (`-profileEvaluation`, its "Total evaluation" row) on
# models-0 against plain-0, rotated RUNS times: what importing the SDK costs when no model is used.
# Prints Markdown table rows for benchmarks/README.md.
# Usage: benchmarks/noop-build-scale.sh [RUNS=9]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-9}
work=$(mktemp -d)
trap 'dotnet build-server shutdown >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

. "$repo/benchmarks/local-feed.sh"

counts=(0 1 10)
project_files() {
  mkdir -p "$1"
  cat > "$1/global.json" <<EOF
{ "sdk": { "version": "10.0.100", "rollForward": "latestFeature" } }
EOF
  cat > "$1/NuGet.config" <<EOF
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
EOF
  echo 'Console.WriteLine("ok");' > "$1/Program.cs"
}

for n in "${counts[@]}"; do
  dir="$work/models-$n"
  project_files "$dir"
  mkdir -p "$dir/models"
  items=""
  for ((i = 1; i <= n; i++)); do
    cp "$repo/samples/TextOrientation/models/textcls.yaml" "$dir/models/model$i.yaml"
    items="$items    <ModelReference Include=\"models/model$i.yaml\" />
"
  done
  cat > "$dir/App.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelBuild.Sdk" Version="$version" PrivateAssets="all" />
$items  </ItemGroup>
</Project>
EOF
  echo "First build (models-$n)..." >&2
  dotnet build "$dir" > "$work/models-$n.log" || { cat "$work/models-$n.log" >&2; exit 1; }
done

package="$NUGET_PACKAGES/modelbuild.sdk/$version"
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
for n in "${counts[@]}"; do
  dir="$work/plain-$n"
  project_files "$dir"
  generated="$work/models-$n/obj/Debug/modelbuild"
  resources=""
  for ((i = 1; i <= n; i++)); do
    cp "$generated/model$i/model$i.onnx" "$dir/"
    resources="$resources    <EmbeddedResource Include=\"model$i.onnx\" LogicalName=\"App.Models.model$i.onnx\" WithCulture=\"false\" />
"
  done
  [ "$n" -eq 0 ] || cp "$generated/Models.g.cs" "$dir/"
  cat > "$dir/App.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
$resources    <Reference Include="ModelBuild.Imaging" HintPath="$package/runtime/net10.0/ModelBuild.Imaging.dll" />
    <None Include="$package/tools/net10.0/runtimes/$rid/native/*" Link="runtimes/$rid/native/%(Filename)%(Extension)" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
  echo "First build (plain-$n)..." >&2
  dotnet build "$dir" > "$work/plain-$n.log" || { cat "$work/plain-$n.log" >&2; exit 1; }
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

declare -A times own
for ((r = 0; r < runs; r++)); do
  line="run $((r + 1)):"
  for n in "${counts[@]}"; do
    for variant in models plain; do
      start=$(date +%s%N)
      dotnet build "$work/$variant-$n" --no-restore -clp:PerformanceSummary > "$work/noop.log"
      t=$((($(date +%s%N) - start) / 1000000))
      # Target Performance Summary lines: "<ms> ms  <target>  <n> calls"; ModelBuild's targets start with _ModelBuild.
      mine=$(sed -n '/Target Performance Summary/,/Task Performance Summary/p' "$work/noop.log" | awk '$3 ~ /^_ModelBuild/ {s += $1} END {print s + 0}')
      times[$variant-$n]="${times[$variant-$n]:-} $t"
      own[$variant-$n]="${own[$variant-$n]:-} $mine"
      line="$line $variant-$n $t ms (ModelBuild $mine ms),"
    done
  done
  echo "$line" >&2
done

# The evaluation profiler's total for one evaluation, in milliseconds.
evaluation_ms() {
  dotnet msbuild "$1" -getProperty:TargetPath "-profileEvaluation:$work/eval.md" >/dev/null
  awk -F'|' '$3 == "Total evaluation" {gsub(/ /, "", $7); print $7}' "$work/eval.md"
}
eval_models=()
eval_plain=()
for ((r = 0; r < runs; r++)); do
  eval_models+=("$(evaluation_ms "$work/models-0/App.csproj")")
  eval_plain+=("$(evaluation_ms "$work/plain-0/App.csproj")")
done

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
machine="$(date -u +%Y-%m-%d), $(nproc) cores, $cpu, .NET SDK $(dotnet --version), load average $(cut -d ' ' -f 1 /proc/loadavg)"
for n in "${counts[@]}"; do
  # shellcheck disable=SC2086
  m=$(median ${times[models-$n]})
  # shellcheck disable=SC2086
  p=$(median ${times[plain-$n]})
  # shellcheck disable=SC2086
  o=$(median ${own[models-$n]})
  echo "| $n ModelReference item(s), \`<PackageReference Include=\"ModelBuild.Sdk\" />\` vs without | $runs | $p ms | $m ms | $(ratio "$m" "$p") | ModelBuild's targets: $o ms | $machine |"
done
me=$(median "${eval_models[@]}")
pe=$(median "${eval_plain[@]}")
echo "| Evaluation (profiler total), SDK imported without models vs without the SDK | $runs | $pe ms | $me ms | $(ratio "$me" "$pe") | $(awk -v a="$me" -v b="$pe" 'BEGIN { print a - b }') ms | $machine |"
