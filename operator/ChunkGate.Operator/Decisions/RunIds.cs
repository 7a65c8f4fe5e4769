namespace ChunkGate.Operator.Decisions;

/// <summary>
/// Run ids count up per job (r1, r2, …) from the number of runs the job's status records as
/// started, so a retry after a crash derives the same id, and with it the same role, Secret and Pod.
/// </summary>
public static class RunIds
{
    public static string Next(int runsStarted) => "r" + (runsStarted + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
