using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Portico.Waf;

/// <summary>
/// The built-in rules, modelled on the categories of the OWASP Core Rule Set at paranoia level 1 (SQL injection, XSS,
/// local and remote file inclusion, remote command execution, protocol anomalies, scanner signatures) but written
/// for Portico with its own ids and patterns. Patterns run on values already URL-decoded, entity-decoded,
/// lower-cased, with whitespace runs compressed and SQL block comments removed (<see cref="WafTransforms"/>), so
/// they are written in lower case. docs/security.md lists every rule.
/// </summary>
/// <remarks>
/// Every pattern is compiled with <see cref="RegexOptions.NonBacktracking"/>: matching time is linear in the input
/// whatever the pattern and the input, so no crafted value can make a rule run away (ReDoS). For speed, the patterns
/// of a category are also joined into one pre-filter: a value that matches none of them (the
/// common case) costs one linear scan, and only a value that matches some rule is scanned rule by rule.
/// </remarks>
public static class WafRuleSet
{
    internal const RegexOptions PatternOptions = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    // Commands whose name is not an English word: a separator before them is enough.
    private const string DistinctCommands = "whoami|uname|ifconfig|ipconfig|netstat|wget|curl|nc|ncat|netcat|nslookup|certutil|powershell|cmd\\.exe|telnet";

    // Shells and interpreters, and commands that are also words: they need a shell separator before and an argument after.
    private const string WordCommands = "cat|more|less|head|tail|ls|dir|id|ps|echo|printf|env|export|find|awk|sed|sleep|kill|ping|dig|sh|bash|zsh|ksh|dash|python[23]?|perl|ruby|php|node|ssh|rm|chmod|chown|base64";

    private static readonly WafRule[] Rules = Build();

    /// <summary>Every built-in rule, in id order.</summary>
    public static IReadOnlyList<WafRule> All => Rules;

    /// <summary>The rule categories, each usable in an exclusion to name all its rules.</summary>
    public static readonly IReadOnlyList<string> Categories = ["sqli", "xss", "lfi", "rfi", "rce", "proto", "scan"];

    private static readonly FrozenDictionary<string, WafRule> ById = Rules.ToFrozenDictionary(r => r.Id, StringComparer.OrdinalIgnoreCase);

    // One pre-filter per category (built once, shared by the target kinds), each kind keeping the groups with a rule for it.
    private static readonly WafRuleGroup[] Groups = [.. Rules.Where(r => r.Regex is not null).GroupBy(r => r.Category).SelectMany(g => Group([.. g]))];

    private static readonly FrozenDictionary<WafTargetKind, WafRuleGroup[]> ByKind = new[]
    {
        WafTargetKind.Path, WafTargetKind.Query, WafTargetKind.Body, WafTargetKind.Header, WafTargetKind.Cookie,
    }.ToFrozenDictionary(kind => kind, kind => Groups.Where(g => g.Rules.Any(r => (r.Targets & kind) != 0)).ToArray());

    /// <summary>The rule with this id (case-insensitive), or null.</summary>
    public static WafRule? Find(string id) => ById.GetValueOrDefault(id);

    internal static WafRule Get(string id) => ById[id];

    /// <summary>The pattern rules of one target kind, in groups that each share a pre-filter.</summary>
    internal static WafRuleGroup[] For(WafTargetKind kind) => ByKind[kind];

    /// <summary>
    /// Joins the rules of one category into one pre-filter; when the non-backtracking engine refuses the joined pattern
    /// (its automaton would pass the engine's size limit), each rule is its own filter.
    /// </summary>
    private static IEnumerable<WafRuleGroup> Group(WafRule[] rules)
    {
        if (rules.Length == 1)
        {
            return [new WafRuleGroup(rules[0].Regex!, rules)];
        }

        try
        {
            return [new WafRuleGroup(new Regex(string.Join('|', rules.Select(r => "(" + r.Pattern + ")")), PatternOptions), rules)];
        }
        catch (NotSupportedException)
        {
            return rules.Select(r => new WafRuleGroup(r.Regex!, [r]));
        }
    }

    private static WafRule[] Build()
    {
        var list = new List<WafRule>();
        void Add(string id, WafSeverity severity, WafTargetKind targets, string description, string? pattern, string? onlyHeader = null) =>
            list.Add(new WafRule(list.Count, id, id[..id.IndexOf('-')], severity, targets, description, pattern, onlyHeader));

        const WafSeverity Critical = WafSeverity.Critical;
        const WafTargetKind Values = WafTargetKind.Values;
        const WafTargetKind Arguments = WafTargetKind.Arguments;

        // SQL injection.
        Add("sqli-01", Critical, Values, "UNION-based query", """\bunion(\s+(all|distinct))?\s*\(*\s*select\b""");
        Add("sqli-02", Critical, Values, "quote followed by a boolean tautology",
            """['"`]\s*\)*\s*(or|and|xor|\|\||&&)\s*\(*\s*(['"`]?[\w.-]*['"`]?\s*(=|<>|!=|<=>|>=|<=|\blike\b|\bis\s+(not\s+)?null\b)|(\d+|true|false)\s*(--|#|;))""");
        Add("sqli-03", Critical, Values, "quote closing a string, then a statement or comment",
            """['"`]\s*(;\s*(drop|select|insert|update|delete|shutdown|exec|execute|declare|create|alter|truncate|grant|union)\b|(--|#)[\s-]*$|/\*|(order|group)\s+by\s+[\w,\s]+(--|#))""");
        Add("sqli-04", Critical, Values, "stacked statement",
            """;\s*(drop\s+(table|database|schema|user|view|procedure|function)\b|truncate\s+table\b|alter\s+(table|user|database)\b|shutdown\b|exec(ute)?\s+(xp_|sp_|master\.)|declare\s+@|insert\s+into\s+[\w.\[\]"`]+\s*(\(|values\b|select\b)|delete\s+from\s+[\w.\[\]"`]+\s*(where\b|;|--|#|$)|update\s+[\w.\[\]"`]+\s+set\s+[\w.\[\]"`]+\s*=|create\s+(table|user|function|procedure|trigger)\b)""");
        Add("sqli-05", Critical, Values, "time-delay, file or error-based SQL function",
            """\b(sleep\s*\(\s*\d+(\.\d+)?\s*\)|benchmark\s*\(\s*\d+\s*,|pg_sleep\s*\(|waitfor\s+(delay|time)\s+['"]|load_file\s*\(|into\s+(out|dump)file\b|extractvalue\s*\(|updatexml\s*\(|dbms_pipe\.receive_message\s*\(|utl_(inaddr|http)\.|randomblob\s*\(\s*\d{6,})""");
        Add("sqli-06", Critical, Values, "database catalog or system object",
            """\b(information_schema|sysobjects|syscolumns|sqlite_master|pg_catalog|pg_shadow|mysql\.user|xp_cmdshell|sp_executesql|sys\.(tables|columns|objects|databases|sysprocesses))\b|@@(version|datadir|hostname|basedir)\b""");
        Add("sqli-07", Critical, Values, "sub-query after a closing quote or parenthesis",
            """['")`]\s*(or|and|union|\|\||&&|=|\+|,|\()\s*\(*\s*select\s+[\w*@(`"'.]""");
        Add("sqli-08", Critical, Values, "numeric tautology", """\b(or|and)\s+(\d+)\s*(=|<>|!=)\s*\d+\b""");
        Add("sqli-09", Critical, Values, "SQL obfuscation (versioned comment, character or concatenation functions)",
            """/\*!\d*|\bchar\s*\(\s*\d+\s*(,\s*\d+\s*){2,}\)|\bconcat(_ws)?\s*\(\s*(0x|char\s*\(|@@|(user|version|database)\s*\()|\bgroup_concat\s*\(""");

        // Cross-site scripting.
        Add("xss-01", Critical, Values, "script element", """<\s*/?\s*script\b""");
        Add("xss-02", Critical, Values, "event handler attribute",
            """(<[a-z][^>]*|^|[\s"'`/;,(])on(abort|activate|afterprint|animation(start|end|iteration)|auxclick|beforeprint|beforeunload|begin|blur|canplay|change|click|contextmenu|copy|cut|dblclick|drag\w*|drop|end|error|focus(in|out)?|hashchange|input|invalid|key(down|press|up)|load(start|end|eddata|edmetadata)?|message|mouse(down|enter|leave|move|out|over|up|wheel)|paste|pause|play(ing)?|pointer\w+|popstate|progress|readystatechange|repeat|reset|resize|scroll|search|select|show|start|submit|toggle|touch\w+|transition\w+|unload|wheel)\s*=""");
        Add("xss-03", Critical, Values, "script URI scheme",
            """(^|[\s"'`=(<])(j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t|v\s*b\s*s\s*c\s*r\s*i\s*p\s*t|livescript)\s*:[^\s]|\bdata\s*:\s*(text/html|image/svg\+xml|(text|application)/(x-)?javascript)""");
        Add("xss-04", Critical, Values, "element that loads or embeds content",
            """<\s*(iframe|frame|frameset|object|embed|applet|base|meta|isindex|svg|math|xss|bgsound|marquee|layer|ilayer)\b""");
        Add("xss-05", Critical, Values, "script sink or dialog call",
            """\b(alert|prompt|confirm)\s*(\(\s*(\d|['"`/]|document|window|this|string\.fromcharcode)|`)|\bdocument\s*\.\s*(cookie|domain|write(ln)?\s*\()|\bwindow\s*\.\s*(location|open\s*\()|\.\s*(innerhtml|outerhtml)\s*=|\bstring\s*\.\s*fromcharcode\s*\(|\beval\s*\(\s*(atob|unescape|string|['"`])|\bsettimeout\s*\(\s*['"`]""");
        Add("xss-06", Critical, Values, "script in a style attribute or stylesheet import",
            """<[a-z][^>]*\sstyle\s*=[^>]*(expression\s*\(|javascript:|behavior\s*:|-moz-binding)|@import\s+['"]?\s*(https?:|javascript:|//)""");

        // Local file inclusion and path traversal.
        Add("lfi-01", Critical, Values, "path traversal", """(^|[\\/])\.{2,3}[\\/]|[\\/]\.{2,3}$|^\.{2,3}$""");
        Add("lfi-02", Critical, Values, "encoded or overlong path traversal",
            """%(25)*2e%(25)*2e|\.\.%(25)*(2f|5c)|%(25)*c0%(25)*(ae|af|2f)|%(25)*e0%(25)*80%(25)*ae|%u(002e|2215|2216|ff0e|ff0f)|%(25)*c1%(25)*(1c|9c)""");
        Add("lfi-03", Critical, Values, "operating system or application secret file",
            """(^|[\\/.\s'"=])(etc[\\/](passwd|shadow|group|hosts|issue|sudoers|crontab|hostname|resolv\.conf)|proc[\\/](self|\d+)[\\/]|(windows|winnt)[\\/](win\.ini|system\.ini|system32)|boot\.ini|\.ssh[\\/]|\.aws[\\/]credentials|\.git[\\/](config|head|index)|\.htaccess|\.htpasswd|web\.config|wp-config\.php|\.bash_history|id_rsa\b|\.docker[\\/]config\.json|var[\\/]run[\\/]secrets[\\/])|(^|[\\/])\.env(\.[\w-]+)?$""");
        Add("lfi-04", Critical, WafTargetKind.Path, "request for a backup, source, key or configuration file",
            """\.(bak|backup|old|orig|swp|sql|sqlite|mdb|ini|cfg|conf|config|pem|key|htaccess|htpasswd|git|svn)$|~$""");

        // Remote file inclusion.
        Add("rfi-01", Critical, Arguments, "URL to a numeric IP address as an argument", """^(https?|ftps?)://\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}([:/?#]|$)""");
        Add("rfi-02", Critical, Values, "include of a remote or wrapped resource",
            """\b(include|require)(_once)?\s*\(?\s*['"]?\s*(https?|ftps?|php|data|expect|file|zip|phar|glob)://""");
        Add("rfi-03", Critical, Arguments, "URL argument ending in a question mark", """^(https?|ftps?)://[^?#\s]*\?+$""");
        Add("rfi-04", Critical, Values, "stream wrapper or non-web URL scheme", """(^|[\s'"=(])(php|phar|zip|expect|glob|file|gopher|dict|jar|ldap|data)://|\bjar:(https?|file|ftp):""");

        // Remote command execution and code injection.
        Add("rce-01", Critical, Values, "shell command after a command separator",
            "([;|`]|&&|\\$\\()\\s*(" + DistinctCommands + ")\\b|(\\||`|\\$\\(|&&|\\|\\|)\\s*(bash|sh|zsh|ksh|dash|python[23]?|perl|ruby|php|node|id|ls|ps|env)\\s*([;|&`)#]|$)|([;|`]|&&|\\|\\||\\$\\()\\s*(" + WordCommands + ")\\s+[-/~$.'\"]|([;|`]|&&|\\|\\||\\$\\()\\s*sleep\\s+\\d");
        Add("rce-02", Critical, Values, "command substitution or shell plumbing",
            "\\$\\(\\s*(" + DistinctCommands + "|" + WordCommands + ")\\b|`\\s*(" + DistinctCommands + "|" + WordCommands + ")\\b[^`]*`|\\$\\{ifs\\}|\\$ifs\\b|/dev/(tcp|udp)/|\\bnc\\s+(-[a-z]*[el]|\\d{1,3}\\.\\d)|\\b(bash|sh)\\s+-[ic]\\s");
        Add("rce-03", Critical, Values, "Unix shell or tool by absolute path",
            """(^|[\s;|&`'"=(])/(usr/(local/)?)?s?bin/(((ba|da|z|k|tc|c|fi)?sh)|nc|ncat|netcat|wget|curl|python[23]?|perl|php|ruby|busybox|chmod|id|whoami|uname|cat)\b""");
        Add("rce-04", Critical, Values, "Windows command interpreter or living-off-the-land binary",
            """\bcmd(\.exe)?\s*/[ck]\b|\bpowershell(\.exe)?\s+(-[a-z]+\s+)*-(e|ec|enc|encodedcommand|c|command|nop|noprofile|w|windowstyle|exec|executionpolicy)\b|\bcertutil(\.exe)?\s+-(urlcache|decode)\b|\bmshta(\.exe)?\s+(https?|javascript|vbscript)|\brundll32(\.exe)?\s+\S+,|\bwmic\s+(process|os|shadowcopy)\b|\bnet\s+(user|localgroup)\s+\S+\s+(\S+\s+)?/add\b""");
        Add("rce-05", Critical, Values, "shell function definition (Shellshock)", """^\s*\(\s*\)\s*\{""");
        Add("rce-06", Critical, Values, "lookup or expression injection (JNDI, Log4Shell)",
            """\$\{\s*(jndi|ctx|env|sys|java|lower|upper|base64|date|main|bundle|k8s|docker|log4j|spring|web|script)\s*:|\$\{\s*::-""");
        Add("rce-07", Critical, Values, "PHP code injection",
            """<\?(php\b|=)|\b(system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|assert|create_function|call_user_func(_array)?|preg_replace)\s*\(\s*(['"$]|base64_decode|str_rot13|gzinflate)|\$_(get|post|request|cookie|server|files|env)\s*\[""");

        // Protocol anomalies (proto-01, -03, -05, -06 and -07 are checks in code).
        Add("proto-01", Critical, WafTargetKind.Request, "GET or HEAD request with a body", null);
        Add("proto-02", Critical, Values, "NUL character", """\x00""");
        Add("proto-03", WafSeverity.Warning, WafTargetKind.Request, "invalid percent-encoding in the path or query", null);
        Add("proto-04", Critical, Arguments, "header injection (CR or LF followed by a header)",
            """[\r\n]\s*(location|refresh|set-cookie|cookie|content-type|content-length|transfer-encoding|host|via|x-forwarded-(for|host|proto|server))\s*:""");
        Add("proto-05", WafSeverity.Notice, WafTargetKind.Request, "request body without a Content-Type", null);
        Add("proto-06", WafSeverity.Warning, WafTargetKind.Request, "JSON body that does not parse (inspected as text instead)", null);
        Add("proto-07", WafSeverity.Warning, WafTargetKind.Request, "more values or characters than one request's inspection budget (the rest is not inspected)", null);

        // Scanners.
        Add("scan-01", Critical, WafTargetKind.Header, "security scanner user agent",
            """\b(nikto|sqlmap|nmap|masscan|zgrab|acunetix|nessus|openvas|w3af|arachni|netsparker|appscan|webinspect|havij|dirbuster|gobuster|dirb|ffuf|wfuzz|feroxbuster|nuclei|fuzz faster u fool|wpscan|joomscan|whatweb|skipfish|zaproxy|owasp[ -]?zap|commix|jorgee|morfeus|zmeu|fimap|xsser|sqlninja|bsqlbf|pangolin|thc-hydra|metasploit)\b""",
            onlyHeader: "user-agent");
        Add("scan-02", Critical, WafTargetKind.Request, "security scanner request header", null);

        if (list.Count > 64)
        {
            throw new InvalidOperationException("A request's matches are kept in a 64-bit mask: at most 64 rules.");
        }

        return [.. list];
    }
}
