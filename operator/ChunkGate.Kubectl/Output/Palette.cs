namespace ChunkGate.Kubectl.Output;

public enum Tone
{
    Plain,
    Good,
    Warn,
    Bad,
    Dim,
    Bold,
}

/// <summary>ANSI colours, on only when stdout is a terminal and NO_COLOR is unset (https://no-color.org) and TERM is not dumb.</summary>
internal sealed class Palette(bool enabled)
{
    public static Palette None { get; } = new(false);

    public bool Enabled { get; } = enabled;

    public static bool ShouldColour(bool stdoutIsTerminal, Func<string, string?> environment) =>
        stdoutIsTerminal
        && string.IsNullOrEmpty(environment("NO_COLOR"))
        && !string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal);

    public string Paint(string text, Tone tone) => !Enabled || tone == Tone.Plain || text.Length == 0
        ? text
        : tone switch
        {
            Tone.Good => $"\e[32m{text}\e[0m",
            Tone.Warn => $"\e[33m{text}\e[0m",
            Tone.Bad => $"\e[31m{text}\e[0m",
            Tone.Dim => $"\e[2m{text}\e[0m",
            Tone.Bold => $"\e[1m{text}\e[0m",
            _ => text,
        };
}
