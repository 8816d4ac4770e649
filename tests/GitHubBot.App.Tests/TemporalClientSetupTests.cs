using GitHubBot.App.Hosting;
using GitHubBot.Testing;
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
    public void Mtls_reads_the_certificate_files_and_the_server_name_overrides_the_hosts()
    {
        using var dir = new TempDirectory("ghbot-tls-");
        var cert = Pem(dir, "client.pem", "CERTIFICATE");
        var key = Pem(dir, "client.key", "PRIVATE KEY");
        var ca = Pem(dir, "ca.pem", "CERTIFICATE");
        var options = new TemporalClientConnectOptions();

        TemporalClientSetup.Apply(new TemporalSettings
        {
            Address = "temporal:7233",
            Tls = new TemporalTlsSettings { ClientCertPath = cert, ClientKeyPath = key, ServerRootCaCertPath = ca, Domain = "temporal.example" },
        }, options);

        Assert.Equal(File.ReadAllBytes(cert), options.Tls!.ClientCert);
        Assert.Equal(File.ReadAllBytes(key), options.Tls.ClientPrivateKey);
        Assert.Equal(File.ReadAllBytes(ca), options.Tls.ServerRootCACert);
        Assert.Equal("temporal.example", options.Tls.Domain);
        Assert.Null(options.ApiKey);
    }

    [Fact]
    public void Temporal_cloud_with_an_api_key_and_a_private_ca_or_server_name_only_still_uses_tls()
    {
        using var dir = new TempDirectory("ghbot-tls-");
        var ca = Pem(dir, "ca.pem", "CERTIFICATE");

        var cloud = Applied(new TemporalSettings { Address = "us-east-1.aws.api.temporal.io:7233", Namespace = "ns.acct", ApiKey = " key-123\n", Tls = new() { ServerRootCaCertPath = ca } });
        var named = Applied(new TemporalSettings { Address = "10.0.0.5:7233", Tls = new() { Domain = "temporal.internal" } });
        var plain = Applied(new TemporalSettings { Address = "temporal:7233", Tls = new() { Enabled = true } });

        Assert.Equal(("key-123", "ns.acct"), (cloud.ApiKey, cloud.Namespace));
        Assert.Equal(File.ReadAllBytes(ca), cloud.Tls!.ServerRootCACert);
        Assert.Null(cloud.Tls.ClientCert);
        Assert.Equal("temporal.internal", named.Tls!.Domain);
        Assert.NotNull(plain.Tls);
        Assert.Null(plain.Tls.ServerRootCACert);
    }

    [Fact]
    public void Unusable_tls_settings_are_one_line_naming_the_setting()
    {
        using var dir = new TempDirectory("ghbot-tls-");
        var key = Pem(dir, "client.key", "PRIVATE KEY");
        var notPem = Path.Combine(dir.Path, "client.der");
        File.WriteAllBytes(notPem, [0x30, 0x82, 0x01, 0x0a]);
        var missing = Path.Combine(dir.Path, "nowhere", "client.pem");

        var problems = new[]
        {
            Problem(new() { ClientCertPath = missing, ClientKeyPath = key }),
            Problem(new() { ClientCertPath = notPem, ClientKeyPath = key }),
            Problem(new() { ServerRootCaCertPath = dir.Path }),
            Problem(new() { ClientKeyPath = key }),
        };

        Assert.Equal($"Temporal:Tls:ClientCertPath names {missing}, which does not exist.", problems[0]);
        Assert.Equal($"Temporal:Tls:ClientCertPath names {notPem}, which is not a PEM file (no -----BEGIN … line).", problems[1]);
        Assert.StartsWith($"Temporal:Tls:ServerRootCaCertPath names {dir.Path}, which cannot be read", problems[2], StringComparison.Ordinal);
        Assert.StartsWith("Temporal:Tls:ClientCertPath and Temporal:Tls:ClientKeyPath go together", problems[3], StringComparison.Ordinal);
        Assert.All(problems, p => Assert.DoesNotContain('\n', p!));
        var thrown = Assert.Throws<InvalidOperationException>(() => Applied(new TemporalSettings { Address = "t:7233", Tls = new() { ClientCertPath = missing, ClientKeyPath = key } }));
        Assert.Equal(problems[0], thrown.Message);
    }

    private static string Pem(TempDirectory dir, string name, string label)
    {
        var path = Path.Combine(dir.Path, name);
        File.WriteAllText(path, $"-----BEGIN {label}-----\nMIIB{name}\n-----END {label}-----\n");
        return path;
    }

    private static TemporalClientConnectOptions Applied(TemporalSettings settings)
    {
        var options = new TemporalClientConnectOptions();
        TemporalClientSetup.Apply(settings, options);
        return options;
    }

    private static string? Problem(TemporalTlsSettings tls) => TemporalSettings.Problem(new TemporalSettings { Address = "temporal:7233", Tls = tls });

    [Fact]
    public void No_address_and_no_embedded_server_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TemporalClientSetup.Apply(new TemporalSettings(), new TemporalClientConnectOptions()));

        Assert.Contains("Temporal:Address", ex.Message, StringComparison.Ordinal);
    }
}
