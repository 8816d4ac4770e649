using GitHubBot.Core.Common;

namespace GitHubBot.Core.Tests;

public sealed class WorkflowIdsTests
{
    [Fact]
    public void Ids_follow_the_business_keys_of_the_product_spec()
    {
        Assert.Equal("gate/octo/app/7/abc123", WorkflowIds.QualityGate("octo", "app", 7, "abc123"));
        Assert.Equal("gate/octo/app/7/abc123/rerun-d-1", WorkflowIds.QualityGateRerun("octo", "app", 7, "abc123", "d-1"));
        Assert.Equal("plan/octo/app/12", WorkflowIds.PlanPatchPr("octo", "app", 12));
        Assert.Equal("incident/github/octo/app/dependabot/3", WorkflowIds.GitHubIncident("octo", "app", "dependabot", 3));
    }

    [Fact]
    public void The_same_key_always_gives_the_same_id_and_another_head_another_id()
    {
        Assert.Equal(WorkflowIds.QualityGate("o", "r", 1, "sha1"), WorkflowIds.QualityGate("o", "r", 1, "sha1"));
        Assert.NotEqual(WorkflowIds.QualityGate("o", "r", 1, "sha1"), WorkflowIds.QualityGate("o", "r", 1, "sha2"));
    }
}
