using ChunkGate.Sidecar.Tests.Support;

namespace ChunkGate.Sidecar.Tests.Masking;

/// <summary>The checked-in templates are what <c>make server-messages</c> writes from the installed catalog.</summary>
internal sealed class ServerMessageTemplatesTests
{
    private const string Catalog = "/usr/share/locale/de/LC_MESSAGES/postgres-15.mo";

    [Test]
    public async Task ServerMessageTemplates_AreFreshFromTheInstalledCatalog()
    {
        if (!File.Exists(Catalog))
        {
            Assert.Ignore($"PostgreSQL 15's message catalog is not installed ({Catalog}): install postgresql-15 to check freshness");
        }

        var root = FindRepositoryRoot(TestContext.CurrentContext.TestDirectory);
        var (exitCode, generated, error) = await ProcessRunner.RunAsync("python3", [Path.Combine(root, "tools", "server-messages.py")]);

        exitCode.Should().Be(0, error);
        var checkedIn = await File.ReadAllTextAsync(Path.Combine(root, "operator", "ChunkGate.Sidecar", "Masking", "ServerMessageTemplates.txt"));
        checkedIn.Should().Be(generated, "run `make server-messages` and commit the result; never edit the file by hand");
    }

    private static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Operator.sln found in {start} or above");
    }
}
