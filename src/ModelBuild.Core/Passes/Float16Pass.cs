using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json.Nodes;
using ModelBuild.Core.Diagnostics;
using ModelBuild.Core.Onnx;
using ModelBuild.Core.Onnx.Proto;
using ModelBuild.Tensors;

namespace ModelBuild.Core.Passes;

/// <summary>
/// How a model is converted to float16. <paramref name="KeepIoTypes"/> keeps float32 inputs and outputs
/// (with Casts at the boundary); <paramref name="OpBlockList"/> names operator types that stay float32,
/// <paramref name="NodeBlockList"/> node names that do.
/// </summary>
public sealed record Float16Options(bool KeepIoTypes, ImmutableArray<string> OpBlockList, ImmutableArray<string> NodeBlockList)
{
    /// <summary>
    /// The operators ONNX Runtime's float16 converter (the transformers variant) keeps in float32: the
    /// classic ML operators, and those whose float16 kernels are missing or imprecise.
    /// </summary>
    public static ImmutableArray<string> DefaultOpBlockList { get; } =
    [
        "ArrayFeatureExtractor", "Binarizer", "CastMap", "CategoryMapper", "DictVectorizer", "FeatureVectorizer",
        "Imputer", "LabelEncoder", "LinearClassifier", "LinearRegressor", "Normalizer", "OneHotEncoder",
        "RandomUniformLike", "SVMClassifier", "SVMRegressor", "Scaler", "TreeEnsembleClassifier",
        "TreeEnsembleRegressor", "TreeEnsemble", "ZipMap", "NonMaxSuppression", "TopK", "RoiAlign", "Range",
        "CumSum", "Min", "Max", "Upsample",
    ];

    /// <summary>The default for the <c>onnx</c> and <c>ort</c> targets: float32 at the boundary, the reference block list.</summary>
    public static Float16Options Default { get; } = new(true, DefaultOpBlockList, []);
}

/// <summary>
/// Converts a model to float16 with the semantics of onnxconverter-common and ONNX Runtime's transformers
/// converter, minus their known faults: float32 initializers, constant tensors and value types become
/// float16 with clamping (<see cref="Float16Tensors"/>); blocked operators stay float32 with Casts around
/// them; Resize's roi and scales stay float32; an existing <c>Cast(to=FLOAT)</c> in a converted region
/// becomes <c>Cast(to=FLOAT16)</c>; an initializer read by both a float32 and a float16 node is duplicated
/// rather than left in one type; a Constant read only by float32 nodes stays float32. Value types come
/// from ONNX Runtime's own inference (<see cref="RuntimeTypeInference"/>), so Casts are inserted exactly
/// where a float value crosses between regions and never on integer values.
/// </summary>
/// <remarks>
/// Nodes with subgraphs (If, Loop, Scan), nodes of non-standard domains and nodes that read or produce
/// sequences, maps or optionals stay float32 as a whole, as do operators whose float output type is fixed
/// by an attribute or the specification (random generators, windows, quantization operators).
/// </remarks>
public sealed class Float16Pass(Float16Options options) : IModelPass
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Half = (int)TensorProto.Types.DataType.Float16;

    /// <summary>Operators whose float outputs are float32 whatever their inputs are; always blocked.</summary>
    private static readonly FrozenSet<string> TypeFixedOps = new[]
    {
        "RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike", "Bernoulli", "EyeLike", "Multinomial",
        "HannWindow", "HammingWindow", "BlackmanWindow", "MelWeightMatrix", "TfIdfVectorizer",
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
        "ConvInteger", "MatMulInteger",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly Float16Options _options = options ?? throw new ArgumentNullException(nameof(options));

    public string Name => "fp16";

    public JsonObject DescribeOptions() => new()
    {
        ["keep_io_types"] = _options.KeepIoTypes,
        ["op_block_list"] = new JsonArray(
            [.. _options.OpBlockList.Order(StringComparer.Ordinal).Select(o => (JsonNode)JsonValue.Create(o))]),
        ["node_block_list"] = new JsonArray(
            [.. _options.NodeBlockList.Order(StringComparer.Ordinal).Select(o => (JsonNode)JsonValue.Create(o))]),
        ["max_finite"] = Float16Tensors.MaxFinite,
        ["min_positive"] = Float16Tensors.MinPositive,
    };

    public ModelProto? Apply(ModelProto model, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(diagnostics);
        foreach (var missing in _options.NodeBlockList.Where(n => !model.Graph.Node.Any(node => node.Name == n)))
        {
            diagnostics.Add(PassDiagnostics.UnknownBlockedNode, null, missing);
        }

        var types = RuntimeTypeInference.Infer(model, string.IsNullOrEmpty(model.Graph.Name) ? "model" : model.Graph.Name);
        var result = model.Clone();
        new Conversion(result, types, _options).Run();
        return result;
    }

    /// <summary>One conversion of one model: the state the steps share.</summary>
    private sealed class Conversion(ModelProto model, IReadOnlyDictionary<string, OnnxValueInfo> types, Float16Options options)
    {
        private readonly GraphProto _graph = model.Graph;
        private readonly ValueNames _names = ValueNames.Of(model);
        private readonly HashSet<NodeProto> _blocked = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, List<Read>> _reads = new(StringComparer.Ordinal);
        private readonly Dictionary<string, TensorProto> _initializers = model.Graph.Initializer
            .ToDictionary(t => t.Name, StringComparer.Ordinal);
        private readonly HashSet<string> _inputs = [.. OnnxModelSignature.FromModel(model).InputNames];
        private readonly Dictionary<string, int> _produced = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Name, int Type), string> _variants = [];
        private readonly List<NodeProto> _casts = [];
        private readonly HashSet<string> _blockedOps = [.. options.OpBlockList];
        private readonly HashSet<string> _blockedNames = [.. options.NodeBlockList];

        private int OutputType => options.KeepIoTypes ? Float : Half;

        public void Run()
        {
            foreach (var node in _graph.Node.Where(IsBlocked))
            {
                _blocked.Add(node);
            }

            CollectReads();
            KeepConstantsOfFloatReaders();
            DecideTypes();
            RewriteReads();
            ConvertNodes();
            RewriteOutputs();
            RetypeInputsAndValueInfo();
            _graph.Node.AddRange(_casts);
            GraphCleanup.RemoveUnusedInitializers(_graph);
            GraphCleanup.SortTopologically(_graph);
        }

        private bool IsFloat32(string name) =>
            types.TryGetValue(name, out var info) && info.Kind == OnnxValueKind.Tensor && info.ElementType == TensorElementType.Float;

        private bool IsBlocked(NodeProto node)
        {
            if (_blockedOps.Contains(node.OpType) || _blockedNames.Contains(node.Name) || TypeFixedOps.Contains(node.OpType))
            {
                return true;
            }

            if (!GraphCleanup.StandardDomains.Contains(node.Domain) || GraphEdits.Subgraphs(node).Any())
            {
                return true;
            }

            // LayerNormalization's optional mean and inverse deviation outputs stay float32 whatever X is.
            if (node.OpType == "LayerNormalization" && node.Output.Skip(1).Any(o => o.Length > 0))
            {
                return true;
            }

            // Sequences, maps and optionals carry their element type inside; leave such nodes alone.
            return node.Input.Concat(node.Output)
                .Any(v => v.Length > 0 && types.TryGetValue(v, out var info) && info.Kind != OnnxValueKind.Tensor);
        }

        /// <summary>Resize's roi and scales (and Upsample's scales) are float32 in every opset.</summary>
        private static bool KeepsFloatInput(NodeProto node, int index) => node.OpType == "Resize" && index >= 1;

        private void CollectReads()
        {
            foreach (var node in _graph.Node)
            {
                if (_blocked.Contains(node))
                {
                    foreach (var name in GraphEdits.Reads(node).Distinct(StringComparer.Ordinal).Where(IsFloat32))
                    {
                        AddRead(name, new Read(node, -1, Float));
                    }

                    continue;
                }

                for (var i = 0; i < node.Input.Count; i++)
                {
                    if (node.Input[i].Length > 0 && IsFloat32(node.Input[i]))
                    {
                        AddRead(node.Input[i], new Read(node, i, KeepsFloatInput(node, i) ? Float : Half));
                    }
                }
            }
        }

        private void AddRead(string name, Read read)
        {
            if (!_reads.TryGetValue(name, out var list))
            {
                _reads[name] = list = [];
            }

            list.Add(read);
        }

        /// <summary>A Constant some float32 reader needs stays float32 (like an initializer would) instead of losing precision.</summary>
        private void KeepConstantsOfFloatReaders()
        {
            var graphOutputs = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var node in _graph.Node.Where(n => n.OpType == "Constant" && !_blocked.Contains(n)))
            {
                var output = node.Output[0];
                var needsFloat = _reads.TryGetValue(output, out var reads) && reads.Any(r => r.Type == Float);
                if (needsFloat || (graphOutputs.Contains(output) && OutputType == Float))
                {
                    _blocked.Add(node);
                }
            }
        }

        /// <summary>The type each float32 value has after conversion (before any variant is made).</summary>
        private void DecideTypes()
        {
            var graphOutputs = _graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var node in _graph.Node)
            {
                foreach (var output in node.Output.Where(o => o.Length > 0 && IsFloat32(o)))
                {
                    _produced[output] = _blocked.Contains(node) ? Float : Half;
                }
            }

            foreach (var input in _inputs.Where(IsFloat32))
            {
                _produced[input] = OutputType;
            }

            foreach (var (name, tensor) in _initializers)
            {
                if (!Float16Tensors.IsFloat32(tensor) || _inputs.Contains(name))
                {
                    continue;
                }

                var needs = _reads.TryGetValue(name, out var reads) ? reads.Select(r => r.Type).ToHashSet() : [];
                if (graphOutputs.Contains(name))
                {
                    needs.Add(OutputType);
                }

                if (needs.Count == 1 && needs.Contains(Half))
                {
                    Float16Tensors.ConvertInPlace(tensor);
                    _produced[name] = Half;
                }
                else
                {
                    _produced[name] = Float;
                }
            }
        }

        private void RewriteReads()
        {
            foreach (var (name, reads) in _reads)
            {
                foreach (var read in reads)
                {
                    var variant = Variant(name, read.Type);
                    if (variant == name)
                    {
                        continue;
                    }

                    if (read.Index < 0)
                    {
                        GraphEdits.RenameInputs(read.Node, name, variant);
                    }
                    else
                    {
                        read.Node.Input[read.Index] = variant;
                    }
                }
            }
        }

        /// <summary>The name of <paramref name="name"/>'s value in <paramref name="type"/>: itself, a float16 copy of an initializer, or a
        /// Cast.</summary>
        private string Variant(string name, int type)
        {
            if (!_produced.TryGetValue(name, out var produced) || produced == type)
            {
                return name;
            }

            if (_variants.TryGetValue((name, type), out var existing))
            {
                return existing;
            }

            var suffix = type == Half ? "_fp16" : "_fp32";
            var variant = _names.Fresh(name + suffix);
            if (_initializers.TryGetValue(name, out var tensor) && type == Half)
            {
                _graph.Initializer.Add(Float16Tensors.ConvertedCopy(tensor, variant));
            }
            else
            {
                _casts.Add(GraphEdits.Node("Cast", _names.Fresh(variant + "_cast"), [name], [variant], OnnxAttributes.Int("to", type)));
            }

            _variants[(name, type)] = variant;
            return variant;
        }

        /// <summary>Retypes what converted nodes produce from their attributes: Cast targets and constant tensors.</summary>
        private void ConvertNodes()
        {
            foreach (var node in _graph.Node.Where(n => !_blocked.Contains(n)))
            {
                switch (node.OpType)
                {
                    case "Cast" when GraphEdits.Attribute(node, "to") is { I: Float } to:
                        to.I = Half;
                        break;
                    case "Constant":
                        ConvertConstantAttribute(node);
                        break;
                    case "ConstantOfShape" when GraphEdits.Attribute(node, "value") is null && IsFloat32(node.Output[0]):
                        // Without a value the output is float32 zeros; a float16 zero keeps the region consistent.
                        node.Attribute.Add(OnnxAttributes.Tensor("value", Float16Zero()));
                        break;
                    default:
                        foreach (var attribute in node.Attribute)
                        {
                            if (attribute.T is { } t)
                            {
                                Float16Tensors.ConvertInPlace(t);
                            }

                            foreach (var tensor in attribute.Tensors)
                            {
                                Float16Tensors.ConvertInPlace(tensor);
                            }
                        }

                        break;
                }
            }
        }

        private static void ConvertConstantAttribute(NodeProto node)
        {
            if (GraphEdits.Attribute(node, "value") is { T: { } tensor })
            {
                Float16Tensors.ConvertInPlace(tensor);
            }
            else if (GraphEdits.Attribute(node, "value_float") is { } single)
            {
                node.Attribute.Remove(single);
                node.Attribute.Add(OnnxAttributes.Tensor("value", Float16Tensors.ConvertedCopy(RawFloats([single.F], []), "")));
            }
            else if (GraphEdits.Attribute(node, "value_floats") is { } list)
            {
                node.Attribute.Remove(list);
                node.Attribute.Add(
                    OnnxAttributes.Tensor("value", Float16Tensors.ConvertedCopy(RawFloats([.. list.Floats], [list.Floats.Count]), "")));
            }
        }

        /// <summary>Gives every float graph output the boundary type, through a Cast where the producer's type differs.</summary>
        private void RewriteOutputs()
        {
            foreach (var output in _graph.Output.Where(o => IsFloat32(o.Name)))
            {
                var name = output.Name;
                var type = _produced.TryGetValue(name, out var produced) ? produced : Float;
                if (type != OutputType && !_inputs.Contains(name) && !_initializers.ContainsKey(name))
                {
                    var inner = _names.Fresh(name + (type == Half ? "_fp16" : "_fp32"));
                    foreach (var node in _graph.Node.Concat(_casts))
                    {
                        for (var i = 0; i < node.Output.Count; i++)
                        {
                            if (node.Output[i] == name)
                            {
                                node.Output[i] = inner;
                            }
                        }

                        GraphEdits.RenameInputs(node, name, inner);
                    }

                    _casts.Add(
                        GraphEdits.Node("Cast", _names.Fresh(name + "_cast"), [inner], [name], OnnxAttributes.Int("to", OutputType)));
                    type = OutputType;
                }

                output.Type.TensorType.ElemType = type;
            }
        }

        /// <summary>
        /// Float inputs take the boundary type; <c>value_info</c> of float32 values is dropped, since the
        /// values now have other types and ONNX Runtime infers them anyway.
        /// </summary>
        private void RetypeInputsAndValueInfo()
        {
            foreach (var input in _graph.Input.Where(i => _inputs.Contains(i.Name) && IsFloat32(i.Name)))
            {
                input.Type.TensorType.ElemType = OutputType;
            }

            GraphEdits.RemoveAll(_graph.ValueInfo, v => IsFloat32(v.Name));
        }

        private static TensorProto Float16Zero() => Float16Tensors.ConvertedCopy(RawFloats([0f], [1]), "");

        private static TensorProto RawFloats(float[] values, long[] dims) =>
            TensorProtoConversion.ToTensorProto(Tensors.Tensor.Create(values, dims));

        /// <summary>One read of a float32 value: the node, the input index (-1: every read, subgraphs too) and the type it needs.</summary>
        private sealed record Read(NodeProto Node, int Index, int Type);
    }
}
