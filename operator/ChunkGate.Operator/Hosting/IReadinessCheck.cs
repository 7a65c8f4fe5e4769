namespace ChunkGate.Operator.Hosting;

/// <summary>One part of the operator that must be ready before <c>/readyz</c> answers 200 (caches synced, webhook certificate loaded).</summary>
internal interface IReadinessCheck
{
    /// <summary>Named in the <c>/readyz?verbose</c> answer.</summary>
    string Name { get; }

    bool IsReady { get; }
}
