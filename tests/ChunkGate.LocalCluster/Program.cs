using System.Globalization;
using System.Runtime.InteropServices;
using ChunkGate.LocalCluster.Hosting;

namespace ChunkGate.LocalCluster;

/// <summary>
/// <c>make cluster</c>: starts a local cluster in the foreground, prints <c>KUBECONFIG=&lt;path&gt;</c> once it
/// serves, and stops (Pods included) on Ctrl-C or SIGTERM. Test-only tooling, never shipped.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage: ChunkGate.LocalCluster [--dir DIR] [--port N] [--images FILE] [--apply PATH]... [--bookmark-seconds N] [--verbose]
          --dir DIR            where kubeconfig, ca.crt, tokens.csv and Pod files go (default: a new temp directory)
          --port N             loopback port (default: any free port)
          --images FILE        image map for the process kubelet (YAML, see README.md); without it no Pods run
          --apply PATH         apply manifests (file or directory) once serving; repeatable
          --bookmark-seconds N interval of watch bookmarks (default 60)
        """;

    public static async Task<int> Main(string[] args)
    {
        LocalClusterOptions options;
        try
        {
            options = Parse(args);
        }
        catch (ArgumentException error)
        {
            await Console.Error.WriteLineAsync($"{error.Message}\n{Usage}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        await using var cluster = await LocalClusterHost.StartAsync(options, stop.Token);
        Console.Out.WriteLine($"KUBECONFIG={cluster.KubeconfigPath}");
        Console.Out.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("stopping local cluster");
        }

        return 0;
    }

    private static LocalClusterOptions Parse(string[] args)
    {
        var options = new LocalClusterOptions();
        var manifests = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--dir" => options with { Directory = Value() },
                "--port" => options with { Port = int.Parse(Value(), CultureInfo.InvariantCulture) },
                "--images" => options with { ImageMapFile = Path.GetFullPath(Value()) },
                "--apply" => Add(options, manifests, Value()),
                "--bookmark-seconds" => options with { BookmarkInterval = TimeSpan.FromSeconds(double.Parse(Value(), CultureInfo.InvariantCulture)) },
                "--verbose" or "-v" => options with { Verbose = true },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options with { Manifests = manifests };
    }

    private static LocalClusterOptions Add(LocalClusterOptions options, List<string> manifests, string path)
    {
        manifests.Add(Path.GetFullPath(path));
        return options;
    }
}
