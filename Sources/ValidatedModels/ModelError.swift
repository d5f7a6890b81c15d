/// Why a checkpoint could not be loaded.
///
/// Every message names the file and what is wrong with it, and where possible what to do next.
public struct ModelError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The checkpoint file.
    public var file: String
    /// What is wrong.
    public var reason: String

    /// Creates an error for `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String { "\(file): \(reason)" }
}
