using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Portico.Tests.Resilience;

/// <summary>Fault-injecting behaviours for <c>TestBackend</c>: statuses, resets, hangs and scripted sequences.</summary>
internal static class Faults
{
    public static RequestDelegate Ok(string body = "ok") => context => context.Response.WriteAsync(body);

    public static RequestDelegate Status(int status, string? retryAfter = null) => context =>
    {
        context.Response.StatusCode = status;
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        return context.Response.WriteAsync("backend says " + status);
    };

    /// <summary>Drops the connection without answering.</summary>
    public static readonly RequestDelegate Reset = context =>
    {
        context.Features.GetRequiredFeature<IHttpRequestLifetimeFeature>().Abort();
        return Task.CompletedTask;
    };

    /// <summary>Never answers; reports the gateway giving up through <paramref name="aborted"/>.</summary>
    public static RequestDelegate Hang(TaskCompletionSource? aborted = null) => async context =>
    {
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            aborted?.TrySetResult();
        }
    };

    /// <summary>Waits for <paramref name="release"/> before answering 200 (a slow backend the test controls).</summary>
    public static RequestDelegate WaitFor(Task release, TaskCompletionSource? entered = null) => async context =>
    {
        entered?.TrySetResult();
        await release.WaitAsync(context.RequestAborted);
        await context.Response.WriteAsync("released");
    };

    /// <summary>Request n (0-based) gets <paramref name="steps"/>[n]; the last step repeats.</summary>
    public static RequestDelegate Sequence(params RequestDelegate[] steps)
    {
        int next = -1;
        return context =>
        {
            var n = Interlocked.Increment(ref next);
            return steps[Math.Min(n, steps.Length - 1)](context);
        };
    }

    /// <summary>Answers with the length and a hash of the body it read, to prove a retry sent the same bytes.</summary>
    public static RequestDelegate EchoBody(int failFirst)
    {
        int seen = 0;
        return async context =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            if (Interlocked.Increment(ref seen) <= failFirst)
            {
                context.Response.StatusCode = 503;
                return;
            }

            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(buffer.ToArray()));
            await context.Response.WriteAsync($"{buffer.Length}:{hash}");
        };
    }
}
