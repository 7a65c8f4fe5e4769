namespace ChunkGate.Runner.Tests.Support;

/// <summary>What the operator folds from a run's chunk records into <c>status.checkpoint.done</c>: compressed ranges.</summary>
internal static class Checkpoint
{
    public static string DoneChunks(params RunnerResult[] runs)
    {
        var indices = runs.SelectMany(run => run.ChunkIndices).Distinct().Order().ToList();
        var ranges = new List<string>();
        for (var i = 0; i < indices.Count; i++)
        {
            var first = indices[i];
            while (i + 1 < indices.Count && indices[i + 1] == indices[i] + 1)
            {
                i++;
            }

            ranges.Add(first == indices[i] ? $"{first}" : $"{first}-{indices[i]}");
        }

        return string.Join(",", ranges);
    }
}
