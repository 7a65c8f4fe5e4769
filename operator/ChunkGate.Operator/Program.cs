using ChunkGate.Operator.Hosting;

namespace ChunkGate.Operator;

/// <summary>
/// The operator process: admission webhooks (issue 13) and the controller (issue 12). Settings come
/// from flags and <c>CHUNKGATE_*</c> variables; a bad one stops it with exit code 2 and one line naming it.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var (settings, error) = OperatorSettingsParser.Parse(args, Environment.GetEnvironmentVariable);
        if (settings is null)
        {
            await Console.Error.WriteLineAsync($"chunkgate-operator: {error}");
            return 2;
        }

        await using var app = OperatorHost.Build(settings, TimeProvider.System, Environment.GetEnvironmentVariable);
        await app.RunAsync();
        return 0;
    }
}
