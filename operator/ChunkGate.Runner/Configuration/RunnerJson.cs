using System.Text.Json.Serialization;
using ChunkGate.Api.Jobs;

namespace ChunkGate.Runner.Configuration;

/// <summary>
/// The runner's JSON, generated at compile time: the spec as the operator writes it (KubernetesJson's
/// camelCase names and string enums) and the JSON Lines keys. The runner is compiled ahead of time,
/// where reflection-based serialization is not available.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ChunkJobSpec))]
[JsonSerializable(typeof(string))]
internal sealed partial class RunnerJson : JsonSerializerContext;
