/**
 * The ONNX reader (format {@code onnx}): a model's initializers as tensors.
 *
 * <p><b>What is listed.</b> Every initializer of the main graph, then those of its subgraphs (If
 * branches, Loop and Scan bodies, nested up to 32 deep), each keyed by its own name verbatim; a
 * name used twice is listed again as {@code name#2} with a warning. Values stay in their files:
 * raw_data and a packed float_data/double_data run are slices of the model file; external data
 * ({@code location} relative to the model's folder, never with {@code ..}, an absolute path or a
 * link out of it; {@code offset}; {@code length}) is a slice of the file beside it, checked against
 * that file and the tensor's size; values written as varints (int32_data for 8/16-bit, bool,
 * float16, bfloat16 and float8 types, int64_data, uint64_data) or split over several runs are
 * decoded when first read, at most 64 MiB for all such tensors together (beyond it they are named
 * in a warning). Element types map onto torch's dtype names; strings, the FNUZ float8s, float8e8m0,
 * 2- and 4-bit types and float4, segmented tensors and sparse initializers are named in warnings.
 *
 * <p><b>Info</b> (per tensor, see {@link io.weightbench.format.onnx.Consumers}): the first
 * consuming node's {@code op}, {@code input} slot and its {@code role} in the op's schema (Conv
 * {@code W}, Gemm {@code B}, BatchNormalization {@code input_mean}, ...), {@code node},
 * {@code domain} for non-standard ops, the attributes that decide a weight's layout
 * ({@code transA}/{@code transB}/{@code alpha}/{@code beta} of Gemm, {@code group} of Conv and
 * ConvTranspose, {@code direction}/{@code linear_before_reset} of RNN/GRU/LSTM, defaults filled
 * in), {@code consumers} when not exactly one and {@code ops} ({@code Op:slot} with counts) when
 * several; {@code data} (raw_data, float_data, ..., external) with {@code location} and
 * {@code offset}; {@code subgraph} (e.g. {@code if0.then_branch}); {@code doc}.
 *
 * <p><b>Metadata</b>: ir_version, producer_name, producer_version, domain, model_version,
 * doc_string (abbreviated), opset_import ({@code ai.onnx 13, com.microsoft 1}),
 * {@code metadata_props.<key>}, graph_name, graph_doc_string, {@code graph_metadata_props.<key>},
 * nodes (main graph), initializers, subgraphs, functions, external_data (the files read).
 *
 * <p><b>How.</b> The file is never parsed whole: {@link io.weightbench.format.onnx.WireReader}
 * walks the protobuf over the mapped file with protobuf-java's CodedInputStream, skipping values;
 * only small messages (a node without its subgraphs, a TensorProto without its values) are parsed
 * with the classes generated from {@code src/main/proto/onnx.proto}. Every length is checked
 * against its message before it is trusted; counts and sizes are bounded (500,000 initializers,
 * 64 MiB of their names and dims, 4 MiB per node, rank 64), so a hostile file is refused in one
 * line rather than exhausting memory or the stack.
 */
package io.weightbench.format.onnx;
