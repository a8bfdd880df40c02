using ModelBuild.Core.Diagnostics;

namespace ModelBuild.Core.Manifest;

/// <summary>
/// Diagnostics in the order reported, each once: top-level keys are copied into every stage and read
/// once per stage, and the same mistake must still be reported a single time.
/// </summary>
internal sealed class UniqueDiagnostics
{
    private readonly List<Diagnostic> _items = [];
    private readonly HashSet<Diagnostic> _seen = [];

    public IReadOnlyList<Diagnostic> Items => _items;

    public bool HasErrors => _items.Exists(d => d.IsError);

    public void Add(DiagnosticDescriptor descriptor, SourceLocation? location, params object?[] args) =>
        Add(descriptor.Create(location, args));

    public void Add(Diagnostic diagnostic)
    {
        if (_seen.Add(diagnostic))
        {
            _items.Add(diagnostic);
        }
    }
}
