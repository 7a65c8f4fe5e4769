namespace ChunkGate.Kubectl.Cli;

/// <summary>Every command and flag of <c>kubectl chunk</c>, the one table the parser and the help read.</summary>
internal static class CommandCatalog
{
    private static readonly FlagSpec Output = new("output", "Output format: json or yaml (default: a table or text for people)", 'o', "FORMAT");
    private static readonly FlagSpec Wait = new("wait", "Stay until the run ends, showing its progress");
    private static readonly FlagSpec Timeout = new("timeout", "With --wait: give up after this long (90s, 10m, 1h30m)", ValueName: "DURATION");

    public static IReadOnlyList<FlagSpec> GlobalFlags { get; } =
    [
        new("kubeconfig", "Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)", ValueName: "PATH"),
        new("context", "The kubeconfig context to use (default: its current-context)", ValueName: "NAME"),
        new("namespace", "Namespace of the job (default: the context's namespace, then \"default\")", 'n', "NAME"),
        new("help", "Show help", 'h'),
    ];

    public static IReadOnlyList<CommandSpec> Commands { get; } =
    [
        new("pending", "kubectl chunk pending [-A] [-o json|yaml]",
            "List jobs awaiting approval that you may approve", null,
            [Output, new("all-namespaces", "List pending jobs in every namespace", 'A')],
            "You are who the cluster says you are (authentication.k8s.io/v1 SelfSubjectReview, as `kubectl auth whoami`).\n"
            + "Jobs you designed, jobs whose connection's executor groups you are not in, and jobs whose current\n"
            + "spec you already approved are left out."),
        new("show", "kubectl chunk show JOB [-o json|yaml]",
            "Show what a reviewer must read before approving JOB", "JOB",
            [Output],
            "The query, tables, action, chunking, connection, the masking rules that will apply to those tables,\n"
            + "the designer, the spec hash an approval binds to, and the job's approvals."),
        new("approve", "kubectl chunk approve JOB --ttl DURATION --reason TEXT [--spec-hash HASH] [--wait]",
            "Approve JOB's current spec for a time-boxed run", "JOB",
            [
                new("ttl", "How long the approval lasts (90s, 10m, 1h30m); at most the connection's maxTTL", ValueName: "DURATION"),
                new("reason", "Ticket or justification, recorded in the audit trail", ValueName: "TEXT"),
                new("spec-hash", "Approve only this spec hash (as `kubectl chunk show` printed it); default: the hash read now", ValueName: "HASH"),
                Wait, Timeout, Output,
            ],
            "The approval is bound to the spec hash shown: if the job's spec changed meanwhile, ChunkGate's\n"
            + "admission webhook refuses it and its sentence is printed as is."),
        new("revoke", "kubectl chunk revoke JOB [--wait]",
            "End JOB's live run now (or withdraw approvals still waiting for a run)", "JOB",
            [Wait, Timeout],
            "Deletes the approvals the run consumed; the controller then revokes the credential, deletes the run\n"
            + "Pod and Secret, and records the outcome ApprovalWithdrawn. Allowed to each approver, the designer and admins."),
        new("history", "kubectl chunk history JOB [-o json|yaml]",
            "Show JOB's audit timeline: Events and status, oldest first", "JOB",
            [Output],
            "Events (core/v1 and events.k8s.io/v1) on the job and on its approvals, with what the job's status and\n"
            + "its approvals record (creation, approvals, runs, condition changes)."),
        new("replay", "kubectl chunk replay JOB [--run N] [-o json|yaml]",
            "Show the masked session recording of a run as a timeline", "JOB",
            [new("run", "The run (2 or r2); default: the latest", ValueName: "N"), Output],
            "Reads the ConfigMap <job>-<run>-recording (key recording.jsonl) that the operator keeps when a run ends."),
    ];
}
