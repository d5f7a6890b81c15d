/// Evaluation documents the model read only in part: longer than its maximum input length.
///
/// Words past the limit change neither the model's prediction nor its explanations, so an artefact at the end of a
/// long document is invisible to every suite. The report says how many documents that concerns, so a verdict is
/// never silently about a prefix.
public struct TruncationReport: Sendable, Codable, Equatable {
    /// The longest input the model reads, in its own units (tokens for a transformer).
    public var maximumLength: Int
    /// Evaluation documents cut to ``maximumLength``.
    public var documents: Int
    /// Documents in the evaluation set.
    public var ofDocuments: Int
    /// Cut documents among those the spurious-feature suite explains.
    public var explained: Int
    /// The first few cut documents' ids, in set order.
    public var examples: [String]

    enum CodingKeys: String, CodingKey {
        case documents, explained, examples
        case maximumLength = "max_length"
        case ofDocuments = "of_documents"
    }

    /// Documents shown in ``examples``.
    static let exampleCount = 5

    /// One line for people: how many documents were cut, and what that hides.
    public var summary: String {
        var line =
            "\(documents) of \(ofDocuments) evaluation documents exceed the model's \(maximumLength)-token input and were cut"
        if explained > 0 {
            line += " (\(explained) of them explained: words past the limit cannot show in their explanations)"
        }
        return line
    }
}
