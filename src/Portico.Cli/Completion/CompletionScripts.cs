namespace Portico.Cli.Completion;

/// <summary>
/// The shell scripts <c>portico completion SHELL</c> prints. Each asks the command itself for suggestions with
/// System.CommandLine's <c>[suggest:POSITION] "LINE"</c> directive (the protocol <c>dotnet-suggest</c> uses), so the
/// suggestions always match the installed version's commands and options.
/// </summary>
internal static class CompletionScripts
{
    /// <summary>The shells a script exists for, as <c>portico completion</c> names them.</summary>
    public static IReadOnlyList<string> Shells { get; } = ["bash", "zsh", "pwsh"];

    /// <summary>The script for <paramref name="shell"/> (one of <see cref="Shells"/>).</summary>
    public static string For(string shell) => shell switch
    {
        "bash" => Bash,
        "zsh" => Zsh,
        "pwsh" => Pwsh,
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, "Unknown shell."),
    };

    // The line sent is the text before the cursor without the command word, so POSITION is its length.
    private const string Bash = """
        # portico completion for bash: eval "$(portico completion bash)" in ~/.bashrc
        _portico_completions() {
          local line="${COMP_LINE:0:COMP_POINT}"
          line="${line#"${COMP_WORDS[0]}"}"
          line="${line#"${line%%[![:space:]]*}"}"
          local IFS=$'\n'
          COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _portico_completions portico

        """;

    private const string Zsh = """
        # portico completion for zsh: eval "$(portico completion zsh)" in ~/.zshrc (after compinit)
        _portico() {
          local line="${BUFFER[1,CURSOR]}"
          line="${line#"${words[1]}"}"
          line="${line#"${line%%[! ]*}"}"
          local -a suggestions
          suggestions=("${(@f)$("${words[1]}" "[suggest:${#line}]" "$line" 2>/dev/null)}")
          compadd -- "${suggestions[@]}"
        }
        compdef _portico portico

        """;

    private const string Pwsh = """
        # portico completion for PowerShell: portico completion pwsh | Out-String | Invoke-Expression (in $PROFILE)
        Register-ArgumentCompleter -Native -CommandName portico -ScriptBlock {
            param($wordToComplete, $commandAst, $cursorPosition)
            $text = $commandAst.ToString().PadRight($cursorPosition - $commandAst.Extent.StartOffset).Substring(0, $cursorPosition - $commandAst.Extent.StartOffset)
            $line = $text.Substring($commandAst.CommandElements[0].Extent.Text.Length).TrimStart()
            portico "[suggest:$($line.Length)]" "$line" | ForEach-Object {
                [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
            }
        }

        """;
}
