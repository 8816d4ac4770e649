using System.Text;
using GitHubBot.Testing;

namespace GitHubBot.App.Tests;

/// <summary>The thousand requests: the same mix, in the same order, on every run (a seeded random).</summary>
public sealed partial class HostileRequestsTests
{
    private const string WebhookPath = "/api/github/webhooks";

    private List<HostileRequest> Mix()
    {
        var valid = Encoding.UTF8.GetBytes(Payloads.InOwnRepository("pull_request.opened.json", out _).ToJsonString());
        var list = new List<HostileRequest>();
        void Add(int count, Func<int, HostileRequest> make) => list.AddRange(Enumerable.Range(0, count).Select(make));

        // No signature at all, random everything else.
        Add(200, _ => Request("unsigned", valid, RandomHeaders(signature: null)));
        // A signature, but not over this body with this secret; or not even well-formed.
        Add(150, _ => Request("bad-signature", valid, RandomHeaders(WebhookSender.Sign("not-the-secret", valid))));
        Add(50, i => Request("malformed-signature", valid, RandomHeaders(MalformedSignature(i, valid))));
        // Content-Length says more than is sent, then the client closes its side.
        Add(100, i =>
        {
            var signature = (i % 3) switch { 0 => Sign(valid), 1 => WebhookSender.Sign("not-the-secret", valid), _ => null };
            return Request("truncated", valid, RandomHeaders(signature)) with { SendBytes = random.Next(0, valid.Length) };
        });
        // Half a body, then silence.
        Add(8, _ => Request("stalled", valid, RandomHeaders(WebhookSender.Sign("not-the-secret", valid))) with { SendBytes = valid.Length / 2, Stall = true });
        // 30 MB: declared, and chunked without a length (read up to GitHub's 25 MB, then refused).
        Add(8, i => Request("oversize-declared", Oversize, RandomHeaders(i % 2 == 0 ? null : "sha256=" + new string('0', 64))));
        Add(8, _ => Request("oversize-chunked", Oversize, RandomHeaders("sha256=" + new string('0', 64))) with { Chunked = true });
        // Signed, but not JSON's content type.
        Add(100, i => Request("wrong-content-type", valid, Signed(valid, "pull_request", contentType: ContentTypes[i % ContentTypes.Length])));
        // Signed, well-formed JSON, events GitHub does not send.
        Add(100, i => Request("unknown-event", "{\"action\":\"created\",\"zen\":\"x\"}"u8.ToArray(), Signed("{\"action\":\"created\",\"zen\":\"x\"}"u8.ToArray(), UnknownEvents[i % UnknownEvents.Length])));
        // Signed garbage under random event names.
        Add(150, i =>
        {
            var body = Garbage(i);
            return Request("signed-malformed-json", body, Signed(body, RandomText(12, 40)));
        });
        // Signed JSON of the wrong shape for events the routing table acts on.
        Add(50, i =>
        {
            var (eventName, body) = WrongShapes[i % WrongShapes.Length];
            return Request("signed-wrong-shape", Encoding.UTF8.GetBytes(body), Signed(Encoding.UTF8.GetBytes(body), eventName));
        });
        // Header values no client should send: control characters, non-ASCII bytes, 40 kB.
        Add(16, i => Request("bad-header-bytes", valid, [.. RandomHeaders(signature: null), ("X-GitHub-Event", BadHeaderValue(i))]));
        Add(10, _ => Request("huge-header", valid, [.. RandomHeaders(signature: null), ("User-Agent", Encoding.ASCII.GetBytes(new string('u', 40_000)))]));
        // Other spellings and methods of the path.
        Add(50, i => Request("other-path-or-method", valid, RandomHeaders(signature: null)) with
        {
            Method = i % 2 == 0 ? "POST" : "PUT",
            Path = (i % 5) switch { 0 => WebhookPath + "/", 1 => WebhookPath.ToUpperInvariant(), 2 => WebhookPath + "?x=" + RandomText(12, 20), 3 => WebhookPath + "/../webhooks", _ => WebhookPath },
        });

        // Interleave the kinds, as an attack would.
        return [.. list.OrderBy(_ => random.Next())];
    }

    private static readonly string[] ContentTypes = ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/jsonx", ""];

    private static readonly string[] UnknownEvents = ["not_an_event", "pull_request_v2", "deploy_key_rotated"];

    private static readonly (string Event, string Body)[] WrongShapes =
    [
        ("pull_request", "{\"action\":\"opened\"}"),
        ("pull_request", "{\"action\":\"opened\",\"pull_request\":null,\"repository\":null}"),
        ("pull_request", "{\"action\":\"opened\",\"pull_request\":{},\"repository\":{}}"),
        ("issues", "{\"action\":\"labeled\",\"issue\":{},\"label\":{\"name\":\"ghbot:implement\"}}"),
        ("issue_comment", "{\"action\":\"created\",\"comment\":{\"body\":\"/plan\"}}"),
        ("check_suite", "{\"action\":\"rerequested\",\"check_suite\":{\"head_sha\":7}}"),
        ("pull_request", "[]"),
        ("pull_request", "\"opened\""),
        ("issues", "{\"action\":\"labeled\",\"issue\":{\"number\":\"one\"},\"repository\":{\"name\":[],\"owner\":{}}}"),
        ("ping", "{}"),
    ];

    private static HostileRequest Request(string kind, byte[] body, List<(string Name, byte[] Value)> headers) => new(kind, "POST", WebhookPath, headers, body);

    private List<(string Name, byte[] Value)> Signed(byte[] body, string eventName, string contentType = "application/json") =>
    [
        ("X-GitHub-Event", Ascii(eventName)),
        ("X-GitHub-Delivery", Ascii(RandomText(12, 64))),
        ("User-Agent", Ascii(RandomText(12, 120))),
        ("Content-Type", Encoding.ASCII.GetBytes(contentType)),
        ("X-Hub-Signature-256", Encoding.ASCII.GetBytes(Sign(body))),
    ];

    private List<(string Name, byte[] Value)> RandomHeaders(string? signature)
    {
        var headers = new List<(string Name, byte[] Value)>
        {
            ("X-GitHub-Event", Ascii(random.Next(4) == 0 ? "pull_request" : RandomText(12, 64))),
            ("X-GitHub-Delivery", Ascii(RandomText(12, 64))),
            ("User-Agent", Ascii(RandomText(12, 200))),
            ("Content-Type", "application/json"u8.ToArray()),
            ("X-GitHub-Hook-ID", Ascii(RandomText(12, 20))),
        };
        if (signature is not null)
        {
            headers.Add(("X-Hub-Signature-256", Encoding.ASCII.GetBytes(signature)));
        }

        return headers;
    }

    private static string Sign(byte[] body) => WebhookSender.Sign(BotHost.Secret, body);

    private string MalformedSignature(int i, byte[] body) => (i % 5) switch
    {
        0 => "sha1=" + Sign(body)[7..47],
        1 => "sha256=" + new string('z', 64),
        2 => "sha256=" + Sign(body)[7..].ToUpperInvariant()[..63],
        3 => "sha256=" + new string('a', 8000),
        _ => RandomText(12, 100),
    };

    private byte[] Garbage(int i) => (i % 6) switch
    {
        0 => "{\"action\":\"opened\",\"number\":"u8.ToArray(),
        1 => Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)),
        2 => [0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d],
        3 => [],
        4 => Encoding.UTF8.GetBytes("{\"a\":1} trailing " + RandomText(12, 30)),
        _ => Enumerable.Range(0, random.Next(1, 2000)).Select(_ => (byte)random.Next(256)).ToArray(),
    };

    private byte[] BadHeaderValue(int i) => (i % 4) switch
    {
        0 => [.. Ascii("pull"), 0x01, .. Ascii("request")],
        1 => Encoding.UTF8.GetBytes("pull_requést_" + RandomText(12, 20)),
        2 => [.. Ascii("pull_request"), 0x7f],
        _ => [.. Ascii("pull_request"), 0xff, 0xfe],
    };

    /// <summary>Printable ASCII of random length, remembered so the test can look for it in /metrics.</summary>
    private string RandomText(int min, int max)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:;,!$%&/()=?{}[]~+*#'<>|^ ";
        var text = new string([.. Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => alphabet[random.Next(alphabet.Length)])]).Trim();
        text = text.Length < min ? text.PadRight(min, 'x') : text;
        lock (headerValues)
        {
            headerValues.Add(text);
        }

        return text;
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>One request as written to the socket.</summary>
    private sealed record HostileRequest(string Kind, string Method, string Path, List<(string Name, byte[] Value)> Headers, byte[] Body)
    {
        /// <summary>How much of the body to send (all when null).</summary>
        public int? SendBytes { get; init; }

        /// <summary>The Content-Length written (the body's length when null).</summary>
        public int? DeclaredLength { get; init; }

        public bool Chunked { get; init; }

        /// <summary>Keep the connection open after the part sent, instead of closing the sending side.</summary>
        public bool Stall { get; init; }
    }
}
