using System.Collections.Concurrent;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>A client message whose answer the server-to-client side must recognise.</summary>
internal enum PendingResponse : byte
{
    /// <summary>A Describe the client sent: its RowDescription/NoData goes to the client.</summary>
    ClientDescribe,

    /// <summary>A Describe of a portal the sidecar added before an Execute so masking knows the columns: its answer is swallowed.</summary>
    InjectedDescribe,

    /// <summary>Sync, Query or FunctionCall: answered by ReadyForQuery, which also ends anything the server skipped after an error.</summary>
    ReadyForQuery,
}

/// <summary>
/// The order in which answers will come back, written by the client-to-server side and read
/// by the server-to-client side (PostgreSQL answers messages strictly in order).
/// </summary>
internal sealed class ResponseTracker
{
    private readonly ConcurrentQueue<PendingResponse> pending = new();

    public void Expect(PendingResponse response) => pending.Enqueue(response);

    /// <summary>The answer to a Describe arrived: true when the sidecar itself asked for it.</summary>
    public bool DescribeAnswered()
    {
        while (pending.TryPeek(out var head))
        {
            if (head == PendingResponse.ReadyForQuery)
            {
                // A RowDescription inside a simple query's results, not a Describe's answer.
                return false;
            }

            pending.TryDequeue(out _);
            return head == PendingResponse.InjectedDescribe;
        }

        return false;
    }

    /// <summary>ReadyForQuery arrived: forget everything up to and including the message it answers.</summary>
    public void ReadyForQueryAnswered()
    {
        while (pending.TryDequeue(out var head))
        {
            if (head == PendingResponse.ReadyForQuery)
            {
                return;
            }
        }
    }
}
