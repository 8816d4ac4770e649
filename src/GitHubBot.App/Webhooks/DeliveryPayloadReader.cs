using System.Globalization;
using System.Text.Json;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// Reads a <see cref="DeliveryPayload"/> from a delivery's UTF-8 body in one forward pass: at each level only the names
/// the routes use are compared, everything else is skipped by the reader (which still checks that all of it is JSON:
/// one value, nesting at most 64 deep, nothing after it). Measured against System.Text.Json's source-generated
/// deserializer of the same shape, this takes half the CPU on a 28 KB pull_request payload, because the generated
/// code looks every one of the payload's several hundred property names up in its tables (docs/benchmarks.md).
/// </summary>
/// <remarks>
/// Rules, the same for every field: a JSON null or a missing field is null; an object expected and something else
/// found, a string expected and a number found, a number that is not a 64-bit integer, or a time that is neither an
/// ISO 8601 string nor Unix seconds is a <see cref="JsonException"/> naming the field; a name given twice counts the
/// last time.
/// </remarks>
public static partial class DeliveryPayloadReader
{
    /// <summary>The payload; a <see cref="JsonException"/> (or <see cref="InvalidOperationException"/> for a string .NET cannot hold) when it is not JSON or does not fit.</summary>
    public static DeliveryPayload Read(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        var payload = Payload(ref reader) ?? throw new JsonException("the payload is null");
        if (reader.Read())
        {
            throw new JsonException("more than one JSON value");
        }

        return payload;
    }

    /// <summary>
    /// The top-level "action" of a body (null when there is none or it is not a string), and whether the body is a
    /// JSON object: read without reading the rest, which need not be JSON for this. GitHub writes "action" first, so
    /// this is usually two tokens.
    /// </summary>
    public static (bool IsObject, string? Action) Peek(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (false, null);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isAction = reader.ValueTextEquals("action"u8);
            reader.Read();
            if (isAction)
            {
                return (true, reader.TokenType == JsonTokenType.String ? reader.GetString() : null);
            }

            reader.Skip();
        }

        return (true, null);
    }

    private static DeliveryPayload? Payload(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "the payload"))
        {
            return null;
        }

        var p = new DeliveryPayload();
        while (Member(ref r))
        {
            p = r.ValueTextEquals("action"u8) ? p with { Action = Text(ref r, "action") }
                : r.ValueTextEquals("repository"u8) ? p with { Repository = Repository(ref r, "repository") }
                : r.ValueTextEquals("installation"u8) ? p with { Installation = Installation(ref r) }
                : r.ValueTextEquals("sender"u8) ? p with { Sender = User(ref r, "sender") }
                : r.ValueTextEquals("pull_request"u8) ? p with { PullRequest = PullRequest(ref r, "pull_request") }
                : r.ValueTextEquals("check_suite"u8) ? p with { CheckSuite = CheckSuite(ref r, "check_suite") }
                : r.ValueTextEquals("check_run"u8) ? p with { CheckRun = CheckRun(ref r) }
                : r.ValueTextEquals("requested_action"u8) ? p with { RequestedAction = RequestedAction(ref r) }
                : r.ValueTextEquals("issue"u8) ? p with { Issue = Issue(ref r) }
                : r.ValueTextEquals("label"u8) ? p with { Label = Label(ref r) }
                : r.ValueTextEquals("comment"u8) ? p with { Comment = Comment(ref r) }
                : r.ValueTextEquals("alert"u8) ? p with { Alert = Alert(ref r) }
                : Skipped(ref r, p);
        }

        return p;
    }

    private static PayloadRepository? Repository(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        long? id = null;
        string? name = null, cloneUrl = null;
        PayloadUser? owner = null;
        DateTimeOffset? updatedAt = null, pushedAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("name"u8)) { name = Text(ref r, "name"); }
            else if (r.ValueTextEquals("owner"u8)) { owner = User(ref r, "owner"); }
            else if (r.ValueTextEquals("clone_url"u8)) { cloneUrl = Text(ref r, "clone_url"); }
            else if (r.ValueTextEquals("updated_at"u8)) { updatedAt = Time(ref r, "updated_at"); }
            else if (r.ValueTextEquals("pushed_at"u8)) { pushedAt = Time(ref r, "pushed_at"); }
            else { Skip(ref r); }
        }

        return new PayloadRepository(id, name, owner, cloneUrl) { UpdatedAt = updatedAt, PushedAt = pushedAt };
    }

    private static PayloadUser? User(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        long? id = null;
        string? login = null, type = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("login"u8)) { login = Text(ref r, "login"); }
            else if (r.ValueTextEquals("type"u8)) { type = Text(ref r, "type"); }
            else { Skip(ref r); }
        }

        return new PayloadUser(id, login, type);
    }

    private static PayloadInstallation? Installation(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "installation"))
        {
            return null;
        }

        long? id = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else { Skip(ref r); }
        }

        return new PayloadInstallation(id);
    }

    private static PayloadPullRequest? PullRequest(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        long? number = null;
        PayloadRef? head = null, @base = null;
        string? association = null;
        PayloadUser? user = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("number"u8)) { number = Integer(ref r, "number"); }
            else if (r.ValueTextEquals("head"u8)) { head = Ref(ref r, "head"); }
            else if (r.ValueTextEquals("base"u8)) { @base = Ref(ref r, "base"); }
            else if (r.ValueTextEquals("author_association"u8)) { association = Text(ref r, "author_association"); }
            else if (r.ValueTextEquals("user"u8)) { user = User(ref r, "user"); }
            else { Skip(ref r); }
        }

        return new PayloadPullRequest(number, head, @base, association, user);
    }

    private static PayloadRef? Ref(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        string? sha = null, name = null;
        PayloadRepository? repo = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("sha"u8)) { sha = Text(ref r, "sha"); }
            else if (r.ValueTextEquals("ref"u8)) { name = Text(ref r, "ref"); }
            else if (r.ValueTextEquals("repo"u8)) { repo = Repository(ref r, "repo"); }
            else { Skip(ref r); }
        }

        return new PayloadRef(sha, name, repo);
    }

    /// <summary>A list of pull requests (nulls in it left out).</summary>
    private static List<PayloadPullRequest>? PullRequests(ref Utf8JsonReader r)
    {
        if (!StartArray(ref r, "pull_requests"))
        {
            return null;
        }

        var list = new List<PayloadPullRequest>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (PullRequest(ref r, "pull_requests[]") is { } pullRequest)
            {
                list.Add(pullRequest);
            }
        }

        return list;
    }

    private static PayloadCheckSuite? CheckSuite(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        long? id = null;
        string? headSha = null, headBranch = null;
        List<PayloadPullRequest>? pullRequests = null;
        DateTimeOffset? updatedAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("head_sha"u8)) { headSha = Text(ref r, "head_sha"); }
            else if (r.ValueTextEquals("head_branch"u8)) { headBranch = Text(ref r, "head_branch"); }
            else if (r.ValueTextEquals("pull_requests"u8)) { pullRequests = PullRequests(ref r); }
            else if (r.ValueTextEquals("updated_at"u8)) { updatedAt = Time(ref r, "updated_at"); }
            else { Skip(ref r); }
        }

        return new PayloadCheckSuite(id, headSha, headBranch, pullRequests) { UpdatedAt = updatedAt };
    }

    private static PayloadCheckRun? CheckRun(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "check_run"))
        {
            return null;
        }

        long? id = null;
        string? headSha = null;
        PayloadCheckSuite? suite = null;
        List<PayloadPullRequest>? pullRequests = null;
        DateTimeOffset? startedAt = null, completedAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("head_sha"u8)) { headSha = Text(ref r, "head_sha"); }
            else if (r.ValueTextEquals("check_suite"u8)) { suite = CheckSuite(ref r, "check_suite"); }
            else if (r.ValueTextEquals("pull_requests"u8)) { pullRequests = PullRequests(ref r); }
            else if (r.ValueTextEquals("started_at"u8)) { startedAt = Time(ref r, "started_at"); }
            else if (r.ValueTextEquals("completed_at"u8)) { completedAt = Time(ref r, "completed_at"); }
            else { Skip(ref r); }
        }

        return new PayloadCheckRun(id, headSha, suite, pullRequests) { StartedAt = startedAt, CompletedAt = completedAt };
    }

    private static PayloadRequestedAction? RequestedAction(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "requested_action"))
        {
            return null;
        }

        string? identifier = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("identifier"u8)) { identifier = Text(ref r, "identifier"); }
            else { Skip(ref r); }
        }

        return new PayloadRequestedAction(identifier);
    }

    private static PayloadIssue? Issue(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "issue"))
        {
            return null;
        }

        long? id = null, number = null;
        PayloadIssueLinks? pullRequest = null;
        DateTimeOffset? updatedAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("number"u8)) { number = Integer(ref r, "number"); }
            else if (r.ValueTextEquals("pull_request"u8)) { pullRequest = Start(ref r, "issue.pull_request") ? Links(ref r) : null; }
            else if (r.ValueTextEquals("updated_at"u8)) { updatedAt = Time(ref r, "updated_at"); }
            else { Skip(ref r); }
        }

        return new PayloadIssue(id, number, pullRequest) { UpdatedAt = updatedAt };
    }

    private static PayloadIssueLinks Links(ref Utf8JsonReader r)
    {
        string? url = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("url"u8)) { url = Text(ref r, "url"); }
            else { Skip(ref r); }
        }

        return new PayloadIssueLinks(url);
    }

    private static PayloadLabel? Label(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "label"))
        {
            return null;
        }

        long? id = null;
        string? name = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("name"u8)) { name = Text(ref r, "name"); }
            else { Skip(ref r); }
        }

        return new PayloadLabel(id, name);
    }

    private static PayloadComment? Comment(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "comment"))
        {
            return null;
        }

        long? id = null;
        string? body = null;
        PayloadUser? user = null;
        DateTimeOffset? createdAt = null, updatedAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Integer(ref r, "id"); }
            else if (r.ValueTextEquals("body"u8)) { body = Text(ref r, "body"); }
            else if (r.ValueTextEquals("user"u8)) { user = User(ref r, "user"); }
            else if (r.ValueTextEquals("created_at"u8)) { createdAt = Time(ref r, "created_at"); }
            else if (r.ValueTextEquals("updated_at"u8)) { updatedAt = Time(ref r, "updated_at"); }
            else { Skip(ref r); }
        }

        return new PayloadComment(id, body, user) { CreatedAt = createdAt, UpdatedAt = updatedAt };
    }

    /// <summary>
    /// At a value (or at the name before it: moved on to the value): true at the start of an object, false at null;
    /// anything else does not fit.
    /// </summary>
    private static bool Start(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.PropertyName)
        {
            r.Read();
        }

        return r.TokenType switch
        {
            JsonTokenType.StartObject => true,
            JsonTokenType.Null => false,
            _ => throw new JsonException($"{field} must be an object, not {r.TokenType}"),
        };
    }

    private static bool StartArray(ref Utf8JsonReader r, string field)
    {
        if (r.TokenType == JsonTokenType.PropertyName)
        {
            r.Read();
        }

        return r.TokenType switch
        {
            JsonTokenType.StartArray => true,
            JsonTokenType.Null => false,
            _ => throw new JsonException($"{field} must be an array, not {r.TokenType}"),
        };
    }

    /// <summary>Moves to the next member's name (true) or past the object's end (false); the caller reads or skips its value.</summary>
    private static bool Member(ref Utf8JsonReader r)
    {
        r.Read();
        return r.TokenType == JsonTokenType.PropertyName;
    }

    private static void Skip(ref Utf8JsonReader r)
    {
        r.Read();
        r.Skip();
    }

    private static DeliveryPayload Skipped(ref Utf8JsonReader r, DeliveryPayload p)
    {
        Skip(ref r);
        return p;
    }

    private static string? Text(ref Utf8JsonReader r, string field)
    {
        r.Read();
        return r.TokenType switch
        {
            JsonTokenType.String => r.GetString(),
            JsonTokenType.Null => null,
            _ => throw new JsonException($"{field} must be a string, not {r.TokenType}"),
        };
    }

    private static long? Integer(ref Utf8JsonReader r, string field)
    {
        r.Read();
        return r.TokenType switch
        {
            JsonTokenType.Number when r.TryGetInt64(out var value) => value,
            JsonTokenType.Null => null,
            _ => throw new JsonException($"{field} must be an integer of at most 64 bits"),
        };
    }

    /// <summary>A time as GitHub writes it: an ISO 8601 string, or Unix seconds (push payloads' repository); null stays null.</summary>
    private static DateTimeOffset? Time(ref Utf8JsonReader r, string field)
    {
        r.Read();
        switch (r.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number when r.TryGetInt64(out var seconds) && seconds is >= -62_135_596_800 and <= 253_402_300_799:
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            case JsonTokenType.String when DateTimeOffset.TryParse(r.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time):
                return time;
            default:
                throw new JsonException($"{field} must be a time (an ISO 8601 string or Unix seconds)");
        }
    }
}
