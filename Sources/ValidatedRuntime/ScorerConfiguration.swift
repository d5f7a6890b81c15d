import ValidatedModels

/// A folder's `[Scorer]` section: which external scorer serves which checkpoint extension, and the limits all
/// of them run under.
///
/// ```ini
/// [Scorer]
/// Command=onnx python3 /usr/local/lib/validated/onnx_scorer.py
/// StartTimeoutSec=120
/// BatchTimeoutSec=10
/// TextTimeoutSec=1
/// BatchSize=256
/// MemoryLimit=4G
/// ```
public struct ScorerConfiguration: Sendable, Equatable {
    /// Command lines (program and arguments, without the model path) by extension, lowercase, without the dot.
    public var commands: [String: [String]] = [:]
    /// Limits shared by the folder's scorers; its `arguments` are unused.
    public var limits = ScorerCommand(arguments: [])

    /// Creates an empty section: no scorers, default limits.
    public init() {}

    /// Each extension's command with the section's limits, as ``ModelLoader/scorers`` takes them.
    public var byExtension: [String: ScorerCommand] {
        commands.mapValues { arguments in
            var command = limits
            command.arguments = arguments
            return command
        }
    }
}
