#!/usr/bin/env bash
# Measures what ModelBuild adds to a no-op `dotnet build`.
#
#   sdk      the TextOrientation sample as a package consumer: <Sdk Name="ModelBuild.Sdk" /> and its ModelReference
#   package  the same, with <PackageReference Include="ModelBuild.Sdk" /> instead of the <Sdk> element
#   without  the same app without ModelBuild: the compiled model, the generated accessor and the
#            ModelBuild.Imaging reference added by hand, so all of them compile and embed the same things
#   empty    `without` plus <Sdk Name="Empty.Sdk" />, a NuGet-resolved SDK whose props and targets are
#            empty: what resolving any SDK from NuGet costs, with ModelBuild not involved at all
#
# Each is built once, then no-op builds rotate (sdk, package, without, empty, sdk, ...) RUNS times each.
# Prints the medians and their ratios to `without` as Markdown table rows for benchmarks/README.md.
# Usage: benchmarks/noop-build.sh [RUNS=9]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-9}
work=$(mktemp -d)
trap 'dotnet build-server shutdown >/dev/null 2>&1 || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

. "$repo/benchmarks/local-feed.sh"

# Empty.Sdk: an SDK package with nothing in it, to price NuGet's SDK resolver on its own.
mkdir -p "$work/empty-sdk/Sdk"
echo '<Project />' > "$work/empty-sdk/Sdk/Sdk.props"
echo '<Project />' > "$work/empty-sdk/Sdk/Sdk.targets"
cat > "$work/empty-sdk/Empty.Sdk.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <PackageType>MSBuildSdk</PackageType>
    <IncludeBuildOutput>false</IncludeBuildOutput>
    <EnableDefaultItems>false</EnableDefaultItems>
    <NoWarn>NU5128</NoWarn>
    <Version>1.0.0</Version>
  </PropertyGroup>
  <ItemGroup>
    <None Include="Sdk/*" Pack="true" PackagePath="Sdk/" />
  </ItemGroup>
</Project>
EOF
dotnet pack "$work/empty-sdk" -o "$work/feed" >/dev/null

common_files() {
  mkdir -p "$1"
  cp -r "$repo/samples/TextOrientation/images" "$1/"
  # The app reads its model through the accessor; the sample's own Program.cs also needs its INT8 twin.
  echo 'System.Console.WriteLine(TextOrientation.Models.Textcls.ResourceName);' > "$1/Program.cs"
  cat > "$1/global.json" <<EOF
{ "sdk": { "version": "10.0.100", "rollForward": "latestFeature" }, "msbuild-sdks": { "ModelBuild.Sdk": "$version", "Empty.Sdk": "1.0.0" } }
EOF
  cat > "$1/NuGet.config" <<EOF
<configuration><packageSources><clear /><add key="local" value="$work/feed" /></packageSources></configuration>
EOF
}

# sdk: the sample as a user writes it.
common_files "$work/sdk"
cp -r "$repo/samples/TextOrientation/models" "$work/sdk/"
cat > "$work/sdk/TextOrientation.csproj" <<'EOF'
<Project Sdk="Microsoft.NET.Sdk">
  <Sdk Name="ModelBuild.Sdk" />
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <ModelReference Include="models/textcls.yaml" ModelTarget="onnx" Precision="FP32" />
    <None Include="images/*.png" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
# package: the same through a PackageReference.
common_files "$work/package"
cp -r "$repo/samples/TextOrientation/models" "$work/package/"
sed -e '/<Sdk Name="ModelBuild.Sdk" \/>/d' \
    -e "s|<ModelReference |<PackageReference Include=\"ModelBuild.Sdk\" Version=\"$version\" />\n    <ModelReference |" \
    "$work/sdk/TextOrientation.csproj" > "$work/package/TextOrientation.csproj"
for variant in sdk package; do
  echo "First build ($variant)..." >&2
  dotnet build "$work/$variant" > "$work/$variant.log" || { cat "$work/$variant.log" >&2; exit 1; }
done

# without: the outputs of the first build, wired by hand.
common_files "$work/without"
generated="$work/sdk/obj/Debug/modelbuild"
cp "$generated/Models.g.cs" "$work/without/"
cp "$generated/textcls/textcls.onnx" "$work/without/"
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
    <None Include="$package/tools/net10.0/runtimes/$rid/native/*" Link="runtimes/$rid/native/%(Filename)%(Extension)" CopyToOutputDirectory="PreserveNewest" />
    <None Include="images/*.png" CopyToOutputDirectory="PreserveNewest" />
  </ItemGroup>
</Project>
EOF
common_files "$work/empty"
cp "$work/without/Models.g.cs" "$work/without/textcls.onnx" "$work/empty/"
sed 's|<Project Sdk="Microsoft.NET.Sdk">|&\n  <Sdk Name="Empty.Sdk" />|' "$work/without/TextOrientation.csproj" > "$work/empty/TextOrientation.csproj"
for variant in without empty; do
  echo "First build ($variant)..." >&2
  dotnet build "$work/$variant" > "$work/$variant.log" || { cat "$work/$variant.log" >&2; exit 1; }
done

milliseconds() {
  local start end
  start=$(date +%s%N)
  dotnet build "$1" --no-restore >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

sdk=()
package=()
without=()
empty=()
for ((i = 0; i < runs; i++)); do
  sdk+=("$(milliseconds "$work/sdk")")
  package+=("$(milliseconds "$work/package")")
  without+=("$(milliseconds "$work/without")")
  empty+=("$(milliseconds "$work/empty")")
  echo "run $((i + 1)): sdk ${sdk[-1]} ms, package ${package[-1]} ms, without ${without[-1]} ms, empty ${empty[-1]} ms" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
m_sdk=$(median "${sdk[@]}")
m_package=$(median "${package[@]}")
m_without=$(median "${without[@]}")
m_empty=$(median "${empty[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
machine="$(date -u +%Y-%m-%d), $(nproc) cores, $cpu, .NET SDK $(dotnet --version)"
echo "| TextOrientation, \`<PackageReference Include=\"ModelBuild.Sdk\" />\` vs without | $runs | $m_without ms | $m_package ms | $(ratio "$m_package" "$m_without") | $machine |"
echo "| TextOrientation, \`<Sdk Name=\"ModelBuild.Sdk\" />\` vs without | $runs | $m_without ms | $m_sdk ms | $(ratio "$m_sdk" "$m_without") | $machine |"
echo "| TextOrientation, \`<Sdk Name=\"ModelBuild.Sdk\" />\` vs an empty NuGet SDK | $runs | $m_empty ms | $m_sdk ms | $(ratio "$m_sdk" "$m_empty") | $machine |"
