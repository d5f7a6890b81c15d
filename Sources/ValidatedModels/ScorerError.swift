import Foundation

/// Why an external scorer could not serve a model: it did not start, crashed, hung, broke the protocol or
/// answered with numbers that are not probabilities.
///
/// The message names the checkpoint and the scorer's command, says what went wrong and ends with the tail of
/// what the scorer wrote to standard error, which usually holds the real cause.
public struct ScorerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The checkpoint the scorer was serving.
    public var file: String
    /// The scorer's command line, as configured.
    public var command: String
    /// What went wrong and what to check next.
    public var reason: String
    /// The last bytes (about 2 KB) the scorer wrote to standard error, decoded as UTF-8.
    public var stderrTail: String

    /// Creates an error.
    public init(file: String, command: String, reason: String, stderrTail: String = "") {
        self.file = file
        self.command = command
        self.reason = reason
        self.stderrTail = stderrTail
    }

    /// The message without the file name in front.
    public var detail: String {
        let tail = stderrTail.trimmingCharacters(in: .whitespacesAndNewlines)
        let head = "scorer `\(command)` \(reason)"
        return tail.isEmpty ? "\(head); it wrote nothing to stderr" : "\(head); its stderr ends with:\n\(tail)"
    }

    public var description: String { "\(file): \(detail)" }
}
