namespace Portico.Tests.Infrastructure;

/// <summary>The checkout the tests run from, for tests that hold files of the repository (README, samples, templates) to the code.</summary>
public static class Repository
{
    /// <summary>The repository's root folder: the first folder above the test output that holds <c>Functions.sln</c>.</summary>
    public static string Root { get; } = Find();

    /// <summary>A path inside the repository, from its parts.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above the test output.");
    }
}
