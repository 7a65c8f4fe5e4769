namespace ChunkGate.CrdGen;

/// <summary>
/// <c>crds</c> writes crds/*.yaml (and the chart's copy) from the C# API types;
/// <c>crds --check</c> only reports stale files and exits 1 if there are any.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] != "crds" || args.Skip(1).Any(arg => arg != "--check"))
        {
            Console.Error.WriteLine("usage: ChunkGate.CrdGen crds [--check]");
            return 2;
        }

        var root = CrdFiles.FindRepositoryRoot(Directory.GetCurrentDirectory());
        if (args.Contains("--check"))
        {
            var stale = CrdFiles.FindStale(root);
            foreach (var problem in stale)
            {
                Console.Error.WriteLine(problem);
            }

            if (stale.Count > 0)
            {
                Console.Error.WriteLine("CRDs are stale: run `make crds` and commit the result.");
            }

            return stale.Count == 0 ? 0 : 1;
        }

        foreach (var directory in CrdFiles.TargetDirectories(root))
        {
            Directory.CreateDirectory(directory);
            foreach (var (fileName, content) in CrdFiles.Generate())
            {
                var path = Path.Combine(directory, fileName);
                File.WriteAllText(path, content);
                Console.WriteLine($"wrote {Path.GetRelativePath(root, path)}");
            }
        }

        return 0;
    }
}
