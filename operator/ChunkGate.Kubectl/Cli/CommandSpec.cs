namespace ChunkGate.Kubectl.Cli;

/// <summary>A flag as kubectl spells them: <c>--name value</c>, <c>--name=value</c>, <c>-n value</c>, <c>-nvalue</c>; switches take no value.</summary>
internal sealed record FlagSpec(string Name, string Help, char? Short = null, string? ValueName = null)
{
    public bool TakesValue => ValueName is not null;

    public string Usage => (Short is { } s ? $"-{s}, " : "    ") + $"--{Name}" + (TakesValue ? $" {ValueName}" : "");
}

/// <summary>One subcommand: its name, the positional argument it needs (JOB) if any, its flags and help.</summary>
internal sealed record CommandSpec(string Name, string Synopsis, string Summary, string? Argument, IReadOnlyList<FlagSpec> Flags, string Details = "");

/// <summary>What the command line asked for. Values hold flags with values; switches map to "true" or "false".</summary>
internal sealed record ParsedCommand(CommandSpec? Spec, string? Argument, IReadOnlyDictionary<string, string> Values, bool HelpRequested)
{
    public string? Value(string flag) => Values.TryGetValue(flag, out var value) ? value : null;

    public bool Switch(string flag) => Values.TryGetValue(flag, out var value) && value == "true";
}
