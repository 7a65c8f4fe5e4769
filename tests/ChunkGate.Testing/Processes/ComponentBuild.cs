namespace ChunkGate.Testing.Processes;

/// <summary>
/// A component's program in its own build output (<c>operator/&lt;Project&gt;/bin/&lt;Configuration&gt;/net10.0</c>),
/// where its deps.json and every dependency sit: run from a test's output folder instead, a program
/// can miss a package that the test project takes from a shared framework (ASP.NET Core) and so did not copy.
/// </summary>
public static class ComponentBuild
{
    public static string Dll(string project)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = testOutput.Name;
        var configuration = testOutput.Parent!.Name;
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Operator.sln")))
            {
                var dll = Path.Combine(directory.FullName, "operator", project, "bin", configuration, framework, project + ".dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"{project} is not built for {configuration} (build it, or the test project that references it)", dll);
            }
        }

        throw new DirectoryNotFoundException("Operator.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// How to start the program as its image does: the native executable a Release build compiles
    /// ahead of time beside the build output (<c>native/&lt;Project&gt;</c>, the runner's), else <c>dotnet &lt;dll&gt;</c>.
    /// </summary>
    public static (string FileName, IReadOnlyList<string> Arguments) Program(string project)
    {
        var dll = Dll(project);
        var native = Path.Combine(Path.GetDirectoryName(dll)!, "native", project);
        return File.Exists(native) ? (native, []) : ("dotnet", [dll]);
    }
}
