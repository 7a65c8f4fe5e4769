namespace ChunkGate.Kubectl.Cli;

/// <summary>
/// Parses <c>kubectl chunk</c>'s arguments the way kubectl (cobra/pflag) does: the command is the first
/// word that is not a flag; global flags may come before it; <c>--</c> ends flags. Pure: every problem
/// is a <see cref="CommandFailure"/> with exit code 2 and kubectl's wording.
/// </summary>
internal static class CommandLineParser
{
    public static ParsedCommand Parse(IReadOnlyList<string> args, IReadOnlyList<CommandSpec> commands, IReadOnlyList<FlagSpec> globalFlags)
    {
        CommandSpec? command = null;
        string? argument = null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = false;
        var flagsEnded = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!flagsEnded && arg == "--")
            {
                flagsEnded = true;
                continue;
            }

            if (!flagsEnded && arg.Length > 1 && arg[0] == '-')
            {
                var flags = command is null ? globalFlags : [.. globalFlags, .. command.Flags];
                var (spec, inline) = Find(arg, flags, command);
                if (spec.Name == "help")
                {
                    help = true;
                    continue;
                }

                string value;
                if (!spec.TakesValue)
                {
                    value = inline ?? "true";
                    if (value is not ("true" or "false"))
                    {
                        throw CommandFailure.Usage($"invalid argument \"{value}\" for \"--{spec.Name}\" flag: expected true or false");
                    }
                }
                else if (inline is not null)
                {
                    value = inline;
                }
                else if (i + 1 < args.Count)
                {
                    value = args[++i];
                }
                else
                {
                    throw CommandFailure.Usage($"flag needs an argument: --{spec.Name}");
                }

                values[spec.Name] = value;
                continue;
            }

            if (command is null)
            {
                if (arg == "help")
                {
                    help = true;
                    continue;
                }

                command = commands.FirstOrDefault(c => c.Name == arg)
                    ?? throw CommandFailure.Usage($"unknown command \"{arg}\" for \"kubectl chunk\"; commands: {string.Join(", ", commands.Select(c => c.Name))}");
            }
            else if (command.Argument is not null && argument is null)
            {
                argument = arg;
            }
            else
            {
                throw CommandFailure.Usage($"unexpected argument \"{arg}\" for \"kubectl chunk {command.Name}\"");
            }
        }

        if (!help && command?.Argument is { } name && string.IsNullOrEmpty(argument))
        {
            throw CommandFailure.Usage($"{name} is required: {command.Synopsis}");
        }

        return new ParsedCommand(command, argument, values, help);
    }

    private static (FlagSpec Spec, string? Inline) Find(string arg, IReadOnlyList<FlagSpec> flags, CommandSpec? command)
    {
        string name;
        string? inline = null;
        FlagSpec? spec;
        if (arg.StartsWith("--", StringComparison.Ordinal))
        {
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            name = equals < 0 ? arg[2..] : arg[2..equals];
            inline = equals < 0 ? null : arg[(equals + 1)..];
            spec = flags.FirstOrDefault(f => f.Name == name);
            name = "--" + name;
        }
        else
        {
            // -n demo, -ndemo, -n=demo, -ojson
            spec = flags.FirstOrDefault(f => f.Short == arg[1]);
            name = arg[..2];
            if (arg.Length > 2)
            {
                inline = arg[2] == '=' ? arg[3..] : arg[2..];
            }

            if (spec is { TakesValue: false } && arg.Length > 2)
            {
                spec = null;
                name = arg;
            }
        }

        return spec is null
            ? throw CommandFailure.Usage(command is null
                ? $"unknown flag: {name} (flags before the command: --kubeconfig, --context, -n/--namespace)"
                : $"unknown flag: {name} for \"kubectl chunk {command.Name}\"")
            : (spec, inline);
    }
}
