using System.Security.Cryptography;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Converters;

namespace GitHubBot.App.Hosting;

/// <summary>
/// Encrypts every payload GitHubBot hands Temporal (workflow inputs and results, activity arguments, signals: issue
/// bodies, patches, agents' answers) with AES-256-GCM, so the history a Temporal server stores holds none of it in
/// the clear. The key's ID goes into the payload's metadata: payloads are encrypted with the newest key and decrypted
/// with whichever key they name, so keys can be rotated by adding a new one last and keeping the old ones while old
/// histories exist.
/// </summary>
public sealed class EncryptionCodec : IPayloadCodec
{
    /// <summary>The encoding an encrypted payload carries.</summary>
    public const string Encoding = "binary/encrypted";

    /// <summary>The metadata key naming the key a payload was encrypted with.</summary>
    public const string KeyIdMetadata = "encryption-key-id";

    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly List<(string Id, byte[] Key)> keys;

    /// <param name="keys">The keys, oldest first; the last one encrypts.</param>
    public EncryptionCodec(IReadOnlyList<(string Id, byte[] Key)> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.Count == 0 || keys.Any(k => k.Key.Length != 32 || string.IsNullOrEmpty(k.Id)))
        {
            throw new ArgumentException("Encryption keys must be 32 bytes (AES-256) and have an ID.", nameof(keys));
        }

        this.keys = [.. keys];
    }

    /// <summary>The ID of the key new payloads are encrypted with.</summary>
    public string CurrentKeyId => keys[^1].Id;

    /// <summary>
    /// The keys of Temporal:EncryptionKeys (<c>id=base64;id=base64</c>, oldest first) or Temporal:EncryptionKey (one
    /// base64 key, ID <c>default</c>); null when neither is set.
    /// </summary>
    /// <exception cref="InvalidOperationException">A key that is not 32 bytes of base64, in one line naming the setting.</exception>
    public static EncryptionCodec? FromSettings(string? encryptionKeys, string? encryptionKey)
    {
        var entries = new List<(string Id, byte[] Key)>();
        if (!string.IsNullOrWhiteSpace(encryptionKeys))
        {
            foreach (var entry in encryptionKeys.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var parts = entry.Split('=', 2);
                if (parts.Length != 2 || parts[0].Trim().Length == 0)
                {
                    throw new InvalidOperationException("Temporal:EncryptionKeys must be id=base64key pairs separated by ';' (oldest first).");
                }

                entries.Add((parts[0].Trim(), Key(parts[1].Trim(), $"Temporal:EncryptionKeys ({parts[0].Trim()})")));
            }
        }
        else if (!string.IsNullOrWhiteSpace(encryptionKey))
        {
            entries.Add(("default", Key(encryptionKey.Trim(), "Temporal:EncryptionKey")));
        }

        if (entries.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count() != entries.Count)
        {
            throw new InvalidOperationException("Temporal:EncryptionKeys names a key ID twice.");
        }

        return entries.Count == 0 ? null : new EncryptionCodec(entries);
    }

    public Task<IReadOnlyCollection<Payload>> EncodeAsync(IReadOnlyCollection<Payload> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var (id, key) = keys[^1];
        using var aes = new AesGcm(key, TagBytes);
        IReadOnlyCollection<Payload> encoded = [.. payloads.Select(payload =>
        {
            var plain = payload.ToByteArray();
            var sealedData = new byte[NonceBytes + plain.Length + TagBytes];
            var nonce = sealedData.AsSpan(0, NonceBytes);
            RandomNumberGenerator.Fill(nonce);
            aes.Encrypt(nonce, plain, sealedData.AsSpan(NonceBytes, plain.Length), sealedData.AsSpan(NonceBytes + plain.Length), System.Text.Encoding.UTF8.GetBytes(id));
            return new Payload
            {
                Metadata =
                {
                    ["encoding"] = ByteString.CopyFromUtf8(Encoding),
                    [KeyIdMetadata] = ByteString.CopyFromUtf8(id),
                },
                Data = ByteString.CopyFrom(sealedData),
            };
        })];
        return Task.FromResult(encoded);
    }

    public Task<IReadOnlyCollection<Payload>> DecodeAsync(IReadOnlyCollection<Payload> payloads)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        IReadOnlyCollection<Payload> decoded = [.. payloads.Select(Decode)];
        return Task.FromResult(decoded);
    }

    private Payload Decode(Payload payload)
    {
        if (!payload.Metadata.TryGetValue("encoding", out var encoding) || encoding.ToStringUtf8() != Encoding)
        {
            return payload;
        }

        var id = payload.Metadata.TryGetValue(KeyIdMetadata, out var named) ? named.ToStringUtf8() : string.Empty;
        var key = keys.FirstOrDefault(k => k.Id == id).Key
            ?? throw new InvalidOperationException($"A payload is encrypted with key '{id}', which Temporal:EncryptionKeys does not hold.");
        var data = payload.Data.Span;
        if (data.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("An encrypted payload is too short.");
        }

        var plain = new byte[data.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(data[..NonceBytes], data[NonceBytes..^TagBytes], data[^TagBytes..], plain, System.Text.Encoding.UTF8.GetBytes(id));
        return Payload.Parser.ParseFrom(plain);
    }

    private static byte[] Key(string base64, string setting)
    {
        try
        {
            var key = Convert.FromBase64String(base64);
            return key.Length == 32 ? key : throw new InvalidOperationException($"{setting} must be 32 bytes (AES-256) in base64, not {key.Length}; make one with: openssl rand -base64 32");
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{setting} is not base64; make a key with: openssl rand -base64 32");
        }
    }
}
