using Temporalio.Client;

namespace GitHubBot.App.Hosting;

/// <summary>Turns <see cref="TemporalSettings"/> into client connection options (address, namespace, API key, TLS, payload encryption).</summary>
public static class TemporalClientSetup
{
    public static void Apply(TemporalSettings settings, TemporalClientConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(settings.Address))
        {
            throw new InvalidOperationException("Temporal:Address is empty and no embedded server was started.");
        }

        options.TargetHost = settings.Address;
        options.Namespace = settings.Namespace;
        if (EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey) is { } codec)
        {
            // Workers, the intake and the CLI share this setup: whatever one encrypts, the others can read.
            options.DataConverter = Temporalio.Converters.DataConverter.Default with { PayloadCodec = codec };
        }

        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            options.ApiKey = settings.ApiKey;
        }

        var tls = settings.Tls;
        if (tls.Enabled || !string.IsNullOrEmpty(settings.ApiKey) || tls.ClientCertPath is not null || tls.ServerRootCaCertPath is not null)
        {
            options.Tls = new TlsOptions
            {
                ServerRootCACert = ReadOptional(tls.ServerRootCaCertPath),
                ClientCert = ReadOptional(tls.ClientCertPath),
                ClientPrivateKey = ReadOptional(tls.ClientKeyPath),
                Domain = tls.Domain,
            };
        }
    }

    private static byte[]? ReadOptional(string? path) => string.IsNullOrWhiteSpace(path) ? null : File.ReadAllBytes(path);
}
