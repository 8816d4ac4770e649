using System.Globalization;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace GitHubBot.Testing;

/// <summary>
/// Loki's HTTP API faked over HTTP (Loki has no Debian package here): GET /loki/api/v1/query_range answers the
/// documented "streams" shape with the lines the test gave, newest first, each stamped in nanoseconds within the
/// asked window. The queries it was asked are kept.
/// </summary>
public sealed class LokiFake : IDisposable
{
    private readonly List<(IReadOnlyDictionary<string, string> Stream, IReadOnlyList<string> Lines)> streams = [];

    public LokiFake()
    {
        Server = WireMockServer.Start();
        Server.Given(Request.Create().UsingGet().WithPath("/loki/api/v1/query_range"))
            .RespondWith(Response.Create().WithCallback(request =>
            {
                var end = request.Query?.TryGetValue("end", out var ends) == true && long.TryParse(ends.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var nanos)
                    ? nanos
                    : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
                var result = new JsonArray();
                lock (streams)
                {
                    foreach (var (stream, lines) in streams)
                    {
                        var labels = new JsonObject();
                        foreach (var (key, value) in stream)
                        {
                            labels[key] = value;
                        }

                        var values = new JsonArray([.. lines.Select((line, i) => (JsonNode)new JsonArray((end - (i * 1_000_000_000L)).ToString(CultureInfo.InvariantCulture), line))]);
                        result.Add(new JsonObject { ["stream"] = labels, ["values"] = values });
                    }
                }

                var body = new JsonObject
                {
                    ["status"] = "success",
                    ["data"] = new JsonObject { ["resultType"] = "streams", ["result"] = result, ["stats"] = new JsonObject() },
                };
                return new WireMock.ResponseMessage
                {
                    StatusCode = 200,
                    Headers = new Dictionary<string, WireMock.Types.WireMockList<string>> { ["Content-Type"] = new("application/json") },
                    BodyData = new WireMock.Util.BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = WireMock.Types.BodyType.String },
                };
            }));
    }

    public WireMockServer Server { get; }

    /// <summary>The base URL to configure as Incidents:Loki:Url.</summary>
    public Uri Url => new(Server.Url! + "/");

    /// <summary>The LogQL queries Loki was asked, in order.</summary>
    public IReadOnlyList<string> Queries =>
        [.. Server.LogEntries.Select(e => e.RequestMessage.Query is { } query && query.TryGetValue("query", out var q) ? q.FirstOrDefault() ?? string.Empty : string.Empty)];

    /// <summary>Serves <paramref name="lines"/> (newest first) as one stream with <paramref name="labels"/>.</summary>
    public LokiFake Stream(IReadOnlyDictionary<string, string> labels, params string[] lines)
    {
        lock (streams)
        {
            streams.Add((labels, lines));
        }

        return this;
    }

    public void Dispose() => Server.Dispose();
}
