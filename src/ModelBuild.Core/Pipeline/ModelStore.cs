using System.Collections.Immutable;
using ModelBuild.Core.Cache;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Core.Passes;

namespace ModelBuild.Core.Pipeline;

/// <summary>
/// A model in the content store: its protobuf blob and, for a model that keeps weights as external data,
/// a blob per data file, by the location its tensors name.
/// </summary>
public sealed record StoredModel(StoredBlob Model, ImmutableSortedDictionary<string, StoredBlob> Data)
{
    public static StoredModel OneFile(StoredBlob model)
        => new(model, ImmutableSortedDictionary.Create<string, StoredBlob>(StringComparer.Ordinal));

    /// <summary>The blobs as named action inputs or outputs: <c>model</c>, then <c>data:&lt;location&gt;</c>.</summary>
    public IEnumerable<KeyValuePair<string, StoredBlob>> Named(string prefix = "model")
    {
        yield return new(prefix, Model);
        foreach (var (location, blob) in Data)
        {
            yield return new($"{prefix}.data:{location}", blob);
        }
    }

    /// <summary>Reads back what <see cref="Named"/> wrote into an action record.</summary>
    public static StoredModel FromRecord(ActionRecord record, string prefix = "model")
    {
        ArgumentNullException.ThrowIfNull(record);
        var data = record.Outputs
            .Where(o => o.Key.StartsWith(prefix + ".data:", StringComparison.Ordinal))
            .ToImmutableSortedDictionary(o => o.Key[(prefix.Length + 6)..], o => o.Value, StringComparer.Ordinal);
        return new StoredModel(record.Outputs[prefix], data);
    }
}

/// <summary>Puts models into the content store and reads them back, with external data for models over 2 GiB.</summary>
internal sealed class ModelStore(ModelBuildCache cache)
{
    /// <summary>The data file name the store's own models use; the output folder renames it after the model.</summary>
    public const string DataLocation = "model.onnx_data";

    public async Task<StoredModel> PutAsync(ModelProto model, CancellationToken cancellationToken)
    {
        if (OnnxSerializedSize.Of(model) <= OnnxModelFile.MaxSerializedSize)
        {
            return StoredModel.OneFile(await cache.Content.PutAsync(OnnxModelFile.Write(model), cancellationToken).ConfigureAwait(false));
        }

        using var scratch = new ScratchDirectory("store");
        var path = scratch.Combine("model.onnx");
        var dataPath = OnnxExternalData.WriteFiles(model, path, DataLocation);
        var modelBlob = await cache.Content.PutFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var dataBlob = await cache.Content.PutFileAsync(dataPath, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new StoredModel(
            modelBlob,
            ImmutableSortedDictionary.Create<string, StoredBlob>(StringComparer.Ordinal).Add(DataLocation, dataBlob));
    }

    /// <summary>Parses a stored model and loads its external data; diagnostics name it <paramref name="displayName"/>, at <paramref
    /// name="at"/>.</summary>
    public ModelProto Read(StoredModel stored, string displayName, SourceLocation? at) => ReadAt(() =>
    {
        ModelProto model;
        using (var stream = Open(stored.Model))
        {
            model = OnnxModelFile.Read(stream, displayName);
        }

        OnnxExternalData.Load(
            model,
            new ExternalDataSource(location => stored.Data.TryGetValue(location, out var blob) ? Open(blob) : null),
            displayName);
        return model;
    }, at);

    /// <summary>Runs <paramref name="read"/>; what is wrong with a model file is reported at <paramref name="at"/>, the manifest line a
    /// user edits.</summary>
    public static T ReadAt<T>(Func<T> read, SourceLocation? at)
    {
        try
        {
            return read();
        }
        catch (DiagnosticException e) when (at is not null)
        {
            throw new DiagnosticException(e.Diagnostic with { Location = at }, e);
        }
    }

    private Stream Open(StoredBlob blob) =>
        cache.Content.TryOpen(blob.Digest)
            ?? throw new InvalidOperationException($"Blob {blob} vanished from the cache while it was in use.");
}
