namespace GitHubBot.App.Webhooks;

/// <summary>
/// What one delivery came to, set by the processor and written as the HTTP answer by
/// <see cref="WebhookIntakeMiddleware"/> (scoped: one per request).
/// </summary>
public sealed class DeliveryOutcome
{
    public int StatusCode { get; private set; }

    public WebhookAnswer? Answer { get; private set; }

    /// <summary>
    /// The event and action as the deliveries metric labels them, e.g. "pull_request.opened", once the payload was
    /// read (<see cref="IntakeMetrics.EventLabel"/>: a fixed set).
    /// </summary>
    public string? Event { get; set; }

    public bool IsSet => StatusCode != 0;

    /// <summary>The verified body (set by <see cref="WebhookIntakeMiddleware"/> once its signature matched).</summary>
    public ReadOnlyMemory<byte> Body { get; set; }

    /// <summary>The verified body's HMAC (set by <see cref="WebhookIntakeMiddleware"/>): what <see cref="IdenticalDeliveries"/> knows a body by.</summary>
    public byte[] BodyMac { get; set; } = [];

    public void Set(int statusCode, WebhookAnswer answer)
    {
        StatusCode = statusCode;
        Answer = answer;
    }
}

/// <summary>The JSON body of every webhook answer.</summary>
/// <param name="Outcome">accepted, ignored, not-available, rejected or unavailable.</param>
/// <param name="Reason">Why, in plain words.</param>
/// <param name="Delivery">The X-GitHub-Delivery ID.</param>
/// <param name="WorkflowId">The workflow that owns the delivery, when there is one.</param>
/// <param name="RunId">The run of that workflow, when it is running.</param>
public sealed record WebhookAnswer(string Outcome, string Reason, string? Delivery = null, string? WorkflowId = null, string? RunId = null);

/// <summary>
/// The answer's JSON written by generated code (the web defaults every JSON answer of ASP.NET Core has: camelCase,
/// nulls written): no reflection or run-time metadata on the path every delivery takes.
/// </summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(WebhookAnswer))]
internal sealed partial class WebhookAnswerJson : System.Text.Json.Serialization.JsonSerializerContext;
