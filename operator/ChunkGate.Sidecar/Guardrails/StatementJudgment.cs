using ChunkGate.Sidecar.Masking;

namespace ChunkGate.Sidecar.Guardrails;

/// <summary>
/// What PostgreSQL's parser says a statement text (one or several statements) would do.
/// </summary>
/// <param name="Traits">Everything the text's statements would do, nested ones (EXPLAIN, CTEs, PREPARE) included.</param>
/// <param name="Statements">How many statements the text holds.</param>
/// <param name="Copy">For a text that is one <c>COPY … TO STDOUT</c> whose options are understood: how to mask its output.</param>
/// <param name="CopyProblem">Why a <c>COPY … TO STDOUT</c> in the text cannot be masked (null when it can, or when there is none).</param>
/// <param name="Refusal">Set when the text cannot be judged at all (does not parse, not UTF-8): refused whatever the action.</param>
internal sealed record StatementJudgment(StatementTraits Traits, int Statements, CopyStatement? Copy, string? CopyProblem, GuardrailRefusal? Refusal);
