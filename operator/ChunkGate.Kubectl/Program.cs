using ChunkGate.Kubectl.Cli;
using ChunkGate.Kubectl.Cluster;
using ChunkGate.Kubectl.Commands;
using ChunkGate.Kubectl.Output;
using ChunkGate.Kubernetes.Errors;

namespace ChunkGate.Kubectl;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        var terminal = !Console.IsOutputRedirected;
        var palette = new Palette(Palette.ShouldColour(terminal, Environment.GetEnvironmentVariable));
        return await RunAsync(args, Console.Out, Console.Error, palette, terminal, Environment.GetEnvironmentVariable, TimeProvider.System, cancel.Token);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Palette palette, bool terminal,
        Func<string, string?> environment, TimeProvider clock, CancellationToken cancellationToken)
    {
        ClusterAccess? cluster = null;
        try
        {
            var line = CommandLineParser.Parse(args, CommandCatalog.Commands, CommandCatalog.GlobalFlags);
            if (line.HelpRequested)
            {
                output.Write(HelpText.For(line.Spec));
                return ExitCodes.Ok;
            }

            if (line.Spec is null)
            {
                error.Write(HelpText.For(null));
                return ExitCodes.Usage;
            }

            // Check -o before any request, so a typo costs no round trip.
            StructuredOutput.Parse(line.Value("output"));
            cluster = ClusterAccess.Open(line.Value("kubeconfig"), line.Value("context"), line.Value("namespace"), environment);
            var context = new CommandContext(line, cluster, new ChunkGateObjects(cluster.Client), output, error, palette, terminal, clock);
            return line.Spec.Name switch
            {
                "pending" => await PendingCommand.RunAsync(context, cancellationToken),
                "show" => await ShowCommand.RunAsync(context, cancellationToken),
                "approve" => await ApproveCommand.RunAsync(context, cancellationToken),
                "revoke" => await RevokeCommand.RunAsync(context, cancellationToken),
                "history" => await HistoryCommand.RunAsync(context, cancellationToken),
                "replay" => await ReplayCommand.RunAsync(context, cancellationToken),
                _ => throw CommandFailure.Usage($"unknown command \"{line.Spec.Name}\""),
            };
        }
        catch (CommandFailure failure)
        {
            error.WriteLine($"error: {failure.Message}");
            if (failure.ExitCode == ExitCodes.Usage)
            {
                error.WriteLine("See 'kubectl chunk --help' for usage.");
            }

            return failure.ExitCode;
        }
        catch (KubernetesApiException refused)
        {
            // The server's (and so the admission webhook's) sentence, as kubectl prints it.
            error.WriteLine($"Error from server ({refused.Reason ?? refused.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}): {refused.Status?.Message ?? refused.Message}");
            return refused switch
            {
                NotFoundException => ExitCodes.NotFound,
                { StatusCode: >= 500 } => ExitCodes.Error,
                _ => ExitCodes.Refused,
            };
        }
        catch (HttpRequestException unreachable)
        {
            error.WriteLine($"error: cannot reach the cluster at {cluster?.Server}: {unreachable.Message}");
            return ExitCodes.Error;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            error.WriteLine("interrupted");
            return 130;
        }
    }
}
