namespace ChunkGate.Sidecar.Masking;

/// <summary>Value detectors, the backstop for values the column rules do not cover. Config names: <c>ssn</c>, <c>card</c>, <c>email</c>.</summary>
[Flags]
internal enum DetectorKinds : byte
{
    None = 0,

    /// <summary>US social security numbers written <c>123-45-6789</c> or <c>123 45 6789</c>.</summary>
    Ssn = 1,

    /// <summary>Payment card numbers of 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check.</summary>
    Card = 2,

    /// <summary>E-mail addresses (internationalised ones included), anywhere in a value, JSON included.</summary>
    Email = 4,

    All = Ssn | Card | Email,
}
