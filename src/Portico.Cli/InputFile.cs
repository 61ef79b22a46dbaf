namespace Portico.Cli;

/// <summary>Checks a file named on the command line before a verb reads it, so each mistake gets its own message.</summary>
internal static class InputFile
{
    /// <summary>Why <paramref name="path"/> cannot be read as a file, or null when it can.</summary>
    public static string? Problem(string path)
    {
        if (Directory.Exists(path))
        {
            return $"{path}: is a directory, not a file";
        }

        if (!File.Exists(path))
        {
            return $"{path}: no such file";
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return $"{path}: permission denied";
        }
        catch (IOException ex)
        {
            return $"{path}: cannot be read: {ex.Message}";
        }
    }
}
