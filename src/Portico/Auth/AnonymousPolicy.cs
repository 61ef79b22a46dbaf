using Portico.Pipeline;

namespace Portico.Auth;

/// <summary>The built-in policy that lets every caller through; routes must name it explicitly.</summary>
internal sealed class AnonymousPolicy : AuthPolicy
{
    public const string PolicyName = "anonymous";

    public static readonly AnonymousPolicy Instance = new();

    private AnonymousPolicy()
        : base(PolicyName, "anonymous")
    {
    }

    public override string Challenge => "";

    public override ValueTask<AuthOutcome> AuthenticateAsync(GatewayContext context) => ValueTask.FromResult(AuthOutcome.Success(GatewayIdentity.Anonymous));
}
