namespace ChunkGate.Broker.Credentials;

/// <summary>
/// What the caller puts in the run's Secret. <see cref="Password"/> exists only here: it is not
/// stored, and <see cref="ToString"/> leaves it out so a log line of the record cannot show it.
/// </summary>
/// <param name="Created">False when the role already existed (a retry): its password was replaced.</param>
public sealed record IssuedCredential(string Role, string Password, DateTimeOffset ExpiresAt, bool Created)
{
    public override string ToString() => $"{Role} (expires {ExpiresAt:O}, {(Created ? "created" : "existing, new password")})";
}
