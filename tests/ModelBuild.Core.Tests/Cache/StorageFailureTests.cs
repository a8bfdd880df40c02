using ModelBuild.Core.Cache;

namespace ModelBuild.Core.Tests.Cache;

/// <summary>Which failed writes become which coded errors; the engine tests make each one happen for real.</summary>
public sealed class StorageFailureTests
{
    private static readonly string Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "cache", "tmp", "p1.m.blob");

    [Theory]
    [InlineData(28, "MB3020")]
    [InlineData(122, "MB3020")]
    [InlineData(27, "MB3021")]
    [InlineData(30, "MB3023")]
    public void An_IOException_carrying_a_storage_errno_is_coded(int errno, string code)
    {
        var diagnostic = StorageFailure.TryDescribe(new IOException("failed", errno), Path);

        Assert.Equal(code, diagnostic?.Code);
        Assert.Contains($"'{Path}'", diagnostic!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_disk_names_the_free_space_of_the_nearest_existing_folder() =>
        Assert.Matches(@"\(\d+(\.\d)? (bytes|KiB|MiB|GiB) free\)", StorageFailure.TryDescribe(new IOException("full", 28), Path)!.Message);

    [Fact]
    public void NET_s_form_of_EFBIG_is_the_file_size_limit() =>
        Assert.Equal("MB3021", StorageFailure.TryDescribe(
            new ArgumentOutOfRangeException("value", "Specified file length was too large for the file system."),
            Path)?.Code);

    [Fact]
    public void Permission_denied_is_MB3022_with_the_reason() =>
        Assert.Contains(
            "Access to the path is denied",
            StorageFailure.TryDescribe(new UnauthorizedAccessException("Access to the path is denied."), Path)!.Message,
            StringComparison.Ordinal);

    [Fact]
    public void Other_failures_stay_what_they_were()
    {
        Assert.Null(StorageFailure.TryDescribe(new IOException("sharing violation", 11), Path));
        Assert.Null(StorageFailure.TryDescribe(new InvalidOperationException("bug"), Path));
    }

    [Fact]
    public void The_path_in_a_NET_message_is_found_and_a_message_without_one_is_described()
    {
        Assert.Equal("/var/cache/x.blob", StorageFailure.PathIn(new IOException("No space left on device : '/var/cache/x.blob'")));
        Assert.Equal("a file the engine was writing", StorageFailure.PathIn(new IOException("No space left on device")));
    }
}
