using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Types;
using WireMock.Util;

namespace GitHubBot.Testing;

/// <summary>
/// The App's webhook delivery log, as GitHub serves it: <c>GET /app/hook/deliveries?per_page=100[&amp;cursor=…]</c>
/// newest first with <c>Link: &lt;…&amp;cursor=…&gt;; rel="next"</c>, and <c>POST /app/hook/deliveries/{id}/attempts</c>
/// (202, and a new attempt with <c>redelivery: true</c> in the log). Both answer only a valid App JWT (else 401, and
/// <see cref="JwtProblems"/> says why), only the exact query GitHubBot must send (else 422).
/// </summary>
public sealed partial class GitHubFake
{
    private readonly List<JsonObject> deliveryLog = [];
    private readonly ConcurrentDictionary<long, ConcurrentQueue<(int Status, IReadOnlyDictionary<string, string> Headers, string Message)>> redeliveryFailures = new();
    private long nextDeliveryId = 70_000_000;

    /// <summary>Adds an attempt to the App's delivery log; returns its ID.</summary>
    public long AddDelivery(string deliveryGuid, DateTimeOffset deliveredAt, int statusCode, bool redelivery = false, string @event = "pull_request")
    {
        var id = Interlocked.Increment(ref nextDeliveryId);
        lock (deliveryLog)
        {
            deliveryLog.Add(new JsonObject
            {
                ["id"] = id,
                ["guid"] = deliveryGuid,
                ["delivered_at"] = deliveredAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["redelivery"] = redelivery,
                ["duration"] = 0.27,
                ["status"] = statusCode switch { 0 => "Invalid HTTP Response: timeout", < 400 => "OK", _ => $"Invalid HTTP Response: {statusCode}" },
                ["status_code"] = statusCode,
                ["event"] = @event,
                ["action"] = "opened",
                ["installation_id"] = 5,
                ["repository_id"] = 1296269,
                ["throttled_at"] = null,
            });
        }

        return id;
    }

    /// <summary>The log's attempts of <paramref name="deliveryGuid"/>, as (ID, redelivery), oldest first.</summary>
    public IReadOnlyList<(long Id, bool Redelivery)> DeliveriesOf(string deliveryGuid)
    {
        lock (deliveryLog)
        {
            return [.. deliveryLog.Where(d => (string?)d["guid"] == deliveryGuid).Select(d => ((long)d["id"]!, (bool)d["redelivery"]!))];
        }
    }

    /// <summary>
    /// Serves the delivery log, <paramref name="pageSize"/> attempts a page (GitHub's is per_page; a smaller one keeps
    /// tests short), the next page's cursor being the ID of its first attempt. <paramref name="nextLink"/> replaces the
    /// Link of page N (1-based) with another URL, as a hostile or broken answer would.
    /// </summary>
    public GitHubFake ServeDeliveries(int pageSize = 100, Func<int, string?>? nextLink = null)
    {
        Server.Given(Request.Create().UsingGet().WithPath("/app/hook/deliveries"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                if (CheckAppJwt(request) is { } problem)
                {
                    jwtProblems.Enqueue(problem);
                    return Json(401, new JsonObject { ["message"] = problem });
                }

                var query = request.Query ?? new Dictionary<string, WireMockList<string>>();
                if (!query.TryGetValue("per_page", out var perPage) || perPage.Count != 1 || perPage[0] != "100"
                    || query.Keys.Except(["per_page", "cursor"]).Any())
                {
                    return Json(422, new JsonObject { ["message"] = $"GitHub fake: expected per_page=100 and at most a cursor, not {request.RawQuery}" });
                }

                List<JsonObject> log;
                lock (deliveryLog)
                {
                    log = [.. deliveryLog.OrderByDescending(d => (string)d["delivered_at"]!, StringComparer.Ordinal).ThenByDescending(d => (long)d["id"]!).Select(d => d.DeepClone().AsObject())];
                }

                var start = 0;
                if (query.TryGetValue("cursor", out var cursor))
                {
                    start = log.FindIndex(d => $"v1_{(long)d["id"]!}" == cursor[0]);
                    if (start < 0)
                    {
                        return Json(422, new JsonObject { ["message"] = $"GitHub fake: no such cursor {cursor[0]}" });
                    }
                }

                var page = log.Skip(start).Take(pageSize).ToList();
                var pageNumber = (start / pageSize) + 1;
                var response = Json(200, new JsonArray([.. page]));
                var next = start + pageSize < log.Count
                    ? nextLink?.Invoke(pageNumber) ?? $"{Server.Url}/app/hook/deliveries?per_page=100&cursor=v1_{(long)log[start + pageSize]["id"]!}"
                    : null;
                if (next is not null)
                {
                    response.Headers!["Link"] = new WireMockList<string>($"<{next}>; rel=\"next\"");
                }

                return response;
            }));
        return this;
    }

    /// <summary>
    /// Serves redelivery requests: a known attempt's is 202, and its GUID gets a new attempt with
    /// <c>redelivery: true</c> and <paramref name="redeliveredStatus"/> (the intake still failing, by default); an unknown
    /// one is 404. <see cref="FailRedelivery"/> scripts the first answers of one.
    /// </summary>
    public GitHubFake ServeRedeliveries(int redeliveredStatus = 502)
    {
        Server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher("^/app/hook/deliveries/[0-9]+/attempts$")))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                if (CheckAppJwt(request) is { } problem)
                {
                    jwtProblems.Enqueue(problem);
                    return Json(401, new JsonObject { ["message"] = problem });
                }

                var id = long.Parse(request.Path.Split('/')[^2], CultureInfo.InvariantCulture);
                if (redeliveryFailures.TryGetValue(id, out var failures) && failures.TryDequeue(out var failure))
                {
                    return Failure(failure.Status, failure.Headers, failure.Message);
                }

                string? guid;
                lock (deliveryLog)
                {
                    guid = (string?)deliveryLog.FirstOrDefault(d => (long)d["id"]! == id)?["guid"];
                }

                if (guid is null)
                {
                    return Json(404, new JsonObject { ["message"] = "Not Found" });
                }

                AddDelivery(guid, DateTimeOffset.UtcNow, redeliveredStatus, redelivery: true);
                return Json(202, new JsonObject());
            }));
        return this;
    }

    /// <summary>The next redelivery request of <paramref name="deliveryId"/> is answered <paramref name="status"/> with <paramref name="headers"/>.</summary>
    public GitHubFake FailRedelivery(long deliveryId, int status, IReadOnlyDictionary<string, string> headers, string message)
    {
        redeliveryFailures.GetOrAdd(deliveryId, _ => new()).Enqueue((status, headers, message));
        return this;
    }

    /// <summary>The redelivery requests received, as (delivery ID, when), in order.</summary>
    public IReadOnlyList<(long DeliveryId, DateTime At)> RedeliveryRequests =>
        [.. Server.LogEntries.Select(e => e.RequestMessage)
            .Where(r => r.Method == "POST" && r.Path.StartsWith("/app/hook/deliveries/", StringComparison.Ordinal))
            .OrderBy(r => r.DateTime)
            .Select(r => (long.Parse(r.Path.Split('/')[^2], CultureInfo.InvariantCulture), r.DateTime))];

    /// <summary>The delivery log's pages asked for, as their query strings, in order.</summary>
    public IReadOnlyList<string> DeliveryPageRequests =>
        [.. Server.LogEntries.Select(e => e.RequestMessage)
            .Where(r => r.Method == "GET" && r.Path == "/app/hook/deliveries")
            .OrderBy(r => r.DateTime)
            .Select(r => r.RawQuery ?? string.Empty)];

    private static ResponseMessage Failure(int status, IReadOnlyDictionary<string, string> headers, string message)
    {
        var response = Json(status, new JsonObject { ["message"] = message, ["documentation_url"] = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api" });
        foreach (var (name, value) in headers)
        {
            response.Headers!.Remove(response.Headers.Keys.FirstOrDefault(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)) ?? name);
            response.Headers[name] = new WireMockList<string>(value);
        }

        return response;
    }
}
