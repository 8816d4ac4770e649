using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace GitHubBot.Testing;

/// <summary>
/// A faulty network in front of a <see cref="GitHubFake"/>: each request is, with probability <c>rate</c> (seeded),
/// answered by this layer alone — a 502/503, a 429 with Retry-After, or a secondary-rate-limit 403 with Retry-After —
/// without reaching GitHub, so nothing is made; or forwarded and its answer lost (GitHub made it, the caller gets a
/// 502, as when a proxy drops the connection after the write). The others are forwarded as they are. A request that
/// failed twice in a row passes the third time (so the run's length is bounded: Temporal's backoff doubles after
/// each 5xx). Point GitHub:ApiBaseUrl at
/// <see cref="ApiBaseUrl"/>. Every request is logged with its time, so the waits after a Retry-After can be measured.
/// </summary>
public sealed class GitHubFaults : IDisposable
{
    private readonly WireMockServer server = WireMockServer.Start();
    private readonly HttpClient backend;
    private readonly Random random;
    private readonly double rate;
    private readonly int[] retryAfterSeconds;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<Entry> log = [];
    private readonly List<(string Method, string PathEnd, int Left)> losses = [];
    private readonly Dictionary<string, int> failedInARow = new(StringComparer.Ordinal);

    /// <param name="github">The fake the requests that pass go to.</param>
    /// <param name="seed">The seed of which requests fail and how.</param>
    /// <param name="rate">The share of requests that fail (0–1).</param>
    /// <param name="retryAfterSeconds">The Retry-After values rate limits ask for, picked at random.</param>
    public GitHubFaults(GitHubFake github, int seed, double rate, params int[] retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(github);
        random = new Random(seed);
        this.rate = rate;
        this.retryAfterSeconds = retryAfterSeconds.Length == 0 ? [1] : retryAfterSeconds;
        backend = new HttpClient { BaseAddress = new Uri(github.Server.Url!) };
        server.Given(Request.Create().UsingAnyMethod()).RespondWith(Response.Create().WithCallback(AnswerAsync));
    }

    /// <summary>
    /// The next <paramref name="count"/> requests <paramref name="method"/> …<paramref name="pathEnd"/> are done by
    /// GitHub and their answers lost (502), whatever the dice say: the retried step must find what it made.
    /// </summary>
    public GitHubFaults LoseAnswers(string method, string pathEnd, int count)
    {
        lock (log)
        {
            losses.Add((method, pathEnd, count));
        }

        return this;
    }

    /// <summary>The REST base URL to configure as GitHub:ApiBaseUrl.</summary>
    public Uri ApiBaseUrl => new(server.Url! + "/");

    /// <summary>Every request, in the order they came.</summary>
    public IReadOnlyList<Entry> Log
    {
        get
        {
            lock (log)
            {
                return [.. log];
            }
        }
    }

    /// <summary>
    /// For each request answered with Retry-After: N, the time until the next request of the same kind (method, path and,
    /// for POSTs, the check run's name and commit or the token's repositories) — its retry, as GitHubBot makes it.
    /// Requests never tried again are left out, and so is GET /app (the App's slug, fetched once per worker by whichever
    /// activity needs it first: several ask at once by design, so the next one is not the failed one's retry).
    /// </summary>
    public IReadOnlyList<(int RetryAfter, TimeSpan Waited, string Request)> RetryWaits()
    {
        var entries = Log;
        var waits = new List<(int, TimeSpan, string)>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i].RetryAfter is not { } asked || entries[i].Key == "GET /app")
            {
                continue;
            }

            var next = entries.Skip(i + 1).FirstOrDefault(e => e.Key == entries[i].Key);
            if (next is not null)
            {
                waits.Add((asked, next.At - entries[i].At, entries[i].Key));
            }
        }

        return waits;
    }

    public void Dispose()
    {
        server.Stop();
        server.Dispose();
        backend.Dispose();
    }

    private async Task<IResponseMessage> AnswerAsync(IRequestMessage request)
    {
        var at = clock.Elapsed;
        var key = Key(request);
        int? fault;
        int retryAfter;
        int serverError;
        lock (log)
        {
            fault = random.NextDouble() < rate ? random.Next(4) : null;
            if (failedInARow.GetValueOrDefault(key) >= 2)
            {
                fault = null;
            }

            var loss = losses.FindIndex(l => l.Left > 0 && l.Method == request.Method && request.Path.EndsWith(l.PathEnd, StringComparison.Ordinal));
            if (loss >= 0)
            {
                losses[loss] = losses[loss] with { Left = losses[loss].Left - 1 };
                fault = 3;
            }

            failedInARow[key] = fault is null ? 0 : failedInARow.GetValueOrDefault(key) + 1;

            retryAfter = retryAfterSeconds[random.Next(retryAfterSeconds.Length)];
            serverError = random.Next(2) == 0 ? 502 : 503;
        }

        var response = fault switch
        {
            0 => Answer(serverError, "{\"message\":\"Server Error\"}", null),
            1 => Answer(429, "{\"message\":\"Too many requests\"}", retryAfter),
            2 => Answer(403, "{\"message\":\"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.\",\"documentation_url\":\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits\"}", retryAfter),
            3 => await LoseAsync(request),
            _ => await ForwardAsync(request),
        };
        lock (log)
        {
            log.Add(new Entry(at, request.Method, request.Path, key, Convert.ToInt32(response.StatusCode, CultureInfo.InvariantCulture), fault is 1 or 2 ? retryAfter : null, fault is 3));
        }

        return response;
    }

    /// <summary>Forwards the request (GitHub does what it asks) and answers 502 instead of GitHub's answer.</summary>
    private async Task<IResponseMessage> LoseAsync(IRequestMessage request)
    {
        _ = await ForwardAsync(request);
        return Answer(502, "{\"message\":\"Server Error\"}", null);
    }

    private async Task<IResponseMessage> ForwardAsync(IRequestMessage request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.AbsolutePath + (request.RawQuery is { Length: > 0 } query ? $"?{query.TrimStart('?')}" : string.Empty));
        if ((request.BodyAsBytes ?? (request.Body is { } text ? System.Text.Encoding.UTF8.GetBytes(text) : null)) is { } bytes)
        {
            message.Content = new ByteArrayContent(bytes);
        }

        foreach (var (name, values) in request.Headers ?? new Dictionary<string, WireMockList<string>>())
        {
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var answer = await backend.SendAsync(message);
        var headers = new Dictionary<string, WireMockList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && !name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                headers[name] = new WireMockList<string>(values);
            }
        }

        return new ResponseMessage
        {
            StatusCode = (int)answer.StatusCode,
            Headers = headers,
            BodyData = new BodyData { BodyAsString = await answer.Content.ReadAsStringAsync(), DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
        };
    }

    private static ResponseMessage Answer(int status, string body, int? retryAfter)
    {
        var headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json; charset=utf-8") };
        if (retryAfter is { } seconds)
        {
            headers["Retry-After"] = new(seconds.ToString(CultureInfo.InvariantCulture));
        }

        return new ResponseMessage
        {
            StatusCode = status,
            Headers = headers,
            BodyData = new BodyData { BodyAsString = body, DetectedBodyType = BodyType.String, Encoding = System.Text.Encoding.UTF8 },
        };
    }

    /// <summary>What makes two requests the same one tried again: method, path and, for a POST, what it makes.</summary>
    private static string Key(IRequestMessage request)
    {
        var what = string.Empty;
        if (request.Method == "POST" && request.Body is { Length: > 0 } body)
        {
            try
            {
                var json = JsonNode.Parse(body) as JsonObject;
                what = json?["name"] is { } name ? $"{name.ToJsonString()} {json["head_sha"]}" : json?["repositories"]?.ToJsonString() ?? string.Empty;
            }
            catch (System.Text.Json.JsonException)
            {
                what = body;
            }
        }

        return $"{request.Method} {request.Path} {what}".TrimEnd();
    }

    /// <summary>One request: when it came (since the layer started), what it was, how it was answered, and whether GitHub did it though the answer was lost.</summary>
    public sealed record Entry(TimeSpan At, string Method, string Path, string Key, int Status, int? RetryAfter, bool AnswerLost);
}
