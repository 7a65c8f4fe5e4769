namespace ChunkGate.Sidecar.Masking;

/// <summary>Value detectors, the backstop for values the column rules do not cover. Config names: <c>ssn</c>, <c>card</c>, <c>email</c>.</summary>
[Flags]
internal enum DetectorKinds : byte
{
    None = 0,

    /// <summary>
    /// US social security numbers written <c>123-45-6789</c> or <c>123 45 6789</c>, and nine digits
    /// alone (<c>123456789</c>) when "ssn" or "social" (any case) ends within the 24 bytes before
    /// them, as in <c>{"ssn": "123456789"}</c>; other nine-digit numbers only with <see cref="Strict"/>.
    /// </summary>
    Ssn = 1,

    /// <summary>Payment card numbers of 13 to 19 digits, optionally grouped by spaces or dashes, that pass the Luhn check (any, with <see cref="Strict"/>).</summary>
    Card = 2,

    /// <summary>E-mail addresses (internationalised ones included), anywhere in a value, JSON included.</summary>
    Email = 4,

    /// <summary>
    /// Widens <see cref="Ssn"/> to every nine-digit number standing alone and <see cref="Card"/> to
    /// card-shaped numbers failing the Luhn check (test data often has them); config name
    /// <c>strict</c>, off by default because it masks order numbers, phone numbers and the like.
    /// </summary>
    Strict = 8,

    All = Ssn | Card | Email,
}
