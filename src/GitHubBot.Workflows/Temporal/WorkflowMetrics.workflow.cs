using GitHubBot.Core.Common;
using Temporalio.Exceptions;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace GitHubBot.Workflows.Temporal;

/// <summary>
/// Records how each workflow ended — <c>ghbot_workflows_completed_total{type,outcome}</c> and
/// <c>ghbot_workflow_duration_seconds{type,outcome}</c> (from its start to its end, in workflow time) — on
/// <c>Workflow.MetricMeter</c>, which records nothing while a worker replays a history. It adds no command: a
/// workflow's history is the same with it or without it.
/// </summary>
public sealed class WorkflowMetricsInterceptor : IWorkerInterceptor
{
    /// <summary>Short type labels of the workflows measured; others (the Alertmanager monitor, which never ends) are not.</summary>
    public static IReadOnlyDictionary<string, string> TypeLabels { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [WorkflowTypes.QualityGate] = "gate",
        [WorkflowTypes.PlanPatchPr] = "plan",
        [WorkflowTypes.IncidentSwarm] = "incident",
        [WorkflowTypes.CodeMigration] = "migration",
        [WorkflowTypes.ChangeRequest] = "change",
        [WorkflowTypes.Command] = "command",
    };

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new Inbound(nextInterceptor);

    /// <summary>The outcome of a workflow that threw <paramref name="error"/>: null when it does not end the workflow.</summary>
    public static string? OutcomeOf(Exception error) => error switch
    {
        ContinueAsNewException => null,
        CanceledFailureException or OperationCanceledException when Workflow.CancellationToken.IsCancellationRequested => "cancelled",
        FailureException => "failed",
        _ => null, // fails the workflow task, which Temporal retries: the workflow has not ended
    };

    private sealed class Inbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            if (!TypeLabels.TryGetValue(Workflow.Info.WorkflowType, out var type))
            {
                return await base.ExecuteWorkflowAsync(input);
            }

            try
            {
                var result = await base.ExecuteWorkflowAsync(input);
                Record(type, "completed");
                return result;
            }
            catch (Exception ex) when (OutcomeOf(ex) is { } outcome)
            {
                Record(type, outcome);
                throw;
            }
        }

        private static void Record(string type, string outcome)
        {
            IEnumerable<KeyValuePair<string, object>> tags = [new("type", type), new("outcome", outcome)];
            var meter = Workflow.MetricMeter;
            meter.CreateCounter<long>("ghbot_workflows_completed", null, "Workflows ended, by type and outcome.").Add(1, tags);
            meter.CreateHistogram<double>("ghbot_workflow_duration_seconds", "s", "Workflows' durations from start to end, by type and outcome.")
                .Record(Math.Max(0, (Workflow.UtcNow - Workflow.Info.WorkflowStartTime).TotalSeconds), tags);
        }
    }
}
