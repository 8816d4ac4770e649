using GitHubBot.App.Hosting;
using Temporalio.Client;

namespace GitHubBot.App.Tests;

public sealed class TemporalClientSetupTests
{
    [Fact]
    public void A_cluster_address_and_namespace_are_used_as_given_without_tls()
    {
        var options = new TemporalClientConnectOptions();

        TemporalClientSetup.Apply(new TemporalSettings { Address = "temporal.internal:7233", Namespace = "bots" }, options);

        Assert.Equal("temporal.internal:7233", options.TargetHost);
        Assert.Equal("bots", options.Namespace);
        Assert.Null(options.Tls);
        Assert.Null(options.ApiKey);
    }

    [Fact]
    public void An_api_key_turns_tls_on_for_temporal_cloud()
    {
        var options = new TemporalClientConnectOptions();

        TemporalClientSetup.Apply(new TemporalSettings { Address = "ns.acct.tmprl.cloud:7233", Namespace = "ns.acct", ApiKey = "key-123" }, options);

        Assert.Equal("key-123", options.ApiKey);
        Assert.NotNull(options.Tls);
    }

    [Fact]
    public void Mtls_reads_the_certificate_files()
    {
        var dir = Directory.CreateTempSubdirectory("ghbot-tls-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "client.pem"), "CERT");
            File.WriteAllText(Path.Combine(dir, "client.key"), "KEY");
            var options = new TemporalClientConnectOptions();

            TemporalClientSetup.Apply(new TemporalSettings
            {
                Address = "temporal:7233",
                Tls = new TemporalTlsSettings { ClientCertPath = Path.Combine(dir, "client.pem"), ClientKeyPath = Path.Combine(dir, "client.key"), Domain = "temporal.example" },
            }, options);

            Assert.Equal("CERT"u8.ToArray(), options.Tls!.ClientCert);
            Assert.Equal("KEY"u8.ToArray(), options.Tls.ClientPrivateKey);
            Assert.Equal("temporal.example", options.Tls.Domain);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void No_address_and_no_embedded_server_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TemporalClientSetup.Apply(new TemporalSettings(), new TemporalClientConnectOptions()));

        Assert.Contains("Temporal:Address", ex.Message, StringComparison.Ordinal);
    }
}
