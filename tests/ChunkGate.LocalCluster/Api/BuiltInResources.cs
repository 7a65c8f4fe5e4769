namespace ChunkGate.LocalCluster.Api;

/// <summary>The built-in kinds the stand-in serves, with the discovery facts a real 1.32 server reports.</summary>
internal static class BuiltInResources
{
    public static readonly ResourceType Namespaces = Core("Namespace", "namespaces", "namespace", namespaced: false, shortNames: ["ns"], status: true,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], extra: ["finalize"]);

    public static readonly ResourceType Pods = Core("Pod", "pods", "pod", namespaced: true, shortNames: ["po"], status: true, categories: ["all"], extra: ["log"]);

    public static readonly ResourceType Secrets = Core("Secret", "secrets", "secret", namespaced: true, shortNames: []);

    public static readonly ResourceType ConfigMaps = Core("ConfigMap", "configmaps", "configmap", namespaced: true, shortNames: ["cm"]);

    /// <summary>Stored only: the process kubelet gives each claim one directory that outlives the Pods mounting it (no volume binding).</summary>
    public static readonly ResourceType PersistentVolumeClaims = Core("PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", namespaced: true, shortNames: ["pvc"], status: true);

    public static readonly ResourceType Events = Core("Event", "events", "event", namespaced: true, shortNames: ["ev"]);

    /// <summary>The newer Event API: the same objects as core/v1 Events, with renamed fields.</summary>
    public static readonly ResourceType EventsV1 = new("events.k8s.io", "v1", "Event", "events", "event", true, ["ev"], [], false, [], null, false, false,
        ResourceType.AllVerbs, []) { StoredAs = StoredAs.CoreEvents };

    public static readonly ResourceType ServiceAccounts = Core("ServiceAccount", "serviceaccounts", "serviceaccount", namespaced: true, shortNames: ["sa"]);

    public static readonly ResourceType Nodes = Core("Node", "nodes", "node", namespaced: false, shortNames: ["no"], status: true);

    public static readonly ResourceType Leases = new("coordination.k8s.io", "v1", "Lease", "leases", "lease", true, [], [], false, [], null, false, false, ResourceType.AllVerbs, []);

    public static readonly ResourceType CustomResourceDefinitions = new("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
        "customresourcedefinition", false, ["crd", "crds"], ["api-extensions"], true, [], null, false, true, ResourceType.AllVerbs, []);

    public static readonly ResourceType MutatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", false, [], ["api-extensions"], false, [], null, false, true, ResourceType.AllVerbs, []);

    public static readonly ResourceType ValidatingWebhookConfigurations = new("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations", "validatingwebhookconfiguration", false, [], ["api-extensions"], false, [], null, false, true, ResourceType.AllVerbs, []);

    /// <summary>Answered, never stored: <c>kubectl auth whoami</c> shows the identity a token maps to.</summary>
    public static readonly ResourceType SelfSubjectReviews = new("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", "selfsubjectreview",
        false, [], [], false, [], null, false, false, ["create"], []);

    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Namespaces, Nodes, Pods, Secrets, ConfigMaps, PersistentVolumeClaims, Events, ServiceAccounts, Leases, CustomResourceDefinitions,
        MutatingWebhookConfigurations, ValidatingWebhookConfigurations, SelfSubjectReviews, EventsV1,
    ];

    private static ResourceType Core(string kind, string plural, string singular, bool namespaced, IReadOnlyList<string> shortNames,
        bool status = false, IReadOnlyList<string>? categories = null, IReadOnlyList<string>? verbs = null, IReadOnlyList<string>? extra = null) =>
        new("", "v1", kind, plural, singular, namespaced, shortNames, categories ?? [], status, [], null, false, false, verbs ?? ResourceType.AllVerbs, extra ?? []);
}
