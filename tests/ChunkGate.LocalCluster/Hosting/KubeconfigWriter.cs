using System.Text;
using ChunkGate.LocalCluster.Security;

namespace ChunkGate.LocalCluster.Hosting;

/// <summary>Writes the kubeconfig: one cluster, and one user plus one context per known user (current: admin).</summary>
internal static class KubeconfigWriter
{
    public const string ClusterName = "chunkgate-local";

    public static string Render(Uri server, string caPem, IReadOnlyList<ClusterUser> users)
    {
        var ca = Convert.ToBase64String(Encoding.UTF8.GetBytes(caPem));
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\npreferences: {}\n");
        yaml.Append("clusters:\n");
        yaml.Append($"- name: {ClusterName}\n  cluster:\n    server: {server.ToString().TrimEnd('/')}\n    certificate-authority-data: {ca}\n");
        yaml.Append("users:\n");
        foreach (var user in users)
        {
            yaml.Append($"- name: {user.ContextName}\n  user:\n    token: {user.Token}\n");
        }

        yaml.Append("contexts:\n");
        foreach (var user in users)
        {
            yaml.Append($"- name: {user.ContextName}\n  context:\n    cluster: {ClusterName}\n    user: {user.ContextName}\n    namespace: default\n");
        }

        yaml.Append("current-context: admin\n");
        return yaml.ToString();
    }
}
