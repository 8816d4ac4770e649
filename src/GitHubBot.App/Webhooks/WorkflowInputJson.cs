using System.Text.Json;
using System.Text.Json.Serialization;
using GitHubBot.Core.Commands;
using GitHubBot.Core.QualityGate;
using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Converters;

namespace GitHubBot.App.Webhooks;

/// <summary>
/// The inputs the routes start workflows with (<see cref="QualityGateInput"/>, <see cref="CommandInput"/>), made into
/// Temporal payloads by generated code: byte for byte what Temporal's default converter makes of them
/// (<c>json/plain</c>, <see cref="JsonSerializerOptions"/>' defaults; WorkflowInputJsonTests holds it to that for
/// every route), without building and running reflection metadata on every delivery the intake journals. Any other
/// converter (or input) goes through the converter as before.
/// </summary>
[JsonSerializable(typeof(QualityGateInput))]
[JsonSerializable(typeof(CommandInput))]
internal sealed partial class WorkflowInputJson : JsonSerializerContext
{
    private static readonly ByteString JsonPlain = ByteString.CopyFromUtf8("json/plain");

    /// <summary>The payload <paramref name="converter"/> makes of <paramref name="input"/>.</summary>
    public static Payload ToPayload(IPayloadConverter converter, object input)
    {
        ArgumentNullException.ThrowIfNull(converter);
        ArgumentNullException.ThrowIfNull(input);
        return InfoFor(converter, input) is { } info
            ? new Payload
            {
                Metadata = { ["encoding"] = JsonPlain },
                Data = UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(input, info)),
            }
            : converter.ToPayload(input);
    }

    /// <summary>Whether <paramref name="converter"/> and <paramref name="input"/> take the generated path.</summary>
    internal static bool Generated(IPayloadConverter converter, object input) => InfoFor(converter, input) is not null;

    // The type names are qualified: inside this class QualityGateInput and CommandInput name the generated properties.
    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo? InfoFor(IPayloadConverter converter, object input) =>
        converter.GetType() != typeof(DefaultPayloadConverter) ? null : input switch
        {
            Core.QualityGate.QualityGateInput => Default.QualityGateInput,
            Core.Commands.CommandInput => Default.CommandInput,
            _ => null,
        };
}
