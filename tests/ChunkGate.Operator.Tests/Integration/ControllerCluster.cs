using ChunkGate.LocalCluster.Hosting;

namespace ChunkGate.Operator.Tests.Integration;

/// <summary>
/// One local cluster for the controller's integration tests, with a process kubelet whose images
/// are stand-ins: the runner sleeps (a run that lasts until it is ended), the sidecar sleeps too
/// (these tests reach PostgreSQL directly with the run's credential; the sidecar has its own tests).
/// Each test works in its own namespace with its own controller.
/// </summary>
[SetUpFixture]
public sealed class ControllerCluster
{
    public const string SleepingRunner = "chunkgate/runner:sleep";
    public const string FinishingRunner = "chunkgate/runner:done";
    public const string Sidecar = "chunkgate/sidecar:stand-in";

    /// <summary>Prints the run contract's records for its shard of 6 chunks: the first owned chunk at once, the rest once <see cref="Go"/> is called for its job.</summary>
    public const string RecordingRunner = "chunkgate/runner:records";

    /// <summary>Shard 1 reports chunk 3 failed (23505) and exits 3; other shards run on.</summary>
    public const string FailingRunner = "chunkgate/runner:fails";

    /// <summary>Lets the <see cref="RecordingRunner"/> Pods of a job finish their chunks.</summary>
    public static void Go(string ns, string job) => File.WriteAllText(Path.Combine(imageDirectory!, $"go-{ns}-{job}"), "");

    private static LocalClusterHost? cluster;
    private static string? imageDirectory;

    internal static LocalClusterHost Cluster => cluster ?? throw new InvalidOperationException("the local cluster is not started");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        // Not under /tmp: the run Pod's job container mounts an emptyDir at /tmp, and the process
        // kubelet rewrites a mount path in a container's command (as a container would see it).
        imageDirectory = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "controller-images-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var images = Path.Combine(imageDirectory, "images.yaml");
        await File.WriteAllTextAsync(Path.Combine(imageDirectory, "records.sh"), RecordsScript);
        await File.WriteAllTextAsync(Path.Combine(imageDirectory, "fails.sh"), FailsScript);
        await File.WriteAllTextAsync(Path.Combine(imageDirectory, "sidecar.sh"), SidecarScript);
        await File.WriteAllTextAsync(images, $"""
            images:
              {SleepingRunner}:
                entrypoint: ["/bin/sh", "-c", "exec sleep 600"]
                cmd: []
              {FinishingRunner}:
                entrypoint: ["/bin/sh", "-c", "exit 0"]
                cmd: []
              {Sidecar}:
                entrypoint: ["/bin/sh", "{Path.Combine(imageDirectory, "sidecar.sh")}"]
                cmd: []
              {RecordingRunner}:
                entrypoint: ["/bin/sh", "{Path.Combine(imageDirectory, "records.sh")}"]
                cmd: []
                env:
                  GO_DIR: "{imageDirectory}"
              {FailingRunner}:
                entrypoint: ["/bin/sh", "{Path.Combine(imageDirectory, "fails.sh")}"]
                cmd: []
            """);
        cluster = await LocalClusterHost.StartAsync(new LocalClusterOptions
        {
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
            Manifests = [Path.Combine(AppContext.BaseDirectory, "crds")],
            ImageMapFile = images,
        });
    }

    /// <summary>
    /// The sidecar stand-in: one recording line (naming its Pod) on stdout, one log line, then it
    /// runs until the kubelet stops it (it reaches no database: these tests use the role directly).
    /// </summary>
    private const string SidecarScript = """
        printf '{"time":"2026-11-30T10:00:00.000000Z","session":1,"event":"session.start","user":"%s"}\n' "$HOSTNAME"
        echo "info: ChunkGate.Sidecar[0] stand-in listening"
        exec sleep 600
        """;

    /// <summary>
    /// A runner stand-in speaking the run contract, with hostile lines a real log may hold: a row
    /// value carrying a forged record (not at the line start) and a record naming another shard.
    /// </summary>
    private const string RecordsScript = """
        s=$CHUNKGATE_SHARD; n=$CHUNKGATE_SHARDS; r=$CHUNKGATE_RUN; total=6
        go="$GO_DIR/go-$(echo "$CHUNKGATE_JOB" | tr / -)"
        owned=0; i=$s; while [ $i -lt $total ]; do owned=$((owned+1)); i=$((i+n)); done
        printf '\036{"chunkgate":"plan","run":"%s","shard":%s,"shards":%s,"chunksTotal":%s,"chunksOwned":%s}\n' $r $s $n $total $owned
        printf '17,customer 17,\036{"chunkgate":"chunk","run":"%s","shard":%s,"index":%s,"from":1,"to":11,"rows":1000,"bytes":1}\n' $r $s $s
        o=$(( (s+1) % n )); printf '\036{"chunkgate":"chunk","run":"%s","shard":%s,"index":%s,"from":%s,"to":%s,"rows":1000,"bytes":1}\n' $r $o $o $((1+o*10)) $((11+o*10))
        i=$s; k=0
        while [ $i -lt $total ]; do
          if [ $k -eq 1 ]; then while [ ! -e "$go" ]; do sleep 0.1; done; fi
          printf '\036{"chunkgate":"chunk","run":"%s","shard":%s,"index":%s,"from":%s,"to":%s,"rows":10,"bytes":100}\n' $r $s $i $((1+i*10)) $((11+i*10))
          i=$((i+n)); k=$((k+1))
        done
        printf '\036{"chunkgate":"done","run":"%s","shard":%s,"chunks":%s,"rows":%s,"bytes":0}\n' $r $s $owned $((owned*10))
        """;

    private const string FailsScript = """
        s=$CHUNKGATE_SHARD; n=$CHUNKGATE_SHARDS; r=$CHUNKGATE_RUN
        printf '\036{"chunkgate":"plan","run":"%s","shard":%s,"shards":%s,"chunksTotal":6,"chunksOwned":3}\n' $r $s $n
        printf '\036{"chunkgate":"chunk","run":"%s","shard":%s,"index":%s,"from":%s,"to":%s,"rows":10,"bytes":100}\n' $r $s $s $((1+s*10)) $((11+s*10))
        if [ "$s" = 1 ]; then
          printf '\036{"chunkgate":"failed","run":"%s","shard":1,"index":3,"from":31,"to":41,"sqlstate":"23505","message":"duplicate key value violates unique constraint \\"customers_pkey\\""}\n' $r
          exit 3
        fi
        exec sleep 600
        """;

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        if (imageDirectory is not null)
        {
            Directory.Delete(imageDirectory, recursive: true);
        }
    }
}
