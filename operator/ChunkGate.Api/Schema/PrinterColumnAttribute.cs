namespace ChunkGate.Api.Schema;

/// <summary>
/// A column of <c>kubectl get</c>, served by the API server from the CRD's
/// <c>additionalPrinterColumns</c>. Order of declaration is column order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class PrinterColumnAttribute(int order, string name, PrinterColumnType type, string jsonPath) : Attribute
{
    public int Order { get; } = order;
    public string Name { get; } = name;
    public PrinterColumnType Type { get; } = type;
    public string JsonPath { get; } = jsonPath;
    public string Description { get; init; } = "";

    /// <summary>0 shows in <c>kubectl get</c>; higher only with <c>-o wide</c>.</summary>
    public int Priority { get; init; }
}

public enum PrinterColumnType
{
    String,
    Integer,
    Number,
    Boolean,
    Date,
}
