using System.Text;

namespace ChunkGate.Kubectl.Cli;

/// <summary>The <c>--help</c> text of the plugin and of each command, exit codes included.</summary>
internal static class HelpText
{
    public static string For(CommandSpec? command)
    {
        var text = new StringBuilder();
        if (command is null)
        {
            text.AppendLine("kubectl chunk: review, approve, revoke and audit ChunkGate jobs.");
            text.AppendLine();
            text.AppendLine("Commands:");
            foreach (var c in CommandCatalog.Commands)
            {
                text.AppendLine($"  {c.Name,-9}{c.Summary}");
            }

            text.AppendLine();
            text.AppendLine("Usage:");
            text.AppendLine("  kubectl chunk COMMAND [JOB] [flags]");
            text.AppendLine("  kubectl chunk COMMAND --help");
        }
        else
        {
            text.AppendLine(command.Summary + ".");
            if (command.Details.Length > 0)
            {
                text.AppendLine();
                text.AppendLine(command.Details);
            }

            text.AppendLine();
            text.AppendLine("Usage:");
            text.AppendLine("  " + command.Synopsis);
            text.AppendLine();
            text.AppendLine("Flags:");
            AppendFlags(text, command.Flags);
        }

        text.AppendLine();
        text.AppendLine("Global flags:");
        AppendFlags(text, CommandCatalog.GlobalFlags);
        text.AppendLine();
        text.AppendLine("Output is coloured only on a terminal, and never when NO_COLOR is set.");
        text.AppendLine();
        text.Append(ExitCodes.Documentation);
        text.AppendLine();
        return text.ToString();
    }

    private static void AppendFlags(StringBuilder text, IEnumerable<FlagSpec> flags)
    {
        var list = flags.ToList();
        var width = list.Max(f => f.Usage.Length) + 3;
        foreach (var flag in list)
        {
            text.AppendLine("  " + flag.Usage.PadRight(width) + flag.Help);
        }
    }
}
