using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Cluster;
using ChunkGate.Kubectl.Output;

namespace ChunkGate.Kubectl.Commands;

/// <summary>What every command runs with: its parsed line, the cluster, where to write, how, and the clock.</summary>
internal sealed record CommandContext(
    ParsedCommand Line,
    ClusterAccess Cluster,
    ChunkGateObjects Objects,
    TextWriter Out,
    TextWriter Error,
    Palette Palette,
    bool Terminal,
    TimeProvider Clock)
{
    public string Namespace => Cluster.Namespace;

    public string Job => Line.Argument!;

    public OutputFormat Format { get; } = StructuredOutput.Parse(Line.Value("output"));

    /// <summary>Lines for people go to stderr when stdout carries a document for a program.</summary>
    public TextWriter Narration => Format == OutputFormat.Text ? Out : Error;

    public DateTimeOffset Now => Clock.GetUtcNow();
}
