using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portico.Dispatch;
using Portico.Pipeline;
using Portico.Problems;

namespace Portico.Aggregation;

/// <summary>
/// Answers a composite route: checks the request inputs every required part needs (400 before any backend is
/// called), runs the parts (<see cref="AggregateRun"/>), and answers with the merged JSON (200, partial when an
/// optional part failed), or a problem naming the required part that failed (502, or 504 when it timed out).
/// Built once per snapshot.
/// </summary>
internal sealed class AggregateDispatcher : IRouteDispatcher
{
    /// <summary>The response header set on partial answers.</summary>
    public const string PartialHeader = "X-Portico-Partial";

    private readonly RequestInputs _inputs;
    private readonly bool _readsClientBody;
    private readonly InputUse[] _requiredInputs;

    public AggregateDispatcher(
        string routeId,
        AggregatePart[] parts,
        int[] order,
        TimeSpan timeout,
        int maxConcurrency,
        long maxResponseSize,
        RequestInputs inputs,
        bool readsClientBody,
        AggregateRuntime runtime)
    {
        RouteId = routeId;
        Parts = parts;
        Order = order;
        Timeout = timeout;
        MaxConcurrency = maxConcurrency;
        MaxResponseSize = maxResponseSize;
        Runtime = runtime;
        _inputs = inputs;
        _readsClientBody = readsClientBody;
        _requiredInputs = [.. parts.Where(p => !p.Optional).SelectMany(p => p.Inputs)];
        MemberNames = parts.Where(p => !p.MergeIntoRoot)
            .Select(p => p.MemberName)
            .Append(AggregateJson.MarkerMember)
            .ToFrozenSet(StringComparer.Ordinal);
    }

    public string RouteId { get; }

    /// <summary>The parts in declaration order (the order of the merged answer).</summary>
    public AggregatePart[] Parts { get; }

    /// <summary>Part indexes in topological order: every part after the parts it reads.</summary>
    public int[] Order { get; }

    /// <summary>The deadline of the whole fan-out.</summary>
    public TimeSpan Timeout { get; }

    public int MaxConcurrency { get; }

    public long MaxResponseSize { get; }

    public AggregateRuntime Runtime { get; }

    /// <summary>Members written by member parts, and the marker: root merges never overwrite them.</summary>
    public FrozenSet<string> MemberNames { get; }

    public async Task DispatchAsync(GatewayContext context)
    {
        var http = context.HttpContext;
        ClientBody? body = null;
        JsonDocument? bodyJson = null;
        try
        {
            var bodyIsJson = true;
            if (_readsClientBody)
            {
                (body, var bodyProblem) = await ClientBody.ReadAsync(http, context.Route!.MaxRequestBodySize);
                if (bodyProblem is not null)
                {
                    await ProblemResponse.WriteAsync(http, bodyProblem);
                    return;
                }

                // An empty body has no fields (missing-input), rather than being invalid JSON.
                if (_inputs.ReadsBody && body!.Length > 0 && !JsonText.JsonUnicode.IsValid(body.Memory.Span))
                {
                    bodyIsJson = false;
                }
                else if (_inputs.ReadsBody && body!.Length > 0)
                {
                    try
                    {
                        bodyJson = JsonDocument.Parse(body.Memory);
                    }
                    catch (JsonException)
                    {
                        bodyIsJson = false;
                    }
                }
            }

            var inputs = _inputs.Resolve(context, bodyJson?.RootElement);
            if (CheckRequiredInputs(inputs, bodyIsJson) is { } refusal)
            {
                AggregateLog.InputRejected(Runtime.Logger, RouteId, refusal.Detail);
                await ProblemResponse.WriteAsync(http, refusal.Problem, refusal.Detail);
                return;
            }

            using var run = new AggregateRun(this, context, inputs, body);
            await run.RunAsync();
            if (http.RequestAborted.IsCancellationRequested)
            {
                http.Response.StatusCode = 499; // nobody is left to answer; logged and counted as nginx does
                return;
            }

            await AnswerAsync(http, run);
        }
        finally
        {
            bodyJson?.Dispose();
            body?.Dispose();
        }
    }

    private async Task AnswerAsync(HttpContext http, AggregateRun run)
    {
        if (FailedRequiredPart(run) is { } failed)
        {
            await AnswerFailureAsync(http, failed, run.States[failed.Index].Outcome);
            return;
        }

        using var buffer = new PooledBufferWriter(4096);
        var partial = MergedAnswer.Write(this, run, buffer);
        if (FailedRequiredPart(run) is { } tooLarge)
        {
            await AnswerFailureAsync(http, tooLarge, run.States[tooLarge.Index].Outcome);
            return;
        }

        buffer.GetSpan(1)[0] = (byte)'\n'; // every JSON answer Portico composes ends with a newline
        buffer.Advance(1);
        Runtime.Metrics.RecordResponse(RouteId, partial ? "partial" : "complete");
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        if (partial)
        {
            response.Headers[PartialHeader] = "true";
        }

        response.ContentLength = buffer.WrittenCount;
        if (!HttpMethods.IsHead(http.Request.Method))
        {
            await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
        }
    }

    private Task AnswerFailureAsync(HttpContext http, AggregatePart part, PartOutcome outcome)
    {
        Runtime.Metrics.RecordResponse(RouteId, "failed");
        var problem = outcome.IsTimeout() ? GatewayProblems.PartTimeout : GatewayProblems.PartFailed;
        if (outcome == PartOutcome.Refused)
        {
            AggregateLog.RequiredPartRefused(Runtime.Logger, RouteId, problem.Status, part.Name);
        }
        else
        {
            AggregateLog.RequiredPartFailed(Runtime.Logger, RouteId, problem.Status, part.Name, outcome.Name());
        }
        var detail = outcome.IsTimeout() ? $"The required part '{part.Name}' did not answer in time." : $"The required part '{part.Name}' failed.";
        return ProblemResponse.WriteAsync(http, problem, detail, [new("part", part.Name)]);
    }

    /// <summary>
    /// The required part to name in an error answer: the first, in declaration order, that failed on its own (the
    /// others were stopped because of it); null when every required part succeeded.
    /// </summary>
    private AggregatePart? FailedRequiredPart(AggregateRun run)
    {
        AggregatePart? stopped = null;
        foreach (var part in Parts)
        {
            var outcome = run.States[part.Index].Outcome;
            if (part.Optional || outcome == PartOutcome.Ok)
            {
                continue;
            }

            if (outcome is not (PartOutcome.Cancelled or PartOutcome.DependencyFailed))
            {
                return part;
            }

            stopped ??= part;
        }

        return stopped;
    }

    private (Problem Problem, string Detail)? CheckRequiredInputs(InputValue[] inputs, bool bodyIsJson)
    {
        foreach (var use in _requiredInputs)
        {
            var input = use.Input;
            var value = inputs[input.InputIndex];
            if (!value.Present)
            {
                if (use.Optional)
                {
                    continue;
                }

                if (input.Source == ValueSource.Body && !bodyIsJson)
                {
                    return (GatewayProblems.BadRequest, "The request body must be valid JSON.");
                }

                return (GatewayProblems.MissingInput, $"The request has no {input.Description}, which this route needs.");
            }

            // A whole JSON value may be anything, and text inside a JSON string any text; the rest needs a scalar.
            if (use.Context == InputContext.Json || (use.Context == InputContext.Text && value.Text is not null))
            {
                continue;
            }

            var status = value.Text is { } text ? ValueStatus.Found : JsonScalar.TryFormat(value.Json, out text);
            if (status == ValueStatus.NotScalar)
            {
                return (GatewayProblems.BadRequest, $"The {input.Description} must be a string, number or boolean.");
            }

            if (status == ValueStatus.Missing && !use.Optional)
            {
                return (GatewayProblems.MissingInput, $"The request has no {input.Description}, which this route needs.");
            }

            if (use.Context == InputContext.Path && ValueTemplate.IsDotSegment(text))
            {
                return (GatewayProblems.BadRequest, $"The {input.Description} cannot be '.' or '..'.");
            }

            if (use.Context == InputContext.Header && ValueTemplate.IsUnsafeHeaderValue(text))
            {
                return (GatewayProblems.BadRequest, $"The {input.Description} contains a control character.");
            }
        }

        return null;
    }
}
