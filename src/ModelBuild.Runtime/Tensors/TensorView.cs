namespace ModelBuild.Runtime;

/// <summary>
/// An output of a run read in place, in ONNX Runtime's own memory, without the copy a <see cref="Tensor"/>
/// makes: valid only inside the callback of <see cref="InferenceSession.Run(IReadOnlyList{NamedTensor}, IReadOnlyList{string}, Action{IReadOnlyList{TensorView}}, CancellationToken)"/>
/// that received it (the memory is released when the callback returns).
/// </summary>
public readonly unsafe struct TensorView
{
    private readonly void* _data;

    internal TensorView(string name, TensorElementType elementType, long[] shape, long elementCount, void* data)
    {
        Name = name;
        ElementType = elementType;
        Shape = shape;
        ElementCount = elementCount;
        _data = data;
    }

    /// <summary>The output's name.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>The dimensions.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements.</summary>
    public long ElementCount { get; }

    /// <summary>The elements in C order, in place.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the element type's .NET type.</exception>
    public ReadOnlySpan<T> AsSpan<T>()
        where T : unmanaged
    {
        if (TensorElementTypes.ClrType(ElementType) != typeof(T))
        {
            throw new InvalidOperationException(RuntimeDiagnostics.ElementTypeMismatch(ElementType, typeof(T)));
        }

        return ElementCount == 0 ? [] : new ReadOnlySpan<T>(_data, checked((int)ElementCount));
    }
}
