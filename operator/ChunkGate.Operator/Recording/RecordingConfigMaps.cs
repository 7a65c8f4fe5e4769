using System.Security.Cryptography;
using System.Text;
using ChunkGate.Api;
using ChunkGate.Operator.Controller.Runs;
using k8s.Models;

namespace ChunkGate.Operator.Recording;

/// <summary>
/// The ConfigMap <c>&lt;job&gt;-&lt;run&gt;-recording</c> (run contract) that keeps a run's recording
/// after its Pods are deleted: owned by the ChunkJob (it goes with the job), labelled with job and
/// run so <c>kubectl chunk replay</c> finds it, the recording under <see cref="Key"/>.
/// </summary>
public static class RecordingConfigMaps
{
    public const string Key = "recording.jsonl";

    public static V1ConfigMap Build(string ns, string jobName, string jobUid, string runId, string recording) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta
        {
            Name = RunNames.For(jobName, jobUid, runId).Recording,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [RunLabels.Job] = LabelValue(jobName),
                [RunLabels.Run] = runId,
                [RunLabels.JobUid] = jobUid,
            },
            OwnerReferences =
            [
                new V1OwnerReference { ApiVersion = ApiGroup.ApiVersion, Kind = "ChunkJob", Name = jobName, Uid = jobUid, Controller = true, BlockOwnerDeletion = true },
            ],
        },
        Data = new Dictionary<string, string>(StringComparer.Ordinal) { [Key] = recording },

        // Nobody can edit the recording the operator kept (its digest in status would catch it; this refuses it outright).
        Immutable = true,
    };

    /// <summary>The job's name, or for a name over a label value's 63 characters its start and a digest.</summary>
    public static string LabelValue(string jobName)
    {
        if (jobName.Length <= 63)
        {
            return jobName;
        }

        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(jobName)).AsSpan(0, 4));
        return $"{jobName[..54].TrimEnd('-', '.')}-{digest}";
    }
}
