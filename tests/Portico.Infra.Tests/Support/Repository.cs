using System.Reflection;

namespace Portico.Infra.Tests.Support;

/// <summary>Paths in the repository under test, taken from the build (see the test project file).</summary>
internal static class Repository
{
    /// <summary>The repository root, the folder holding azure.yaml and Functions.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The infra folder.</summary>
    public static string Infra => Path.Combine(Root, "infra");

    /// <summary>infra/main.bicep, the template azd deploys.</summary>
    public static string MainTemplate => Path.Combine(Infra, "main.bicep");

    /// <summary>Every .bicep file under infra/, as paths relative to it with forward slashes, sorted.</summary>
    public static IReadOnlyList<string> BicepFiles() =>
        Directory.EnumerateFiles(Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Infra, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>The value of an <see cref="AssemblyMetadataAttribute"/> the project file sets.</summary>
    public static string? Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == key)?.Value;

    private static string FindRoot()
    {
        var root = Metadata("RepositoryRoot");
        if (string.IsNullOrEmpty(root) || !File.Exists(Path.Combine(root, "azure.yaml")))
        {
            throw new InvalidOperationException($"The repository root from the build ('{root}') holds no azure.yaml.");
        }

        return Path.GetFullPath(root);
    }
}
