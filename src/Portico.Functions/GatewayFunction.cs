using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Portico.Pipeline;

namespace Portico.Functions;

/// <summary>
/// The catch-all trigger: every request goes to the gateway engine, which writes the response itself.
/// Anonymous because Portico authenticates callers. The name sorts after every other function's because the
/// host tries routes in function-name order and this one matches everything.
/// </summary>
public sealed class GatewayFunction(GatewayEngine engine)
{
    /// <summary>The function name; a test checks it sorts last.</summary>
    public const string Name = "zz_Gateway";

    /// <summary>Hands the request to the engine.</summary>
    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", "trace", Route = "{*path}")] HttpRequest request)
    {
        await engine.InvokeAsync(request.HttpContext);
        return new EmptyResult();
    }
}
