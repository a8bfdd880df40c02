# Sourced by the build benchmarks after they set $repo and $work: keeps NuGet's packages and ModelBuild's
# cache inside $work, packs ModelBuild.Sdk into the local feed $work/feed, and sets $version to its version.
export NUGET_PACKAGES="$work/packages" MODELBUILD_CACHE="$work/cache"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

echo "Packing ModelBuild.Sdk..." >&2
dotnet pack "$repo/sdk/ModelBuild.Sdk" -c Release -o "$work/feed" >/dev/null
version=$(basename "$work"/feed/ModelBuild.Sdk.*.nupkg .nupkg | sed 's/^ModelBuild\.Sdk\.//')

# Apps get Microsoft.ML.OnnxRuntime from the SDK, and the consumers' NuGet.config names the local feed only:
# restore it into $NUGET_PACKAGES first, from the machine's own NuGet sources.
mkdir -p "$work/warm-onnxruntime"
cat > "$work/warm-onnxruntime/Warm.csproj" <<'WARM'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
  <ItemGroup><PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.32.0" /></ItemGroup>
</Project>
WARM
dotnet restore "$work/warm-onnxruntime" >/dev/null
