using System.Net;
using System.Security.Cryptography;
using System.Text;
using GitHubBot.App.Hosting;
using GitHubBot.App.Inbox;
using GitHubBot.Core.Common;
using GitHubBot.Core.QualityGate;
using GitHubBot.Testing;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Temporalio.Api.Common.V1;
using Temporalio.Client;
using Temporalio.Converters;

namespace GitHubBot.App.Tests;

/// <summary>Temporal:EncryptionKey(s): payloads in Temporal's history are AES-256-GCM ciphertext, readable with the key only.</summary>
[Collection(TemporalCollection.Name)]
public sealed class EncryptionCodecTests(TemporalServerFixture temporal)
{
    private static readonly string OldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_delivery_s_workflow_input_is_stored_encrypted_and_only_the_key_reads_it()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?> { ["Temporal:EncryptionKey"] = NewKey });
        var payload = Payloads.InOwnRepository("pull_request.opened.json", out var repo);

        using var response = await bot.Webhooks.PostAsync("pull_request", payload);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var raw = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(temporal.Address));
        var history = await (await raw.StartedAsync(WorkflowIds.QualityGate("Codertocat", repo, 2, "ec26c3e57ca3a959ca5aad62de7213c562f8c821"))).FetchHistoryAsync();
        var stored = Assert.Single(history.Events.First().WorkflowExecutionStartedEventAttributes.Input.Payloads_);
        Assert.Equal(EncryptionCodec.Encoding, stored.Metadata["encoding"].ToStringUtf8());
        Assert.Equal("default", stored.Metadata[EncryptionCodec.KeyIdMetadata].ToStringUtf8());
        Assert.DoesNotContain(repo, Encoding.UTF8.GetString(stored.ToByteArray()), StringComparison.Ordinal);

        var codec = EncryptionCodec.FromSettings(null, NewKey)!;
        var input = DataConverter.Default.PayloadConverter.ToValue<QualityGateInput>(Assert.Single(await codec.DecodeAsync([stored])));
        Assert.Equal(repo, input.Repo);
        await Assert.ThrowsAsync<AuthenticationTagMismatchException>(() => EncryptionCodec.FromSettings(null, OldKey)!.DecodeAsync([stored]));

        // The inbox's journal holds no more in the clear than the history: the input it journalled is the same ciphertext kind.
        var journalled = Payload.Parser.ParseFrom(InboxJournalInput(bot));
        Assert.Equal(EncryptionCodec.Encoding, journalled.Metadata["encoding"].ToStringUtf8());
        Assert.DoesNotContain(repo, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(bot.Services.GetRequiredService<DeliveryInbox>().Path)), StringComparison.Ordinal);
    }

    private static byte[] InboxJournalInput(BotHost bot)
    {
        using var connection = bot.Services.GetRequiredService<DeliveryInbox>().Read();
        return InboxJournal.Find(connection, Assert.Single(InboxTests.Journal(bot)).Seq)!.Input!;
    }

    [Fact]
    public async Task Keys_rotate_the_newest_encrypts_and_any_listed_key_decrypts()
    {
        var before = EncryptionCodec.FromSettings($"k1={OldKey}", null)!;
        var after = EncryptionCodec.FromSettings($"k1={OldKey};k2={NewKey}", null)!;
        var plain = new Payload { Data = ByteString.CopyFromUtf8("the issue body"), Metadata = { ["encoding"] = ByteString.CopyFromUtf8("json/plain") } };

        var old = Assert.Single(await before.EncodeAsync([plain]));
        var fresh = Assert.Single(await after.EncodeAsync([plain]));

        Assert.Equal(("k1", "k2"), (old.Metadata[EncryptionCodec.KeyIdMetadata].ToStringUtf8(), fresh.Metadata[EncryptionCodec.KeyIdMetadata].ToStringUtf8()));
        Assert.Equal(plain, Assert.Single(await after.DecodeAsync([old])));
        Assert.Equal(plain, Assert.Single(await after.DecodeAsync([fresh])));
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => before.DecodeAsync([fresh]));
        Assert.Contains("key 'k2', which Temporal:EncryptionKeys does not hold", unknown.Message, StringComparison.Ordinal);

        // A flipped bit is refused, not decoded into something else.
        var bytes = fresh.Data.ToByteArray();
        bytes[^1] ^= 1;
        var tampered = new Payload(fresh) { Data = ByteString.CopyFrom(bytes) };
        await Assert.ThrowsAsync<AuthenticationTagMismatchException>(() => after.DecodeAsync([tampered]));

        // Payloads written before encryption was turned on still read.
        Assert.Equal(plain, Assert.Single(await after.DecodeAsync([plain])));
    }

    [Theory]
    [InlineData(null, "not-base64!", "Temporal:EncryptionKey is not base64")]
    [InlineData(null, "c2hvcnQ=", "Temporal:EncryptionKey must be 32 bytes")]
    [InlineData("k1", null, "Temporal:EncryptionKeys must be id=base64key pairs")]
    public void A_bad_key_is_one_line_naming_the_setting(string? keys, string? key, string said)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => EncryptionCodec.FromSettings(keys, key));

        Assert.StartsWith(said, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void The_client_setup_puts_the_codec_on_every_connection()
    {
        var options = new TemporalClientConnectOptions();

        TemporalClientSetup.Apply(new TemporalSettings { Address = "temporal:7233", EncryptionKeys = $"k1={OldKey};k2={NewKey}" }, options);

        Assert.Equal("k2", Assert.IsType<EncryptionCodec>(options.DataConverter.PayloadCodec).CurrentKeyId);
    }

    [Fact]
    public async Task A_failure_s_message_and_stack_trace_are_encrypted_too()
    {
        var options = new TemporalClientConnectOptions();
        TemporalClientSetup.Apply(new TemporalSettings { Address = "temporal:7233", EncryptionKey = NewKey }, options);

        var failure = await options.DataConverter.ToFailureAsync(new Temporalio.Exceptions.ApplicationFailureException("the agent quoted the issue body"));

        Assert.DoesNotContain("issue body", failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(EncryptionCodec.Encoding, failure.EncodedAttributes.Metadata["encoding"].ToStringUtf8());
        var back = await options.DataConverter.ToExceptionAsync(failure);
        Assert.Equal("the agent quoted the issue body", back.Message);
    }
}

/// <summary>The codec endpoint the Temporal UI is pointed at: only with the token.</summary>
[Collection(TemporalCollection.Name)]
public sealed class CodecEndpointTests(TemporalServerFixture temporal)
{
    [Fact]
    public async Task With_the_token_the_endpoint_encodes_and_decodes_and_without_it_answers_401()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?>
        {
            ["Temporal:EncryptionKey"] = key,
            ["Temporal:CodecToken"] = "ui-token",
            ["Temporal:CodecCorsOrigin"] = "http://localhost:8233",
        });
        var plain = "{\"payloads\":[{\"metadata\":{\"encoding\":\"" + Convert.ToBase64String("json/plain"u8) + "\"},\"data\":\"" + Convert.ToBase64String("\"the issue body\""u8) + "\"}]}";

        using var encoded = await PostAsync(bot, "/codec/encode", plain, "Bearer ui-token");
        var encodedText = await encoded.Content.ReadAsStringAsync();
        using var decoded = await PostAsync(bot, "/codec/decode", encodedText, "Bearer ui-token");
        using var anonymous = await PostAsync(bot, "/codec/decode", encodedText, null);
        using var wrong = await PostAsync(bot, "/codec/decode", encodedText, "Bearer guess");
        using var preflight = await bot.Http.SendAsync(new HttpRequestMessage(HttpMethod.Options, new Uri("/codec/decode", UriKind.Relative)));

        Assert.Equal(HttpStatusCode.OK, encoded.StatusCode);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(EncryptionCodec.Encoding)), encodedText, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String("\"the issue body\""u8), encodedText, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, decoded.StatusCode);
        Assert.Contains(Convert.ToBase64String("\"the issue body\""u8), await decoded.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (anonymous.StatusCode, wrong.StatusCode));
        Assert.Equal("http://localhost:8233", preflight.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Without_a_token_there_is_no_endpoint()
    {
        await using var bot = await BotHost.StartAsync(temporal.Address, TemporalServerFixture.NewTaskQueue(), extra: new Dictionary<string, string?>
        {
            ["Temporal:EncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });

        using var response = await PostAsync(bot, "/codec/decode", "{\"payloads\":[]}", "Bearer ");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<HttpResponseMessage> PostAsync(BotHost bot, string path, string json, string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await bot.Http.SendAsync(request);
    }
}
