using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Guardrails;
using ChunkGate.Sidecar.Protocol;

namespace ChunkGate.Sidecar.Sessions;

/// <summary>What the sidecar sends upstream for a client's startup packet, or why it refuses it.</summary>
internal sealed record StartupDecision(
    IReadOnlyList<KeyValuePair<string, string>> UpstreamParameters,
    IReadOnlyList<string> UnsupportedProtocolOptions,
    bool NegotiateMinorVersion,
    string? Error,
    string ErrorSqlState = "28000");

/// <summary>
/// Checks a client's startup parameters. The approval decides user and database: the user the
/// client names is ignored (it has no password anyway), a database other than the approved one
/// is refused, and only harmless session settings pass through. <c>options</c>, <c>replication</c>
/// and arbitrary settings could undo the guardrails (<c>-c default_transaction_read_only=off</c>), so they are refused,
/// and so is a client_encoding other than UTF8 (the server would read bytes the sidecar's parser read differently).
/// </summary>
internal static class ClientStartupPolicy
{
    private static readonly HashSet<string> PassThrough = new(StringComparer.OrdinalIgnoreCase)
    {
        "application_name", "fallback_application_name", "client_encoding", "DateStyle", "TimeZone", "IntervalStyle", "extra_float_digits",
    };

    public static StartupDecision Decide(StartupPacket packet, UpstreamOptions upstream, SessionAction action)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        var protocolOptions = new List<string>();
        foreach (var (name, value) in packet.Parameters)
        {
            if (name == "user")
            {
                continue;
            }

            if (name == "database")
            {
                if (value.Length > 0 && value != upstream.Database)
                {
                    return Refuse($"database \"{value}\" is not the approved database; connect to \"{upstream.Database}\"", "3D000");
                }

                continue;
            }

            if (name.StartsWith("_pq_.", StringComparison.Ordinal))
            {
                protocolOptions.Add(name);
                continue;
            }

            if (!PassThrough.Contains(name))
            {
                return Refuse($"startup parameter \"{name}\" is not allowed through the ChunkGate sidecar", "42501");
            }

            if (name.Equals("client_encoding", StringComparison.OrdinalIgnoreCase))
            {
                if (!SettingRules.IsUtf8(value))
                {
                    return Refuse($"client_encoding \"{value}\" is not allowed through the ChunkGate sidecar: it judges statements as UTF8, so the server must read them as UTF8", "22023");
                }

                continue;
            }

            parameters.Add(new(name, value));
        }

        // The sidecar's parser reads statements as UTF8 with standard-conforming strings; the server
        // must read them the same way from the first statement on (role or database defaults could differ).
        parameters.Add(new("client_encoding", "UTF8"));
        parameters.Add(new("standard_conforming_strings", "on"));

        if (action is SessionAction.Read or SessionAction.Export)
        {
            parameters.Add(new("default_transaction_read_only", "on"));
        }

        var minor = packet.ProtocolVersion & 0xffff;
        return new StartupDecision(parameters, protocolOptions, minor > 0 || protocolOptions.Count > 0, null);
    }

    private static StartupDecision Refuse(string error, string sqlState) => new([], [], false, error, sqlState);
}
