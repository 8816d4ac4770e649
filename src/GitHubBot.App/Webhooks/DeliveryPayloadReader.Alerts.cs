using System.Text.Json;

namespace GitHubBot.App.Webhooks;

/// <summary>The alert of a code scanning, secret scanning or Dependabot delivery (<see cref="DeliveryPayloadReader"/>'s rules).</summary>
public static partial class DeliveryPayloadReader
{
    private static PayloadAlert? Alert(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "alert"))
        {
            return null;
        }

        long? number = null;
        string? htmlUrl = null, secretType = null;
        PayloadAlertRule? rule = null;
        PayloadAlertInstance? mostRecent = null;
        List<PayloadAlertInstance>? instances = null;
        PayloadAdvisory? advisory = null;
        PayloadDependency? dependency = null;
        PayloadVulnerability? vulnerability = null;
        DateTimeOffset? createdAt = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("number"u8)) { number = Integer(ref r, "number"); }
            else if (r.ValueTextEquals("html_url"u8)) { htmlUrl = Text(ref r, "html_url"); }
            else if (r.ValueTextEquals("rule"u8)) { rule = Rule(ref r); }
            else if (r.ValueTextEquals("most_recent_instance"u8)) { mostRecent = Instance(ref r, "most_recent_instance"); }
            else if (r.ValueTextEquals("instances"u8)) { instances = Instances(ref r); }
            else if (r.ValueTextEquals("secret_type"u8)) { secretType = Text(ref r, "secret_type"); }
            else if (r.ValueTextEquals("security_advisory"u8)) { advisory = Advisory(ref r); }
            else if (r.ValueTextEquals("dependency"u8)) { dependency = Dependency(ref r); }
            else if (r.ValueTextEquals("security_vulnerability"u8)) { vulnerability = Vulnerability(ref r); }
            else if (r.ValueTextEquals("created_at"u8)) { createdAt = Time(ref r, "created_at"); }
            else { Skip(ref r); }
        }

        return new PayloadAlert(number, htmlUrl, rule, mostRecent, instances, secretType, advisory, dependency, vulnerability) { CreatedAt = createdAt };
    }

    private static PayloadAlertRule? Rule(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "alert.rule"))
        {
            return null;
        }

        string? id = null, name = null, description = null, fullDescription = null, level = null, severity = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("id"u8)) { id = Text(ref r, "id"); }
            else if (r.ValueTextEquals("name"u8)) { name = Text(ref r, "name"); }
            else if (r.ValueTextEquals("description"u8)) { description = Text(ref r, "description"); }
            else if (r.ValueTextEquals("full_description"u8)) { fullDescription = Text(ref r, "full_description"); }
            else if (r.ValueTextEquals("security_severity_level"u8)) { level = Text(ref r, "security_severity_level"); }
            else if (r.ValueTextEquals("severity"u8)) { severity = Text(ref r, "severity"); }
            else { Skip(ref r); }
        }

        return new PayloadAlertRule(id, name, description, fullDescription, level, severity);
    }

    /// <summary>A list of alert instances (nulls in it left out).</summary>
    private static List<PayloadAlertInstance>? Instances(ref Utf8JsonReader r)
    {
        if (!StartArray(ref r, "alert.instances"))
        {
            return null;
        }

        var list = new List<PayloadAlertInstance>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (Instance(ref r, "alert.instances[]") is { } instance)
            {
                list.Add(instance);
            }
        }

        return list;
    }

    private static PayloadAlertInstance? Instance(ref Utf8JsonReader r, string field)
    {
        if (!Start(ref r, field))
        {
            return null;
        }

        PayloadAlertLocation? location = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("location"u8)) { location = Start(ref r, "location") ? Location(ref r) : null; }
            else { Skip(ref r); }
        }

        return new PayloadAlertInstance(location);
    }

    private static PayloadAlertLocation Location(ref Utf8JsonReader r)
    {
        string? path = null;
        long? line = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("path"u8)) { path = Text(ref r, "path"); }
            else if (r.ValueTextEquals("start_line"u8)) { line = Integer(ref r, "start_line"); }
            else { Skip(ref r); }
        }

        return new PayloadAlertLocation(path, line);
    }

    private static PayloadAdvisory? Advisory(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "alert.security_advisory"))
        {
            return null;
        }

        string? summary = null, ghsa = null, cve = null, severity = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("summary"u8)) { summary = Text(ref r, "summary"); }
            else if (r.ValueTextEquals("ghsa_id"u8)) { ghsa = Text(ref r, "ghsa_id"); }
            else if (r.ValueTextEquals("cve_id"u8)) { cve = Text(ref r, "cve_id"); }
            else if (r.ValueTextEquals("severity"u8)) { severity = Text(ref r, "severity"); }
            else { Skip(ref r); }
        }

        return new PayloadAdvisory(summary, ghsa, cve, severity);
    }

    private static PayloadDependency? Dependency(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "alert.dependency"))
        {
            return null;
        }

        PayloadPackage? package = null;
        string? manifest = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("package"u8)) { package = Start(ref r, "package") ? Package(ref r) : null; }
            else if (r.ValueTextEquals("manifest_path"u8)) { manifest = Text(ref r, "manifest_path"); }
            else { Skip(ref r); }
        }

        return new PayloadDependency(package, manifest);
    }

    private static PayloadPackage Package(ref Utf8JsonReader r)
    {
        string? ecosystem = null, name = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("ecosystem"u8)) { ecosystem = Text(ref r, "ecosystem"); }
            else if (r.ValueTextEquals("name"u8)) { name = Text(ref r, "name"); }
            else { Skip(ref r); }
        }

        return new PayloadPackage(ecosystem, name);
    }

    private static PayloadVulnerability? Vulnerability(ref Utf8JsonReader r)
    {
        if (!Start(ref r, "alert.security_vulnerability"))
        {
            return null;
        }

        string? range = null;
        PayloadPatchedVersion? patched = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("vulnerable_version_range"u8)) { range = Text(ref r, "vulnerable_version_range"); }
            else if (r.ValueTextEquals("first_patched_version"u8)) { patched = Start(ref r, "first_patched_version") ? Patched(ref r) : null; }
            else { Skip(ref r); }
        }

        return new PayloadVulnerability(range, patched);
    }

    private static PayloadPatchedVersion Patched(ref Utf8JsonReader r)
    {
        string? identifier = null;
        while (Member(ref r))
        {
            if (r.ValueTextEquals("identifier"u8)) { identifier = Text(ref r, "identifier"); }
            else { Skip(ref r); }
        }

        return new PayloadPatchedVersion(identifier);
    }
}
