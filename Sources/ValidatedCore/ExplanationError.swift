import Foundation

/// An explanation that could not be computed.
public struct ExplanationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong and, where it helps, what to do.
    public var description: String

    /// Creates an error.
    public init(description: String) {
        self.description = description
    }

    static func noWords(_ documentID: String, _ settings: LimeSettings) -> Self {
        if settings.charLevel {
            return Self(description: "document \(documentID) is empty: there is no character to explain")
        }
        if settings.splitExpression != IndexedText.defaultSplitExpression {
            return Self(
                description:
                    "document \(documentID) has no words to explain: it is all matches of the split expression "
                    + "\"\(settings.splitExpression)\""
            )
        }
        return Self(
            description:
                "document \(documentID) has no words to explain (LIME perturbs words: runs of letters, digits and '_')"
        )
    }

    static func noLabels(_ documentID: String) -> Self {
        Self(
            description:
                "document \(documentID) cannot be explained: no class was asked for; pass at least one label, or a top-labels count of at least 1"
        )
    }

    static func invalidSettings(_ documentID: String, _ problem: String) -> Self {
        Self(description: "document \(documentID) cannot be explained: \(problem)")
    }

    static func labelOutOfRange(_ documentID: String, label: Int, columns: Int) -> Self {
        Self(
            description:
                "document \(documentID) cannot be explained for class index \(label): the model returns \(columns) classes"
        )
    }

    static func wrongRowCount(_ documentID: String, texts: Int, rows: Int) -> Self {
        Self(
            description:
                "document \(documentID) cannot be explained: the model returned \(rows) rows of probabilities for \(texts) texts"
        )
    }

    static func columnsChanged(_ documentID: String, from: Int, to: Int) -> Self {
        Self(
            description:
                "document \(documentID) cannot be explained: the model returned \(from) classes for some texts "
                + "and \(to) for others"
        )
    }

    static func notFinite(_ documentID: String, _ value: Double) -> Self {
        Self(
            description:
                "document \(documentID) cannot be explained: the model returned the probability \(value) for a perturbed text"
        )
    }
}
