using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Sessions;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChunkGate.Sidecar.Tests.Support;

/// <summary>
/// A private PostgreSQL with TLS on, its server certificate issued by a test CA (SAN localhost
/// and 127.0.0.1), started the way ChunkGate.Testing's ThrowawayPostgres does it (initdb, random
/// port, SCRAM), for the upstream TLS tests.
/// </summary>
internal sealed class TlsPostgres : IAsyncDisposable
{
    private readonly string directory;
    private readonly string bin;
    private readonly bool asPostgres;

    private TlsPostgres(string directory, string bin, bool asPostgres, int port, string password)
    {
        this.directory = directory;
        this.bin = bin;
        this.asPostgres = asPostgres;
        Port = port;
        Password = password;
    }

    public int Port { get; }

    public string Password { get; }

    public string CaFile => Path.Combine(directory, "ca.pem");

    public string OtherCaFile => Path.Combine(directory, "other-ca.pem");

    public string UsernameFile => Path.Combine(directory, "username");

    public string PasswordFile => Path.Combine(directory, "password");

    /// <param name="tlsOnly">Accept TCP sessions only over TLS (pg_hba: hostssl lines only).</param>
    public static async Task<TlsPostgres> StartAsync(bool tlsOnly = false)
    {
        var bin = new[] { "15", "16", "17", "14" }.Select(v => $"/usr/lib/postgresql/{v}/bin").FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            ?? throw new InconclusiveException("no PostgreSQL server binaries for a TLS server");
        var asPostgres = Environment.UserName == "root";
        var directory = Directory.CreateTempSubdirectory("chunkgate-tls-pg-").FullName;
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        await File.WriteAllTextAsync(Path.Combine(directory, "pwfile"), password + "\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "username"), "postgres\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "password"), password + "\n");
        WriteCertificates(directory);
        if (asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", directory]);
        }

        var data = Path.Combine(directory, "data");
        await RunAsync(asPostgres, Path.Combine(bin, "initdb"), ["-D", data, "-U", "postgres", "--pwfile", Path.Combine(directory, "pwfile"), "-A", "scram-sha-256", "--auth-local=trust", "--no-sync"]);
        if (tlsOnly)
        {
            // Rewritten in place, so the file keeps its owner.
            await File.WriteAllTextAsync(Path.Combine(data, "pg_hba.conf"), "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n");
        }

        var port = FreePort();
        await RunAsync(asPostgres, Path.Combine(bin, "pg_ctl"),
            ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60",
             "-o", $"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on -c ssl_cert_file={directory}/server.pem -c ssl_key_file={directory}/server.key",
             "start"]);
        return new TlsPostgres(directory, bin, asPostgres, port, password);
    }

    private static void WriteCertificates(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=ChunkGate test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(directory, "ca.pem"), ca.ExportCertificatePem());

        using var otherKey = RSA.Create(2048);
        var otherRequest = new CertificateRequest("CN=Someone else's CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        File.WriteAllText(Path.Combine(directory, "other-ca.pem"), other.ExportCertificatePem());

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(directory, "server.pem"), server.ExportCertificatePem());
        var keyPath = Path.Combine(directory, "server.key");
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        if (!OperatingSystem.IsWindows())
        {
            // PostgreSQL refuses a key file others can read.
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsync(bool asPostgres, string program, IReadOnlyList<string> arguments) =>
        asPostgres ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments]) : RunAsync(program, arguments);

    private static async Task RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var (exit, output, error) = await ProcessRunner.RunAsync(program, arguments, timeout: TimeSpan.FromSeconds(90));
        if (exit != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {exit}: {error}{output}");
        }
    }

    /// <summary>A started sidecar in front of this server (or of <paramref name="port"/>, e.g. a relay to it), with TLS upstream.</summary>
    public SidecarServer StartSidecar(UpstreamSslMode mode, string? caFile, string host = "localhost", int? port = null)
    {
        var options = new SidecarOptions(
            new IPEndPoint(IPAddress.Loopback, 0),
            new UpstreamOptions(host, port ?? Port, "postgres", mode, caFile, false, false),
            UsernameFile,
            PasswordFile,
            null,
            SessionAction.Read,
            null,
            null,
            null);
        var server = new SidecarServer(new SidecarContext(options, TimeProvider.System, NullLogger.Instance));
        server.Start();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsync(asPostgres, Path.Combine(bin, "pg_ctl"), ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
