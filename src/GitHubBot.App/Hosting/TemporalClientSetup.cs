using System.Text;
using GitHubBot.Workflows.Hosting;
using Temporalio.Client;
using Temporalio.Converters;

namespace GitHubBot.App.Hosting;

/// <summary>Turns <see cref="TemporalSettings"/> into client connection options (address, namespace, API key, TLS, payload encryption).</summary>
public static class TemporalClientSetup
{
    /// <exception cref="InvalidOperationException">A setting that cannot be used, in one line naming it.</exception>
    public static void Apply(TemporalSettings settings, TemporalClientConnectOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(settings.Address))
        {
            throw new InvalidOperationException("Temporal:Address is empty and no embedded server was started.");
        }

        options.TargetHost = settings.Address;

        // One runtime per process: its metrics (temporal_*) go to /metrics with the bot's own.
        options.Runtime = TemporalMetrics.Runtime;
        options.Namespace = settings.Namespace;
        if (EncryptionCodec.FromSettings(settings.EncryptionKeys, settings.EncryptionKey) is { } codec)
        {
            // Workers, the intake and the CLI share this setup: whatever one encrypts, the others can read. Failure
            // messages and stack traces go into an encoded payload too, since they may quote what they failed on.
            options.DataConverter = DataConverter.Default with
            {
                PayloadCodec = codec,
                FailureConverter = new DefaultFailureConverter.WithEncodedCommonAttributes(),
            };
        }

        if (!string.IsNullOrWhiteSpace(settings.ApiKey))
        {
            options.ApiKey = settings.ApiKey.Trim();
        }

        options.Tls = Tls(settings);
    }

    /// <summary>
    /// The TLS options of the settings: on with Temporal:Tls:Enabled, an API key (Temporal Cloud), a server CA, a
    /// client certificate or a server name; null (plaintext) otherwise. The certificate files are read here.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// A file that does not exist, cannot be read or is not PEM, or a client certificate without its key (or the other
    /// way round), in one line naming the setting.
    /// </exception>
    public static TlsOptions? Tls(TemporalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tls = settings.Tls;
        var certPath = Given(tls.ClientCertPath);
        var keyPath = Given(tls.ClientKeyPath);
        var caPath = Given(tls.ServerRootCaCertPath);
        var domain = Given(tls.Domain);
        if ((certPath is null) != (keyPath is null))
        {
            throw new InvalidOperationException("Temporal:Tls:ClientCertPath and Temporal:Tls:ClientKeyPath go together: mTLS needs the client certificate and its private key.");
        }

        if (!tls.Enabled && Given(settings.ApiKey) is null && certPath is null && caPath is null && domain is null)
        {
            return null;
        }

        return new TlsOptions
        {
            ServerRootCACert = Pem(caPath, "Temporal:Tls:ServerRootCaCertPath"),
            ClientCert = Pem(certPath, "Temporal:Tls:ClientCertPath"),
            ClientPrivateKey = Pem(keyPath, "Temporal:Tls:ClientKeyPath"),
            Domain = domain,
        };
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static byte[]? Pem(string? path, string setting)
    {
        if (path is null)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"{setting} names {path}, which does not exist.", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException($"{setting} names {path}, which cannot be read: {ex.Message.ReplaceLineEndings(" ")}", ex);
        }

        return Encoding.ASCII.GetString(bytes).Contains("-----BEGIN ", StringComparison.Ordinal)
            ? bytes
            : throw new InvalidOperationException($"{setting} names {path}, which is not a PEM file (no -----BEGIN … line).");
    }
}
