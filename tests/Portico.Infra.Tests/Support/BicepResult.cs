namespace Portico.Infra.Tests.Support;

/// <summary>What one run of the Bicep CLI printed and returned.</summary>
internal sealed record BicepResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Exit code 0 and nothing on either stream: no error, no warning, no informational diagnostic.</summary>
    public bool IsClean => ExitCode == 0 && StandardOutput.Length == 0 && StandardError.Length == 0;

    /// <summary>A readable account for assertion messages.</summary>
    public override string ToString() =>
        $"exit code {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{StandardOutput}{Environment.NewLine}stderr:{Environment.NewLine}{StandardError}";
}
